# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side filters that turn the inventory into the appliance's share list."""

from __future__ import annotations

DOCUMENTATION = r'''
name: backup_addresses
short_description: The backup (data) addresses of inventory hosts, validated
version_added: 1.0.0
description:
  - For each host, the addresses the appliance sees its NFS traffic come from - the per-host
    variable named by O(variable) (a string or a list), else C(ansible_host), else the inventory name.
  - Every value must be an IPv4 or IPv6 address or a CIDR network; host names are refused because the
    appliance's NFS exceptions match addresses. The error names the host, the variable and the fix.
  - Validated with C(netaddr) on the control node; the hosts need nothing.
  - Companion filter C(exalogic.backup.backup_shares) turns the result into the share list of
    M(exalogic.backup.zfssa_filesystem).
options:
  _input:
    description: The names of the hosts, for example C(groups['vservers']).
    type: list
    elements: str
    required: true
  hostvars:
    description: C(hostvars).
    type: dict
    required: true
  variable:
    description: Per-host variable that holds the backup address(es).
    type: str
    default: zfssa_backup_share_address
  share_variable:
    description: Per-host variable that names the host's share (per host layout) or directory; default the inventory name.
    type: str
    default: zfssa_backup_share_name
'''

EXAMPLES = r'''
- name: Addresses of the fleet, from zfssa_backup_share_address, ansible_host or the name
  ansible.builtin.set_fact:
    fleet: "{{ groups['vservers'] | exalogic.backup.backup_addresses(hostvars) }}"
  # [{"host": "vs01", "share": "vs01", "addresses": ["10.0.1.5"], "quota": null}, ...]
'''

RETURN = r'''
_value:
  description: One entry per host, in input order.
  type: list
  elements: dict
  contains:
    host:
      description: Inventory name.
      type: str
    share:
      description: Share (or directory) name of the host.
      type: str
    addresses:
      description: Normalised addresses or networks (C(10.0.1.5), C(10.0.1.0/24)).
      type: list
      elements: str
    quota:
      description: The host's C(zfssa_backup_share_quota), or null.
      type: raw
'''

import re

from ansible.errors import AnsibleFilterError

try:
    import netaddr
except ImportError:  # reported when the filter is used, not when Ansible loads plugins
    netaddr = None

SHARE_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$')


def require_netaddr():
    if netaddr is None:
        raise AnsibleFilterError('exalogic.backup filters need the Python library netaddr on the control node: '
                                 'pip install netaddr')


def normalise_address(value, host, variable):
    """'10.0.1.5' or '10.0.1.0/24' in canonical form; AnsibleFilterError naming host and variable otherwise."""
    require_netaddr()
    text = str(value).strip()
    address, slash, prefix = text.partition('/')
    try:
        ip = netaddr.IPAddress(address, flags=netaddr.INET_PTON)
        if not slash:
            return str(ip)
        if not prefix.isdigit():
            raise ValueError(prefix)
        return str(netaddr.IPNetwork('%s/%s' % (ip, prefix)).cidr)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise AnsibleFilterError(
            'host %s: %s is %r, which is not an IP address or CIDR network; set %s to the address the '
            'appliance sees this host come from (for example 10.0.1.5)' % (host, variable, text, variable)) from None


def host_addresses(host, hostvars, variable):
    """(source variable, [addresses]) for one host."""
    values = hostvars.get(host, {})
    for name in (variable, 'ansible_host'):
        if values.get(name) not in (None, '', []):
            raw = values[name]
            items = raw if isinstance(raw, (list, tuple)) else [raw]
            return name, [normalise_address(item, host, name) for item in items]
    return 'the inventory name', [normalise_address(host, host, 'the inventory name (no ansible_host)')]


def backup_addresses(hosts, hostvars, variable='zfssa_backup_share_address', share_variable='zfssa_backup_share_name'):
    if not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError('backup_addresses expects a list of host names, got %s' % type(hosts).__name__)
    fleet, owners = [], {}
    for host in hosts:
        values = hostvars.get(host, {})
        share = str(values.get(share_variable) or host)
        if not SHARE_NAME.match(share):
            raise AnsibleFilterError('host %s: share name %r is not valid on the appliance (letters, digits, _ . : -, '
                                     'at most 64); set %s for this host' % (host, share, share_variable))
        if share in owners:
            raise AnsibleFilterError('hosts %s and %s would share the backup share %s; give one of them its own %s'
                                     % (owners[share], host, share, share_variable))
        owners[share] = host
        _source, addresses = host_addresses(host, hostvars, variable)
        fleet.append({'host': host, 'share': share, 'addresses': addresses,
                      'quota': values.get('zfssa_backup_share_quota')})
    return fleet


class FilterModule:
    def filters(self):
        return {'backup_addresses': backup_addresses}
