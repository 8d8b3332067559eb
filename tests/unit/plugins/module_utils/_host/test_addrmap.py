# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host/addrmap.py: address and MAC maps match addresses, not text, and refuse bad input."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._host.addrmap import AddressMap, MacMap


def test_address_map_matches_addresses_not_text():
    amap = AddressMap({'fd00::0:1': 'fd00::2', 'fe80::1%eth1': 'fe80::9%eth1'})
    assert amap.new_address('fd00::1') == 'fd00::2'
    assert amap.new_address('FD00:0::1') == 'fd00::2'
    assert amap.new_address('fd00::1%ib0') == 'fd00::2%ib0'
    assert amap.new_address('fe80::1%eth1') == 'fe80::9%eth1'
    assert amap.new_address('fe80::1%eth0') is None
    assert amap.new_address('010.1.0.1') is None


@pytest.mark.parametrize('mapping, message', [
    ({'10.1.0': '10.2.0.1'}, 'not an IPv4 or IPv6 address'),
    ({'10.1.0.1': 'fd00::1'}, 'map each family to itself'),
    ({'10.1.0.1': '10.2.0.1/33'}, 'not an address'),
    ({'fd00::1': 'x', }, 'not an address'),
    ({'fd00::1': 'fd00::2', 'fd00:0::1': 'fd00::3'}, 'listed twice'),
])
def test_address_map_refuses_bad_input(mapping, message):
    with pytest.raises(ValueError, match=message) as caught:
        AddressMap(mapping)
    assert 'address_map' in str(caught.value)


def test_mac_map_refuses_bad_input():
    with pytest.raises(ValueError, match='nic_map.*not a MAC'):
        MacMap({'00:16:3e:aa:bb': '00:16:3e:aa:bb:cc'})
    with pytest.raises(ValueError, match='listed twice'):
        MacMap({'00:16:3e:aa:bb:cc': '00:16:3e:aa:bb:01', '00:16:3E:AA:BB:CC': '00:16:3e:aa:bb:02'})


def test_mac_map_rewrites_in_the_case_the_file_uses():
    macs = MacMap({'00:16:3E:AA:BB:01': '00:16:3e:cc:dd:01'})
    assert macs.rewritten('00:16:3E:AA:BB:01') == '00:16:3E:CC:DD:01'
    assert macs.rewritten('00:16:3e:aa:bb:01') == '00:16:3e:cc:dd:01'
    assert macs.rewritten('00:16:3E:CC:DD:01') == '00:16:3E:CC:DD:01'  # already the new NIC: left as written
    assert macs.rewritten('00:16:3e:99:99:99') is None
