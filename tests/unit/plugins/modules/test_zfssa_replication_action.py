# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa import replication as repl
from ansible_collections.exalogic.backup.plugins.modules import zfssa_replication_action
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.zfssa_fake import (
    CONNECTION, NO_CONTENT, FakeAppliance, answer, fault, run_zfssa_module)

API = '/api/storage/v1'
TARGETS = API + '/replication/targets'
SCOPED = API + '/pools/gold/projects/backups/replication/actions'
SHARE_SCOPED = API + '/pools/gold/projects/backups/filesystems/vs01/replication/actions'
ACTION = API + '/replication/actions/a1'
SCHEDULES = ACTION + '/schedules'
DR = {'label': 'dr', 'hostname': 'zfssa-dr', 'asn': 'asn-dr', 'target': 'target-000', 'actions': 1}
EXISTING = {'id': 'a1', 'target': 'dr', 'pool': 'gold', 'project': 'backups', 'target_pool': 'gold',
            'enabled': True, 'continuous': False, 'include_snaps': True, 'use_ssl': True, 'compression': False,
            'max_bandwidth': 0, 'state': 'idle', 'last_sync': None, 'last_try': None, 'last_result': '<unknown>'}
NIGHTLY = {'id': 'schedule-000', 'frequency': 'day', 'hour': '02', 'minute': '30'}
ARGS = dict(CONNECTION, pool='gold', project='backups', target='dr', target_pool='gold')


class FakeClock(object):
    """time for the module: sleep() moves time() on, so waits end without real sleeping."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def appliance_with(actions, schedules=None, targets=(DR,)):
    return FakeAppliance({
        ('GET', TARGETS): answer({'targets': list(targets)}),
        ('GET', SCOPED): answer({'actions': list(actions)}),
        ('GET', SCHEDULES): answer({'schedules': list(schedules or [])}),
        ('GET', ACTION): answer({'action': actions[0] if actions else EXISTING}),
    })


def run(args, appliance, monkeypatch, clock=None):
    monkeypatch.setattr(zfssa_replication_action, 'time', clock or FakeClock())
    return run_zfssa_module(zfssa_replication_action.main, args, monkeypatch, appliance)


# ------------------------------------------------------------------------------------ create / change

def test_creates_action_under_the_project_then_its_schedules(monkeypatch):
    appliance = appliance_with([])
    appliance.route('POST', SCOPED, answer({'action': EXISTING}, 201))
    appliance.route('POST', SCHEDULES, answer({'schedule': NIGHTLY}, 201))
    args = dict(ARGS, include_snaps=True, max_bandwidth='200M', schedules=[{'frequency': 'day', 'hour': 2, 'minute': 30}])
    result, failed = run(args, appliance, monkeypatch)
    assert not failed, result
    assert result['changed'] is True
    assert appliance.writes() == [
        ('POST', SCOPED, {'target': 'dr', 'target_pool': 'gold', 'include_snaps': True, 'max_bandwidth': 209715200}),
        ('POST', SCHEDULES, {'frequency': 'day', 'hour': 2, 'minute': 30}),
    ]
    assert result['action']['id'] == 'a1'
    assert result['update_sent'] is False


def test_matching_action_and_schedules_change_nothing_in_three_reads(monkeypatch):
    appliance = appliance_with([EXISTING], [NIGHTLY])
    args = dict(ARGS, enabled=True, max_bandwidth=0, use_ssl=True, schedules=[{'frequency': 'day', 'hour': 2, 'minute': 30}])
    result, failed = run(args, appliance, monkeypatch)
    assert not failed, result
    assert result['changed'] is False
    assert appliance.writes() == []
    assert appliance.requests() == [('GET', TARGETS), ('GET', SCOPED), ('GET', SCHEDULES)]
    assert result['action']['schedules'] == [{'frequency': 'day', 'hour': 2, 'minute': 30}]


def test_changes_settings_and_replaces_schedules_with_diff(monkeypatch):
    appliance = appliance_with([EXISTING], [NIGHTLY])
    appliance.route('PUT', ACTION, answer({'action': EXISTING}, 202))
    appliance.route('DELETE', SCHEDULES + '/schedule-000', NO_CONTENT)
    appliance.route('POST', SCHEDULES, answer({'schedule': {}}, 201))
    args = dict(ARGS, max_bandwidth='10M', compression=True, _ansible_diff=True,
                schedules=[{'frequency': 'week', 'day': 'sun', 'hour': 4, 'minute': 0}])
    result, failed = run(args, appliance, monkeypatch)
    assert not failed, result
    assert result['changed'] is True
    assert appliance.writes() == [
        ('PUT', ACTION, {'max_bandwidth': 10485760, 'compression': True}),
        ('DELETE', SCHEDULES + '/schedule-000', None),
        ('POST', SCHEDULES, {'frequency': 'week', 'day': 'Sunday', 'hour': 4, 'minute': 0}),
    ]
    diff = result['diff']
    assert diff['before']['max_bandwidth'] == 0 and diff['after']['max_bandwidth'] == 10485760
    assert diff['before']['compression'] is False and diff['after']['compression'] is True
    assert diff['before']['schedules'] == [{'frequency': 'day', 'hour': 2, 'minute': 30}]
    assert diff['after']['schedules'] == [{'frequency': 'week', 'day': 'Sunday', 'hour': 4, 'minute': 0}]


def test_check_mode_reports_changes_and_only_reads(monkeypatch):
    appliance = appliance_with([EXISTING], [NIGHTLY])
    result, failed = run(dict(ARGS, enabled=False, schedules=[], _ansible_check_mode=True), appliance, monkeypatch)
    assert not failed
    assert result['changed'] is True
    assert appliance.writes() == []
    assert result['action']['enabled'] is False

    appliance = appliance_with([])
    result, failed = run(dict(ARGS, _ansible_check_mode=True), appliance, monkeypatch)
    assert not failed
    assert result['changed'] is True
    assert appliance.writes() == []


def test_other_target_pool_fails_telling_to_remove_and_recreate(monkeypatch):
    appliance = appliance_with([EXISTING])
    result, failed = run(dict(ARGS, target_pool='silver'), appliance, monkeypatch)
    assert failed
    assert 'cannot change after creation' in result['msg'] and 'state: absent' in result['msg']
    assert appliance.writes() == []


def test_missing_target_fails_naming_the_target_module(monkeypatch):
    appliance = appliance_with([], targets=[])
    result, failed = run(ARGS, appliance, monkeypatch)
    assert failed
    assert 'Replication target dr does not exist' in result['msg']
    assert 'zfssa_replication_target' in result['msg']


def test_create_without_target_pool_fails(monkeypatch):
    appliance = appliance_with([])
    args = dict(ARGS)
    del args['target_pool']
    result, failed = run(args, appliance, monkeypatch)
    assert failed
    assert 'target_pool' in result['msg'] and 'required' in result['msg']
    assert appliance.writes() == []


@pytest.mark.parametrize('schedule, message', [
    ({'frequency': 'day', 'minute': 5}, 'schedules[0].hour is required with frequency day'),
    ({'frequency': 'hour', 'hour': 3, 'minute': 5}, 'schedules[0].hour does not apply to frequency hour'),
    ({'frequency': 'week', 'day': 'someday', 'hour': 1, 'minute': 0}, "schedules[0].day is 'someday': use a weekday"),
    ({'frequency': 'halfhour', 'minute': 45}, 'schedules[0].minute is 45: give the minute past the half hour, 0 to 29'),
])
def test_bad_schedule_fails_before_any_request(monkeypatch, schedule, message):
    appliance = appliance_with([])
    result, failed = run(dict(ARGS, schedules=[schedule]), appliance, monkeypatch)
    assert failed
    assert message in result['msg']
    assert appliance.calls == []


def test_bad_bandwidth_fails_before_any_request(monkeypatch):
    appliance = appliance_with([])
    result, failed = run(dict(ARGS, max_bandwidth='fast'), appliance, monkeypatch)
    assert failed
    assert result['msg'].startswith('max_bandwidth:')
    assert appliance.calls == []


def test_share_action_is_told_apart_from_the_project_action(monkeypatch):
    share_action = dict(EXISTING, id='a2', share='vs01', max_bandwidth=1024)
    appliance = FakeAppliance({
        ('GET', TARGETS): answer({'targets': [DR]}),
        ('GET', SHARE_SCOPED): answer({'actions': [EXISTING, share_action]}),
        ('GET', API + '/replication/actions/a2/schedules'): answer({'schedules': []}),
    })
    result, failed = run(dict(ARGS, filesystem='vs01', max_bandwidth=1024), appliance, monkeypatch)
    assert not failed, result
    assert result['changed'] is False
    assert result['action']['id'] == 'a2'


def test_action_naming_the_target_by_its_id_is_found(monkeypatch):
    appliance = appliance_with([dict(EXISTING, target='target-000')])
    result, failed = run(ARGS, appliance, monkeypatch)
    assert not failed, result
    assert result['changed'] is False


def test_absent_deletes_the_action_then_is_idempotent(monkeypatch):
    appliance = appliance_with([EXISTING])
    appliance.route('DELETE', ACTION, NO_CONTENT)
    result, failed = run(dict(ARGS, state='absent'), appliance, monkeypatch)
    assert not failed, result
    assert result['changed'] is True
    assert appliance.writes() == [('DELETE', ACTION, None)]

    appliance = appliance_with([])
    result, failed = run(dict(ARGS, state='absent'), appliance, monkeypatch)
    assert not failed
    assert result['changed'] is False
    assert appliance.writes() == []


def test_absent_in_check_mode_only_reads(monkeypatch):
    appliance = appliance_with([EXISTING])
    result, failed = run(dict(ARGS, state='absent', _ansible_check_mode=True), appliance, monkeypatch)
    assert not failed
    assert result['changed'] is True
    assert appliance.writes() == []


# ------------------------------------------------------------------------------------ update now

SENDING = dict(EXISTING, state='sending', last_try='20240101T01:00:00')
DONE = dict(EXISTING, state='idle', last_try='20240101T01:00:00', last_sync='20240101T01:00:09', last_result='success')


def test_update_with_wait_polls_until_idle_and_returns_the_result(monkeypatch):
    appliance = appliance_with([EXISTING], [NIGHTLY])
    appliance.route('GET', ACTION, answer({'action': EXISTING}), answer({'action': SENDING}), answer({'action': SENDING}),
                    answer({'action': DONE}))
    appliance.route('PUT', ACTION + '/sendupdate', answer({'action': SENDING}, 202))
    clock = FakeClock()
    result, failed = run(dict(ARGS, update=True, wait=True, wait_timeout=60), appliance, monkeypatch, clock)
    assert not failed, result
    assert result['changed'] is True and result['update_sent'] is True
    assert appliance.writes() == [('PUT', ACTION + '/sendupdate', None)]
    assert result['action']['last_result'] == 'success'
    assert clock.sleeps == [1.0, 2.0]


def test_failed_update_fails_with_the_appliance_result(monkeypatch):
    appliance = appliance_with([EXISTING])
    failed_action = dict(DONE, last_result='failed: target pool full')
    appliance.route('GET', ACTION, answer({'action': EXISTING}), answer({'action': failed_action}))
    appliance.route('PUT', ACTION + '/sendupdate', answer({'action': SENDING}, 202))
    result, failed = run(dict(ARGS, update=True, wait=True), appliance, monkeypatch)
    assert failed
    assert result['msg'] == 'The replication update of project gold/backups to dr failed: failed: target pool full'
    assert result['action']['last_result'] == 'failed: target pool full'


def test_wait_that_times_out_fails_clearly(monkeypatch):
    appliance = appliance_with([EXISTING])
    appliance.route('GET', ACTION, answer({'action': EXISTING}), answer({'action': SENDING}))
    appliance.route('PUT', ACTION + '/sendupdate', answer({'action': SENDING}, 202))
    clock = FakeClock()
    result, failed = run(dict(ARGS, update=True, wait=True, wait_timeout=20), appliance, monkeypatch, clock)
    assert failed
    assert 'did not finish within wait_timeout (20 s)' in result['msg']
    assert 'goes on on the appliance' in result['msg']
    assert sum(clock.sleeps) == 20


def test_update_without_wait_sends_and_returns(monkeypatch):
    appliance = appliance_with([EXISTING])
    appliance.route('PUT', ACTION + '/sendupdate', answer({'action': SENDING}, 202))
    result, failed = run(dict(ARGS, update=True), appliance, monkeypatch)
    assert not failed, result
    assert result['changed'] is True
    assert appliance.writes() == [('PUT', ACTION + '/sendupdate', None)]


def test_update_in_check_mode_sends_nothing(monkeypatch):
    appliance = appliance_with([EXISTING])
    result, failed = run(dict(ARGS, update=True, wait=True, _ansible_check_mode=True), appliance, monkeypatch)
    assert not failed
    assert result['changed'] is True and result['update_sent'] is True
    assert appliance.writes() == []


def test_update_of_a_disabled_action_fails_without_sending(monkeypatch):
    appliance = appliance_with([dict(EXISTING, enabled=False)])
    result, failed = run(dict(ARGS, update=True), appliance, monkeypatch)
    assert failed
    assert 'is disabled' in result['msg'] and 'enabled: true' in result['msg']
    assert appliance.writes() == []


def test_update_while_one_runs_without_wait_only_warns(monkeypatch):
    warnings = []
    monkeypatch.setattr(zfssa_replication_action.AnsibleModule, 'warn', lambda self, text: warnings.append(text))
    appliance = appliance_with([SENDING])
    result, failed = run(dict(ARGS, update=True), appliance, monkeypatch)
    assert not failed
    assert result['changed'] is False and result['update_sent'] is False
    assert 'already running' in warnings[0]
    assert appliance.writes() == []


def test_busy_appliance_answer_names_the_step(monkeypatch):
    appliance = appliance_with([EXISTING])
    appliance.route('PUT', ACTION + '/sendupdate', fault(409, 'ERR_STATE_CHANGED', 'the replication service is disabled'))
    result, failed = run(dict(ARGS, update=True), appliance, monkeypatch)
    assert failed
    assert result['msg'].startswith('Could not send a replication update of project gold/backups to dr: PUT')
    assert 'replication service is disabled' in result['msg']


def test_action_and_schedules_without_id_are_addressed_by_href(monkeypatch):
    action = dict((k, v) for k, v in EXISTING.items() if k != 'id')
    action['href'] = ACTION
    nightly = {'href': SCHEDULES + '/schedule-000', 'frequency': 'day', 'hour': '02', 'minute': '30'}
    appliance = appliance_with([action], [nightly])
    appliance.route('PUT', ACTION, answer({'action': action}, 202))
    appliance.route('DELETE', SCHEDULES + '/schedule-000', NO_CONTENT)
    appliance.route('POST', SCHEDULES, answer({'schedule': {}}, 201))
    args = dict(ARGS, enabled=False, schedules=[{'frequency': 'week', 'day': 'sun', 'hour': 4, 'minute': 0}])
    result, failed = run(args, appliance, monkeypatch)
    assert not failed, result
    assert appliance.writes() == [
        ('PUT', ACTION, {'enabled': False}),
        ('DELETE', SCHEDULES + '/schedule-000', None),
        ('POST', SCHEDULES, {'frequency': 'week', 'day': 'Sunday', 'hour': 4, 'minute': 0}),
    ]


# ------------------------------------------------------------------------------------ module_utils

def test_schedules_from_the_appliance_and_the_option_compare_equal():
    appliance_form = [{'id': 's0', 'frequency': 'month', 'day': '02', 'hour': '03', 'minute': '00'},
                      {'id': 's1', 'frequency': 'week', 'day': 'Monday', 'hour': '01', 'minute': '15'}]
    wanted = repl.normalize_schedules([{'frequency': 'week', 'day': 'MON', 'hour': 1, 'minute': 15},
                                       {'frequency': 'month', 'day': '2', 'hour': 3, 'minute': 0}])
    assert repl.plan_schedules(appliance_form, wanted) == ([], [])


def test_duplicate_appliance_schedules_are_removed():
    current = [dict(NIGHTLY, id='s0'), dict(NIGHTLY, id='s1')]
    assert repl.plan_schedules(current, [{'frequency': 'day', 'hour': 2, 'minute': 30}]) == ([], [current[1]])


@pytest.mark.parametrize('given, expected', [(0, 0), ('0', 0), ('unlimited', 0), ('1K', 1024), (2048, 2048)])
def test_bandwidth_option_values(given, expected):
    assert repl.parse_bandwidth(given) == expected


@pytest.mark.parametrize('reported, expected', [(None, 0), (-1, 0), ('unlimited', 0), (4096, 4096), ('4096', 4096)])
def test_bandwidth_as_the_appliance_reports_it(reported, expected):
    assert repl.as_bandwidth(reported) == expected


def test_two_actions_to_one_target_need_target_pool():
    candidates = [dict(EXISTING, id='a1'), dict(EXISTING, id='a2', target_pool='silver')]
    action, problem = repl.choose_action(candidates, None, 'project gold/backups')
    assert action is None and 'set target_pool' in problem
    action, problem = repl.choose_action(candidates, 'silver', 'project gold/backups')
    assert action['id'] == 'a2' and problem is None


def test_update_finished_needs_idle_and_a_new_result():
    assert not repl.update_finished(SENDING, EXISTING, True)
    assert repl.update_finished(DONE, EXISTING, True)
    assert repl.update_finished(DONE, EXISTING, False)  # over before the first poll: last_try moved on
    assert not repl.update_finished(DONE, DONE, False)  # nothing moved: not started yet
