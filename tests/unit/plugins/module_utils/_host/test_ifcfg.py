# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host/ifcfg.py: network-scripts files round trip and remap."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.module_utils._host.addrmap import AddressMap
from ansible_collections.exalogic.backup.plugins.module_utils._host.ifcfg import IfcfgFile, ifcfg_facts, remap_ifcfg
from ansible_collections.exalogic.backup.tests.unit.plugins.module_utils._host.rewriter_samples import (
    IFCFG_ETH0_OL6, IFCFG_BOND1_OL7, ADDRESSES, MACS)


def test_ifcfg_round_trip_and_remap():
    ifcfg = IfcfgFile(IFCFG_ETH0_OL6)
    assert ifcfg.render_bytes() == IFCFG_ETH0_OL6
    assert ifcfg.get('GATEWAY') == '10.1.0.1'
    changes = remap_ifcfg(ifcfg, ADDRESSES, MACS)
    assert ifcfg.render_bytes() == (
        b"DEVICE=eth0\nHWADDR=00:16:3E:CC:DD:01\nTYPE=Ethernet\nONBOOT=yes\nNM_CONTROLLED=no\nBOOTPROTO=none\n"
        b"# public network\nIPADDR=10.2.0.21\nNETMASK=255.255.255.0\nGATEWAY=10.2.0.1   # router\n"
        b"DNS1=10.2.0.2\nDOMAIN=\"example.com\"")
    assert {'key': 'UUID', 'old': '5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03', 'new': None} in changes
    again = IfcfgFile(ifcfg.render_bytes())
    assert remap_ifcfg(again, ADDRESSES, MACS) == []


def test_ifcfg_unmapped_mac_dropped_and_prefix_from_map():
    ifcfg = IfcfgFile(b"DEVICE=eth1\nHWADDR=00:16:3e:aa:bb:02\nIPADDR=10.1.0.11\nNETMASK=255.255.255.0\n")
    remap_ifcfg(ifcfg, AddressMap({'10.1.0.11': '10.2.0.21/23'}), MACS)
    assert ifcfg.render() == "DEVICE=eth1\nIPADDR=10.2.0.21\nNETMASK=255.255.254.0\n"
    kept = IfcfgFile(b"HWADDR=00:16:3e:aa:bb:02\n")
    assert remap_ifcfg(kept, ADDRESSES, MACS, unmapped_mac='keep') == []


def test_ifcfg_bond_facts_and_crlf():
    ifcfg = IfcfgFile(IFCFG_BOND1_OL7)
    remap_ifcfg(ifcfg, ADDRESSES, MACS)
    assert ifcfg.render_bytes() == IFCFG_BOND1_OL7.replace(b"192.168.10.11", b"192.168.30.21")
    facts = ifcfg_facts(IFCFG_BOND1_OL7)
    assert facts['bonding_opts'] == 'mode=active-backup miimon=100 primary=ib0'
    assert (facts['mtu'], facts['prefix'], facts['onboot']) == ('65520', '24', 'yes')


def test_ifcfg_set_new_key_without_final_newline():
    ifcfg = IfcfgFile(b"DEVICE=eth0")
    ifcfg.set('IPADDR', '10.0.0.1')
    assert ifcfg.render() == "DEVICE=eth0\nIPADDR=10.0.0.1\n"
    ifcfg.set('NAME', 'System eth0')
    assert IfcfgFile(ifcfg.render()).get('NAME') == 'System eth0'
