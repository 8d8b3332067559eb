# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.exalogic.backup.plugins.filter.backup_addresses import backup_addresses

HOSTVARS = {
    'vs01': {'ansible_host': '10.0.1.5'},
    'vs02': {'ansible_host': '192.168.0.2', 'zfssa_backup_share_address': '10.0.1.6'},
    'vs03': {'zfssa_backup_share_address': ['10.0.1.7', '10.0.2.0/24'], 'zfssa_backup_share_quota': '200G'},
    '10.0.1.8': {},
}


def test_per_host_variable_wins_over_ansible_host_and_name_is_the_fallback():
    fleet = backup_addresses(['vs01', 'vs02', 'vs03', '10.0.1.8'], HOSTVARS)
    assert [(e['host'], e['addresses']) for e in fleet] == [
        ('vs01', ['10.0.1.5']), ('vs02', ['10.0.1.6']), ('vs03', ['10.0.1.7', '10.0.2.0/24']), ('10.0.1.8', ['10.0.1.8'])]
    assert fleet[2]['quota'] == '200G'


def test_network_is_normalised_and_ipv6_accepted():
    fleet = backup_addresses(['a', 'b'], {'a': {'ansible_host': '10.0.1.77/24'}, 'b': {'ansible_host': 'FE80::0001'}})
    assert fleet[0]['addresses'] == ['10.0.1.0/24']
    assert fleet[1]['addresses'] == ['fe80::1']


@pytest.mark.parametrize('value', ['vs01.example.com', '10.0.1', '10', '10.0.1.5/33', '10.0.1.5/x', '300.0.0.1'])
def test_a_name_or_bad_address_is_refused_naming_host_and_variable(value):
    with pytest.raises(AnsibleFilterError) as err:
        backup_addresses(['vs09'], {'vs09': {'zfssa_backup_share_address': value}})
    assert 'host vs09' in str(err.value)
    assert 'zfssa_backup_share_address' in str(err.value)


def test_host_without_address_and_non_ip_name_is_refused():
    with pytest.raises(AnsibleFilterError, match='host vs01: the inventory name'):
        backup_addresses(['vs01'], {'vs01': {}})


def test_two_hosts_on_one_share_are_refused():
    with pytest.raises(AnsibleFilterError, match='hosts a and b would share the backup share x'):
        backup_addresses(['a', 'b'], {'a': {'ansible_host': '10.0.0.1', 'zfssa_backup_share_name': 'x'},
                                      'b': {'ansible_host': '10.0.0.2', 'zfssa_backup_share_name': 'x'}})


def test_invalid_share_name_is_refused():
    with pytest.raises(AnsibleFilterError, match='share name'):
        backup_addresses(['a'], {'a': {'ansible_host': '10.0.0.1', 'zfssa_backup_share_name': 'a/b'}})
