# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r'''
name: ip_remap
short_description: Turn network maps into the explicit address map of the remap modules
version_added: 0.2.0
description:
  - Maps every address of each old network to the address with the same host part in its new network
    (C(10.1.0.11) in C(10.1.0.0/24) becomes C(10.2.0.11) for C(10.2.0.0/24)), plus explicit pairs.
  - The result is the O(exalogic.backup.hosts_remap#module:address_map) of M(exalogic.backup.hosts_remap),
    M(exalogic.backup.network_remap) and M(exalogic.backup.fstab_remap).
  - Fails with a message naming the item for an invalid network or address, a network with host bits set,
    networks of different sizes or families, and overlapping old networks.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  _input:
    description: Old network to new network, both in CIDR notation, for example C(10.1.0.0/24) to C(10.2.0.0/24).
    type: dict
    required: true
  pairs:
    description: Explicit old address to new address pairs; they win over the network maps. A new address may carry C(/prefix).
    type: dict
  addresses:
    description:
      - Map only these old addresses (an IPv6 zone index such as C(%eth0) is kept); addresses in no old network are left out.
      - Needed for networks of more than 65536 addresses, which are not enumerated.
    type: list
    elements: str
'''

EXAMPLES = r'''
- name: Address map for a move from 10.1.0.0/24 to 10.2.0.0/24 and a new appliance address
  ansible.builtin.set_fact:
    address_map: "{{ {'10.1.0.0/24': '10.2.0.0/24'} | exalogic.backup.ip_remap(pairs={'192.168.20.9': '192.168.30.9'}) }}"

- name: Only the addresses the old host used (IPv6 /64 networks are too large to enumerate)
  ansible.builtin.set_fact:
    address_map: "{{ {'fd00:1::/64': 'fd00:2::/64'} | exalogic.backup.ip_remap(addresses=['fd00:1::11', 'fd00:1::1']) }}"
'''

RETURN = r'''
_value:
  description: Old address to new address.
  type: dict
  sample: {10.1.0.11: 10.2.0.11, 192.168.20.9: 192.168.30.9}
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.exalogic.backup.plugins.plugin_utils.netmaps import MapError, address_map


def ip_remap(networks, pairs=None, addresses=None):
    try:
        return address_map(networks, pairs, addresses)
    except MapError as exc:
        raise AnsibleFilterError(f'ip_remap: {exc}') from None


class FilterModule:
    """Address maps for rebuilding onto new networks."""

    def filters(self):
        return {'ip_remap': ip_remap}
