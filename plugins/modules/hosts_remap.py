#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: hosts_remap
short_description: Rewrite a restored /etc/hosts for the addresses and names of a new host
version_added: 0.2.0
description:
  - Replaces old addresses by new ones (O(address_map)) and old host names by new ones (O(name_map)) in
    C(/etc/hosts), keeping comments, aliases, tabs, the order of the lines and every unchanged byte.
  - Addresses are compared as addresses (C(fd00::0:1) is C(fd00::1)); an IPv6 zone index (C(fe80::1%eth0)) is kept.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  path:
    description: The hosts file to rewrite, as seen from O(root).
    type: path
    default: /etc/hosts
  address_map:
    description:
      - Old IPv4/IPv6 address to new address. A key with a zone index matches only that zone; a key without one
        matches the address in any zone and keeps the zone.
      - Build it from network maps with the P(exalogic.backup.ip_remap#filter) filter.
    type: dict
    default: {}
  name_map:
    description: Old host name or alias to new one, compared ignoring case; give the FQDN and the short name.
    type: dict
    default: {}
extends_documentation_fragment:
  - exalogic.backup.file_rewrite
seealso:
  - module: exalogic.backup.fstab_remap
  - module: exalogic.backup.network_remap
'''

EXAMPLES = r'''
- name: New addresses and host name in the restored /etc/hosts
  exalogic.backup.hosts_remap:
    root: /mnt/sysimage
    address_map:
      10.1.0.11: 10.2.0.21
      192.168.10.11: 192.168.30.21
    name_map:
      vs01.example.com: vs21.example.com
      vs01: vs21
'''

RETURN = r'''
changes:
  description: One item per replaced field - line, field (V(address) or V(name)), old, new.
  type: list
  elements: dict
  returned: always
  sample: [{line: 5, field: address, old: 10.1.0.11, new: 10.2.0.21}]
backup_files:
  description: Paths (as seen from O(root)) of the copies of the old file; empty when nothing was written.
  type: list
  elements: str
  returned: always
  sample: [/etc/hosts.20261207T011500Z~]
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.exalogic.backup.plugins.module_utils._backup.confined import ConfinedError
from ansible_collections.exalogic.backup.plugins.module_utils._host import textfile
from ansible_collections.exalogic.backup.plugins.module_utils._host.addrmap import AddressMap
from ansible_collections.exalogic.backup.plugins.module_utils._host.hosts import parse_hosts, remap_hosts, render_hosts_bytes


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type='path', default='/'),
            path=dict(type='path', default='/etc/hosts'),
            backup=dict(type='bool', default=True),
            address_map=dict(type='dict', default={}),
            name_map=dict(type='dict', default={}),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not os.path.isdir(p['root']):
        module.fail_json(msg='root %s is not a directory; give the directory that holds the etc/ to rewrite' % p['root'])
    bad_names = [name for name in list(p['name_map']) + list(p['name_map'].values())
                 if not name or any(char in '%s' % name for char in ' \t\r\n#')]
    if bad_names:
        module.fail_json(msg='hosts_remap: name_map holds %r, which cannot be a host name' % bad_names[0])
    try:
        address_map = AddressMap(p['address_map'])
        before = textfile.read(p['root'], p['path'])
        lines = parse_hosts(before)
        changes = remap_hosts(lines, address_map, dict(('%s' % k, '%s' % v) for k, v in p['name_map'].items()))
        result = textfile.rewrite(p['root'], p['path'], before, render_hosts_bytes(lines), module.check_mode, p['backup'])
    except (ValueError, ConfinedError, OSError) as exc:
        module.fail_json(msg='hosts_remap: %s' % to_native(exc))
    module.exit_json(changed=result['changed'], changes=changes,
                     backup_files=[result['backup_file']] if result['backup_file'] else [], diff=result['diff'])


if __name__ == '__main__':
    main()
