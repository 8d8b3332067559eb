# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r'''
name: cidr_merge
short_description: Merge addresses and networks into the fewest CIDR networks
version_added: 0.2.0
description:
  - Returns the smallest list of networks that covers exactly the given addresses and networks, for example to
    write a short NFS exception list for the hosts of a rebuilt system.
  - Fails with a message naming the item when an item is not an address or a network.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  _input:
    description: IPv4/IPv6 addresses and networks in CIDR notation.
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
- name: One exception entry for four neighbouring hosts (10.2.0.20/30)
  ansible.builtin.debug:
    msg: "{{ ['10.2.0.20', '10.2.0.21', '10.2.0.22', '10.2.0.23'] | exalogic.backup.cidr_merge }}"
'''

RETURN = r'''
_value:
  description: The merged networks in CIDR notation, IPv4 first.
  type: list
  elements: str
  sample: [10.2.0.20/30, fd00:2::/64]
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.exalogic.backup.plugins.plugin_utils.netmaps import MapError, merge_cidrs


def cidr_merge(items):
    try:
        return merge_cidrs(items)
    except MapError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """Short CIDR lists (NFS exception lists)."""

    def filters(self):
        return {'cidr_merge': cidr_merge}
