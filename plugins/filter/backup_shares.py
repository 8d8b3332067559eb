# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The share list of zfssa_filesystem's bulk form, from the output of backup_addresses."""

from __future__ import annotations

DOCUMENTATION = r'''
name: backup_shares
short_description: The share list for the fleet, for the bulk form of zfssa_filesystem
version_added: 1.0.0
description:
  - Takes the output of C(exalogic.backup.backup_addresses) and returns the O(filesystems) list of
    M(exalogic.backup.zfssa_filesystem) - root access and read-write for exactly the hosts' addresses.
  - Layout V(per_host) - one share per host, its exceptions only that host's addresses, the host's quota.
  - Layout V(shared) - the field procedure's single share (O(shared_name)) whose exceptions are the
    merged addresses of the whole fleet (adjacent addresses merged into CIDR networks with C(netaddr)).
  - Combine with C(default_access=none) so that nobody else has access.
options:
  _input:
    description: Output of C(exalogic.backup.backup_addresses).
    type: list
    elements: dict
    required: true
  layout:
    description: V(per_host) or V(shared).
    type: str
    default: per_host
    choices: [per_host, shared]
  shared_name:
    description: Name of the single share with O(layout=shared).
    type: str
    default: backups
'''

EXAMPLES = r'''
- name: One bulk call for the whole fleet
  exalogic.backup.zfssa_filesystem:
    pool: gold
    project: backups
    default_access: none
    filesystems: "{{ groups['vservers'] | exalogic.backup.backup_addresses(hostvars) | exalogic.backup.backup_shares }}"
'''

RETURN = r'''
_value:
  description: Share entries (C(name), C(nfs_exceptions), and C(quota) when a host sets one).
  type: list
  elements: dict
'''

from ansible.errors import AnsibleFilterError

try:
    import netaddr
except ImportError:
    netaddr = None


def exceptions(addresses):
    return [{'network': address, 'access': 'rw', 'root': True} for address in addresses]


def merged(addresses):
    """Unique networks covering exactly the given addresses (host routes written as plain addresses)."""
    if netaddr is None:
        raise AnsibleFilterError('exalogic.backup filters need the Python library netaddr on the control node: '
                                 'pip install netaddr')
    out = []
    for net in netaddr.cidr_merge(addresses):
        out.append(str(net.ip) if net.size == 1 else str(net))
    return out


def backup_shares(fleet, layout='per_host', shared_name='backups'):
    if layout not in ('per_host', 'shared'):
        raise AnsibleFilterError('layout must be per_host or shared, got %r' % (layout,))
    if layout == 'shared':
        every = [address for entry in fleet for address in entry['addresses']]
        return [{'name': shared_name, 'nfs_exceptions': exceptions(merged(every))}] if every else []
    shares = []
    for entry in fleet:
        share = {'name': entry['share'], 'nfs_exceptions': exceptions(entry['addresses'])}
        if entry.get('quota') not in (None, ''):
            share['quota'] = entry['quota']
        shares.append(share)
    return shares


class FilterModule:
    def filters(self):
        return {'backup_shares': backup_shares}
