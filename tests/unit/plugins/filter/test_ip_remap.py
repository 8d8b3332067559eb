# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.exalogic.backup.plugins.filter.ip_remap import FilterModule as IpRemap

ip_remap = IpRemap().filters()['ip_remap']


def test_network_map_keeps_host_parts():
    result = ip_remap({'10.1.0.0/30': '10.2.4.0/30'})
    assert result == {'10.1.0.0': '10.2.4.0', '10.1.0.1': '10.2.4.1', '10.1.0.2': '10.2.4.2', '10.1.0.3': '10.2.4.3'}


def test_pairs_win_and_addresses_limit_the_map():
    result = ip_remap({'fd00:1::/64': 'fd00:2::/64', '10.1.0.0/24': '10.2.0.0/24'},
                      pairs={'10.1.0.11': '10.9.0.1/23'},
                      addresses=['fd00:1::11', 'fe80::1%eth0', '10.1.0.11', '10.1.0.12', 'fd00:1::1%eth0'])
    assert result == {'fd00:1::11': 'fd00:2::11', '10.1.0.11': '10.9.0.1/23', '10.1.0.12': '10.2.0.12',
                      'fd00:1::1%eth0': 'fd00:2::1%eth0'}


@pytest.mark.parametrize('networks, kwargs, message', [
    ({'10.1.0.0/24': '10.2.0.0/23'}, {}, 'differ in size'),
    ({'10.1.0.0/24': 'fd00::/120'}, {}, 'map each family to itself'),
    ({'10.1.0.0/23': '10.2.0.0/23', '10.1.1.0/24': '10.3.0.0/24'}, {}, 'overlap'),
    ({'10.1.0.5/24': '10.2.0.0/24'}, {}, 'did you mean 10.1.0.0/24'),
    ({'10.1.0.0': '10.2.0.0/24'}, {}, 'no prefix length'),
    ({'10.1.0.0/33': '10.2.0.0/24'}, {}, 'not a network'),
    ({'fd00:1::/64': 'fd00:2::/64'}, {}, 'give the addresses in use'),
    ({}, {'pairs': {'10.1.0.1': 'nonsense'}}, 'is not an IPv4 or IPv6 address'),
    ({}, {'pairs': {'10.1.0.1': 'fd00::1'}}, 'map each family to itself'),
    ('10.1.0.0/24', {}, 'expects a dict'),
])
def test_bad_input_is_refused_with_a_clear_message(networks, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message):
        ip_remap(networks, **kwargs)
