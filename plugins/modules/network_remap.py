#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: network_remap
short_description: Rewrite restored Oracle Linux network configuration for the addresses and NICs of a new host
version_added: 0.2.0
description:
  - Applies an address map and a NIC (MAC) map to the network configuration of a restored system, so that the new
    host's NICs come up under the old names with the new addresses.
  - C(ifcfg-*) files (network-scripts) - C(IPADDR<n>), C(GATEWAY<n>), C(DNS<n>), C(IPV6ADDR),
    C(IPV6ADDR_SECONDARIES), C(IPV6_DEFAULTGW); a new address written with C(/prefix) also sets C(PREFIX<n>)
    (or C(NETMASK<n>) when the file uses that). C(HWADDR) is rebound by O(nic_map) or handled by O(unmapped_mac);
    C(UUID) is dropped with O(drop_uuid).
  - NetworkManager keyfiles (C(*.nmconnection)) - C(address<n>) (address and gateway), C(gateway) and C(dns) of
    C([ipv4]) and C([ipv6]); C(mac-address) of C([ethernet]) and C([infiniband]) as for C(HWADDR).
  - C(70-persistent-net.rules) - a rule for a MAC in O(nic_map) gets the new MAC (same name); a rule for another
    MAC is handled by O(unmapped_rules). MACs are compared ignoring case.
  - Every unchanged byte of the files stays as it was.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  address_map:
    description:
      - Old IPv4/IPv6 address to new address, optionally with C(/prefix) in the new address.
      - Build it from network maps with the P(exalogic.backup.ip_remap#filter) filter.
    type: dict
    default: {}
  nic_map:
    description: Old NIC MAC to new NIC MAC (Ethernet, or 20-byte IPoIB hardware addresses).
    type: dict
    default: {}
  unmapped_mac:
    description:
      - What to do with a C(HWADDR) or C(mac-address) whose MAC is not in O(nic_map). V(drop) removes the binding
        (the profile then applies by device name); V(keep) leaves it.
    type: str
    choices: [drop, keep]
    default: drop
  drop_uuid:
    description: Remove C(UUID) from C(ifcfg-*) files (it ties them to a NetworkManager profile of the old host).
    type: bool
    default: true
  unmapped_rules:
    description:
      - What to do with a C(70-persistent-net.rules) rule whose MAC is not in O(nic_map) - V(comment) it out,
        V(remove) it, or V(keep) it. A kept rule holds its name, so a new NIC would get another one.
    type: str
    choices: [comment, remove, keep]
    default: comment
  ifcfg_dir:
    description: Directory of the C(ifcfg-*) files, as seen from O(root); skipped when missing.
    type: path
    default: /etc/sysconfig/network-scripts
  keyfile_dir:
    description: Directory of the NetworkManager keyfiles, as seen from O(root); skipped when missing.
    type: path
    default: /etc/NetworkManager/system-connections
  udev_rules:
    description: The persistent net rules file, as seen from O(root); skipped when missing.
    type: path
    default: /etc/udev/rules.d/70-persistent-net.rules
extends_documentation_fragment:
  - exalogic.backup.file_rewrite
seealso:
  - module: exalogic.backup.hosts_remap
'''

EXAMPLES = r'''
- name: New addresses and NICs in the restored network configuration
  exalogic.backup.network_remap:
    root: /mnt/sysimage
    address_map: "{{ {'10.1.0.0/24': '10.2.0.0/24'} | exalogic.backup.ip_remap }}"
    nic_map:
      00:16:3E:AA:BB:01: 00:16:3e:cc:dd:01
  register: network

- name: Show the files that changed
  ansible.builtin.debug:
    msg: "{{ network.files | selectattr('changed') | map(attribute='path') | list }}"
'''

RETURN = r'''
files:
  description:
    - One item per file looked at - path (as seen from O(root)), kind (V(ifcfg), V(keyfile), V(udev_rules)),
      changed, changes (key or line, old, new; new is null when removed) and backup_file.
  type: list
  elements: dict
  returned: always
  sample: [{path: /etc/sysconfig/network-scripts/ifcfg-eth0, kind: ifcfg, changed: true, backup_file: null,
            changes: [{key: IPADDR, old: 10.1.0.11, new: 10.2.0.21}]}]
backup_files:
  description: Paths (as seen from O(root)) of the copies of the changed files.
  type: list
  elements: str
  returned: always
  sample: [/etc/sysconfig/network-scripts/ifcfg-eth0.20261207T011500Z~]
'''

import os
import re

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.exalogic.backup.plugins.module_utils._backup.confined import ConfinedError
from ansible_collections.exalogic.backup.plugins.module_utils._host import textfile
from ansible_collections.exalogic.backup.plugins.module_utils._host.addrmap import AddressMap, MacMap
from ansible_collections.exalogic.backup.plugins.module_utils._host.ifcfg import IfcfgFile, remap_ifcfg
from ansible_collections.exalogic.backup.plugins.module_utils._host.nm_keyfile import Keyfile, remap_keyfile
from ansible_collections.exalogic.backup.plugins.module_utils._host.udev_rules import parse_rules, remap_rules, render_rules_bytes

# ifcfg-<name> files that hold an interface (not backups such as ifcfg-eth0.bak or ifcfg-eth0~)
_IFCFG = re.compile(r'ifcfg-[A-Za-z0-9_.:@-]+\Z')
_BACKUP = re.compile(r'(?:\.bak|\.orig|\.rpmnew|\.rpmsave|~)\Z')


def planned_files(p):
    """(kind, path, function bytes -> (new bytes, changes)) of every file to look at."""
    address_map = AddressMap(p['address_map'])
    mac_map = MacMap(p['nic_map'])

    def ifcfg(data):
        parsed = IfcfgFile(data)
        changes = remap_ifcfg(parsed, address_map, mac_map, p['unmapped_mac'], p['drop_uuid'])
        return parsed.render_bytes(), changes

    def keyfile(data):
        parsed = Keyfile(data)
        changes = remap_keyfile(parsed, address_map, mac_map, p['unmapped_mac'])
        return parsed.render_bytes(), changes

    def rules(data):
        lines, changes = remap_rules(parse_rules(data), mac_map, p['unmapped_rules'])
        return render_rules_bytes(lines), changes

    files = []
    for name in textfile.list_dir(p['root'], p['ifcfg_dir']):
        if _IFCFG.match(name) and not _BACKUP.search(name):
            files.append(('ifcfg', os.path.join(p['ifcfg_dir'], name), ifcfg))
    for name in textfile.list_dir(p['root'], p['keyfile_dir']):
        if name.endswith('.nmconnection'):
            files.append(('keyfile', os.path.join(p['keyfile_dir'], name), keyfile))
    files.append(('udev_rules', p['udev_rules'], rules))
    return files


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type='path', default='/'),
            backup=dict(type='bool', default=True),
            address_map=dict(type='dict', default={}),
            nic_map=dict(type='dict', default={}),
            unmapped_mac=dict(type='str', choices=['drop', 'keep'], default='drop'),
            drop_uuid=dict(type='bool', default=True),
            unmapped_rules=dict(type='str', choices=['comment', 'remove', 'keep'], default='comment'),
            ifcfg_dir=dict(type='path', default='/etc/sysconfig/network-scripts'),
            keyfile_dir=dict(type='path', default='/etc/NetworkManager/system-connections'),
            udev_rules=dict(type='path', default='/etc/udev/rules.d/70-persistent-net.rules'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not os.path.isdir(p['root']):
        module.fail_json(msg='root %s is not a directory; give the directory that holds the etc/ to rewrite' % p['root'])
    results, diffs = [], []
    try:
        # plan every file first: bad input or an unreadable file fails before anything is written
        plans = []
        for kind, path, remap in planned_files(p):
            before = textfile.read(p['root'], path, missing_ok=True)
            if before is not None:
                after, changes = remap(before)
                plans.append((kind, path, before, after, changes))
        for kind, path, before, after, changes in plans:
            done = textfile.rewrite(p['root'], path, before, after, module.check_mode, p['backup'])
            results.append({'path': path, 'kind': kind, 'changed': done['changed'], 'changes': changes,
                            'backup_file': done['backup_file']})
            if done['changed']:
                diffs.append(done['diff'])
    except (ValueError, ConfinedError, OSError) as exc:
        module.fail_json(msg='network_remap: %s' % to_native(exc), files=results)
    module.exit_json(changed=any(item['changed'] for item in results), files=results,
                     backup_files=[item['backup_file'] for item in results if item['backup_file']], diff=diffs)


if __name__ == '__main__':
    main()
