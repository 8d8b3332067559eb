# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.exalogic.backup.plugins.filter.backup_addresses import backup_addresses
from ansible_collections.exalogic.backup.plugins.filter.backup_shares import backup_shares
from ansible_collections.exalogic.backup.tests.unit.plugins.filter.test_backup_addresses import HOSTVARS


def test_per_host_shares_grant_only_their_own_addresses():
    shares = backup_shares(backup_addresses(['vs01', 'vs03'], HOSTVARS))
    assert shares == [
        {'name': 'vs01', 'nfs_exceptions': [{'network': '10.0.1.5', 'access': 'rw', 'root': True}]},
        {'name': 'vs03', 'quota': '200G', 'nfs_exceptions': [
            {'network': '10.0.1.7', 'access': 'rw', 'root': True},
            {'network': '10.0.2.0/24', 'access': 'rw', 'root': True}]},
    ]


def test_shared_layout_merges_the_fleet_into_one_share():
    hostvars = {'h%d' % i: {'ansible_host': '10.0.1.%d' % i} for i in range(4, 8)}
    hostvars['h9'] = {'ansible_host': '10.0.1.9'}
    shares = backup_shares(backup_addresses(sorted(hostvars), hostvars), layout='shared', shared_name='fleet')
    assert shares == [{'name': 'fleet', 'nfs_exceptions': [
        {'network': '10.0.1.4/30', 'access': 'rw', 'root': True},
        {'network': '10.0.1.9', 'access': 'rw', 'root': True}]}]


def test_empty_fleet_and_bad_layout():
    assert backup_shares([], layout='shared') == []
    with pytest.raises(AnsibleFilterError, match='layout'):
        backup_shares([], layout='single')
