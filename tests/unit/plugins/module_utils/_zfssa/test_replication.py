# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_zfssa/replication.py: choosing an action, comparing settings, reading an update's outcome."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa import replication


@pytest.mark.parametrize('value, wanted', [('100M', 104857600), ('1024', 1024), (2048, 2048), ('unlimited', 0), (0, 0)])
def test_parse_bandwidth(value, wanted):
    assert replication.parse_bandwidth(value) == wanted


@pytest.mark.parametrize('value', [u'1\u00b2', 'fast', True, -5])
def test_parse_bandwidth_refuses_what_is_not_a_rate_naming_the_option(value):
    with pytest.raises(ValueError, match='max_bandwidth'):
        replication.parse_bandwidth(value)


@pytest.mark.parametrize('have, wanted', [(None, 0), (-1, 0), ('unlimited', 0), ('1048576', 1048576), (0, 0)])
def test_as_bandwidth_reads_every_spelling_of_unlimited(have, wanted):
    assert replication.as_bandwidth(have) == wanted


def test_actions_for_matches_project_share_and_target_names():
    target = {'label': 'dr-site', 'target': 'target-000', 'hostname': 'zfssa-dr'}
    actions = [{'id': 'a1', 'pool': 'gold', 'project': 'backups', 'target': 'dr-site'},
               {'id': 'a2', 'pool': 'gold', 'project': 'backups', 'share': 'vs01', 'target': 'target-000'},
               {'id': 'a3', 'pool': 'gold', 'project': 'other', 'target': 'dr-site'},
               {'id': 'a4', 'project': 'backups', 'target': 'elsewhere'}]
    names = replication.target_names(target)
    assert [a['id'] for a in replication.actions_for(actions, 'gold', 'backups', None, names)] == ['a1']
    assert [a['id'] for a in replication.actions_for(actions, 'gold', 'backups', 'vs01', names)] == ['a2']
    assert replication.find_target([target], 'dr-site') is target and replication.find_target([target], 'x') is None


def test_choose_action_never_guesses_between_target_pools():
    two = [{'id': 'a1', 'target_pool': 'p1'}, {'id': 'a2', 'target_pool': 'p2'}]
    assert replication.choose_action(two, 'p2', 'project backups') == (two[1], None)
    action, problem = replication.choose_action(two, None, 'project backups')
    assert action is None and 'set target_pool' in problem
    action, problem = replication.choose_action(two[:1], 'p9', 'project backups')
    assert action is None and 'cannot change after creation' in problem and 'state: absent' in problem
    assert replication.choose_action([], None, 'x') == (None, None)


def test_settings_changes_compare_booleans_and_bandwidth_as_the_appliance_means_them():
    action = {'enabled': 'true', 'use_ssl': False, 'max_bandwidth': -1, 'compression': True}
    wanted = replication.desired_settings({'enabled': True, 'use_ssl': True, 'max_bandwidth': 'unlimited',
                                           'compression': None})
    assert replication.settings_changes(action, wanted) == {'use_ssl': True}


def test_update_finished_needs_idle_a_result_and_a_sign_that_it_ran():
    before = {'state': 'idle', 'last_try': 't1', 'last_result': 'success'}
    assert not replication.update_finished({'state': 'sending', 'last_result': 'success'}, before, True)
    assert not replication.update_finished({'state': 'idle', 'last_try': 't1', 'last_result': 'success'}, before,
                                           False)
    assert replication.update_finished({'state': 'idle', 'last_try': 't2', 'last_result': 'failed'}, before, False)
    assert replication.update_finished({'state': 'idle', 'last_try': 't1', 'last_result': 'success'}, before, True)
    assert not replication.update_finished({'state': 'idle', 'last_try': 't2', 'last_result': '<unknown>'}, before,
                                           True)
    assert replication.update_succeeded({'last_result': ' Success '})
