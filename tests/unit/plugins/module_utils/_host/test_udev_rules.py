# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host/udev_rules.py: MAC-bound persistent-net rules rebind or comment out."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.module_utils._host.addrmap import MacMap
from ansible_collections.exalogic.backup.plugins.module_utils._host.udev_rules import parse_rules, remap_rules, render_rules_bytes, rules_facts
from ansible_collections.exalogic.backup.tests.unit.plugins.module_utils._host.rewriter_samples import (
    UDEV_OL6, MACS)


def test_udev_rules_rebind_and_comment():
    lines = parse_rules(UDEV_OL6)
    assert render_rules_bytes(lines) == UDEV_OL6
    assert rules_facts(UDEV_OL6) == [{'mac': '00:16:3e:aa:bb:01', 'name': 'eth0'},
                                     {'mac': '00:16:3e:aa:bb:02', 'name': 'eth1'}]
    new, changes = remap_rules(lines, MacMap({'00:16:3E:AA:BB:01': '00:16:3E:CC:DD:01'}))
    out = render_rules_bytes(new)
    assert b'ATTR{address}=="00:16:3e:cc:dd:01", ATTR{type}=="1", KERNEL=="eth*", NAME="eth0"\n' in out
    assert b'\n# SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="00:16:3e:aa:bb:02"' in out
    assert [c['name'] for c in changes] == ['eth0', 'eth1']
    removed, _changes = remap_rules(parse_rules(UDEV_OL6), MACS, unmapped='remove')
    assert b'bb:02' not in render_rules_bytes(removed)
