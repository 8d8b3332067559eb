# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host/nm_keyfile.py: NetworkManager keyfiles round trip and remap."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.module_utils._host.nm_keyfile import Keyfile, keyfile_facts, remap_keyfile
from ansible_collections.exalogic.backup.tests.unit.plugins.module_utils._host.rewriter_samples import (
    KEYFILE_OL9, ADDRESSES, MACS)


def test_keyfile_round_trip_sections_and_remap():
    keyfile = Keyfile(KEYFILE_OL9)
    assert keyfile.render_bytes() == KEYFILE_OL9
    assert (keyfile.get('ipv4', 'method'), keyfile.get('ipv6', 'addr-gen-mode')) == ('manual', 'eui64')
    changes = remap_keyfile(keyfile, ADDRESSES, MACS)
    assert keyfile.render_bytes() == (
        KEYFILE_OL9.replace(b"mac-address=00:16:3E:AA:BB:01", b"mac-address=00:16:3E:CC:DD:01")
        .replace(b"address1=10.1.0.11/24,10.1.0.1", b"address1=10.2.0.21/24,10.2.0.1")
        .replace(b"dns=10.1.0.2;10.1.0.3;", b"dns=10.2.0.2;10.1.0.3;")
        .replace(b"address1=fd00:1::11/64", b"address1=fd00:2::21/64"))
    assert len(changes) == 4
    assert remap_keyfile(Keyfile(keyfile.render()), ADDRESSES, MACS) == []
    facts = keyfile_facts(KEYFILE_OL9)
    assert facts['ipv4_addresses'] == ['10.1.0.11/24,10.1.0.1']
    assert (facts['autoconnect'], facts['interface_name']) == ('true', 'eth0')


def test_keyfile_unmapped_mac_is_dropped():
    keyfile = Keyfile(b"[ethernet]\nmac-address=00:16:3e:aa:bb:09\nmtu=9000\n")
    remap_keyfile(keyfile, ADDRESSES, MACS)
    assert keyfile.render() == "[ethernet]\nmtu=9000\n"
