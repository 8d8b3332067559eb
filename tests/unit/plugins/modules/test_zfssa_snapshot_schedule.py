# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.modules import zfssa_snapshot_schedule
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.zfssa_fake import (
    NO_CONTENT, FakeAppliance, answer, fault, module_args, run_zfssa_module)

PROJECT = '/api/storage/v1/pools/gold/projects/backups'
SHARE = PROJECT + '/filesystems/vs01'
DAILY_ON_APPLIANCE = dict(id='automatic-000', frequency='day', hour='01', minute='00', keep=7)
WEEKLY_ON_APPLIANCE = dict(id='automatic-001', frequency='week', day='Sunday', hour='02', minute='00', keep=4)
DAILY = dict(frequency='day', hour=1, keep=7)
WEEKLY = dict(frequency='week', day='sun', hour=2, keep=4)


def run(appliance, monkeypatch, check=False, diff=False, **args):
    params = module_args(dict(pool='gold', project='backups', filesystem='vs01'), check, diff, **args)
    return run_zfssa_module(zfssa_snapshot_schedule.main, params, monkeypatch, appliance)


def share_appliance(*listings):
    return FakeAppliance({
        ('GET', SHARE + '/automatic'): [answer({'automatic': listing}) for listing in listings] if len(listings) > 1
        else answer({'automatic': listings[0]}),
        ('GET', PROJECT + '/automatic'): answer({'automatic': []}),
        ('POST', SHARE + '/automatic'): answer({'automatic': DAILY_ON_APPLIANCE}, 201),
        ('PUT', SHARE + '/automatic/automatic-000'): answer({'automatic': DAILY_ON_APPLIANCE}, 202),
        ('DELETE', SHARE + '/automatic/automatic-001'): NO_CONTENT,
    })


def test_creates_a_schedule_on_a_share(monkeypatch):
    appliance = share_appliance([], [DAILY_ON_APPLIANCE])
    result, failed = run(appliance, monkeypatch, schedules=[DAILY], diff=True)
    assert not failed and result['changed']
    assert appliance.writes() == [('POST', SHARE + '/automatic', {'frequency': 'day', 'hour': 1, 'minute': 0, 'keep': 7})]
    assert result['schedules'] == [dict(id='automatic-000', frequency='day', hour=1, minute=0, keep=7)]
    assert result['diff'] == dict(before=dict(schedules=[]),
                                  after=dict(schedules=[dict(frequency='day', hour=1, minute=0, keep=7)]))


def test_same_schedule_in_other_spelling_is_unchanged(monkeypatch):
    appliance = share_appliance([DAILY_ON_APPLIANCE, WEEKLY_ON_APPLIANCE])
    result, failed = run(appliance, monkeypatch, schedules=[dict(WEEKLY, minute=0), dict(DAILY, hour='1')])
    assert not failed and not result['changed']
    assert appliance.writes() == []
    assert [s['id'] for s in result['schedules']] == ['automatic-000', 'automatic-001']
    assert result['schedules'][1]['day'] == 'Sunday'


def test_other_keep_is_updated_in_place(monkeypatch):
    appliance = share_appliance([dict(DAILY_ON_APPLIANCE, keep=3)], [DAILY_ON_APPLIANCE])
    result, failed = run(appliance, monkeypatch, schedules=[DAILY], diff=True)
    assert not failed and result['changed']
    assert appliance.writes() == [('PUT', SHARE + '/automatic/automatic-000', {'keep': 7})]
    assert result['diff']['before']['schedules'][0]['keep'] == 3
    assert result['diff']['after']['schedules'][0]['keep'] == 7


def test_check_mode_predicts_and_only_reads(monkeypatch):
    appliance = share_appliance([WEEKLY_ON_APPLIANCE])
    result, failed = run(appliance, monkeypatch, check=True, schedules=[DAILY], exclusive=True)
    assert not failed and result['changed']
    assert appliance.writes() == []
    assert result['schedules'] == [dict(id=None, frequency='day', hour=1, minute=0, keep=7)]


def test_unlisted_schedules_stay_unless_exclusive(monkeypatch):
    appliance = share_appliance([WEEKLY_ON_APPLIANCE], [WEEKLY_ON_APPLIANCE, DAILY_ON_APPLIANCE])
    result, failed = run(appliance, monkeypatch, schedules=[DAILY])
    assert not failed and result['changed']
    assert [m for m, p, b in appliance.writes()] == ['POST']

    appliance = share_appliance([WEEKLY_ON_APPLIANCE], [DAILY_ON_APPLIANCE])
    result, failed = run(appliance, monkeypatch, schedules=[DAILY], exclusive=True, convert=True)
    assert not failed and result['changed']
    expected = [('DELETE', SHARE + '/automatic/automatic-001'), ('POST', SHARE + '/automatic')]
    assert [(m, p) for m, p, b in appliance.writes()] == expected
    deletes = [q for m, p, q, b in appliance.calls if m == 'DELETE' and p.endswith('automatic-001')]
    assert deletes == ['convert=true']


def test_absent_removes_the_listed_schedule_by_timing(monkeypatch):
    appliance = share_appliance([DAILY_ON_APPLIANCE, WEEKLY_ON_APPLIANCE], [DAILY_ON_APPLIANCE])
    result, failed = run(appliance, monkeypatch, state='absent', schedules=[dict(frequency='week', day='Sunday', hour=2)])
    assert not failed and result['changed']
    assert appliance.writes() == [('DELETE', SHARE + '/automatic/automatic-001', None)]
    deletes = [q for m, p, q, b in appliance.calls if m == 'DELETE' and p.endswith('automatic-001')]
    assert deletes == ['']


def href_only(schedule):
    """A schedule as an appliance that gives no id lists it: the href is the only address."""
    obj = dict((k, v) for k, v in schedule.items() if k != 'id')
    obj['href'] = SHARE + '/automatic/' + schedule['id']
    return obj


def test_schedules_without_id_are_changed_and_removed_through_their_href(monkeypatch):
    daily, weekly = href_only(DAILY_ON_APPLIANCE), href_only(WEEKLY_ON_APPLIANCE)
    appliance = share_appliance([dict(daily, keep=3), weekly], [daily])
    result, failed = run(appliance, monkeypatch, schedules=[DAILY], exclusive=True)
    assert not failed, result
    assert sorted(appliance.writes()) == [('DELETE', SHARE + '/automatic/automatic-001', None),
                                          ('PUT', SHARE + '/automatic/automatic-000', {'keep': 7})]
    assert result['schedules'][0]['id'] == 'automatic-000'


def test_schedule_with_neither_href_nor_id_is_never_written_through_the_collection(monkeypatch):
    nameless = dict((k, v) for k, v in WEEKLY_ON_APPLIANCE.items() if k != 'id')
    appliance = share_appliance([nameless])
    result, failed = run(appliance, monkeypatch, state='absent', schedules=[dict(frequency='week', day='Sunday', hour=2)])
    assert failed
    assert 'with neither href nor id' in result['msg']
    assert appliance.writes() == []


def test_absent_when_nothing_is_there_is_unchanged(monkeypatch):
    appliance = share_appliance([])
    result, failed = run(appliance, monkeypatch, state='absent')
    assert not failed and not result['changed'] and appliance.writes() == []


def test_share_schedule_refused_while_the_project_has_one(monkeypatch):
    appliance = share_appliance([])
    appliance.route('GET', PROJECT + '/automatic', answer({'automatic': [DAILY_ON_APPLIANCE]}))
    result, failed = run(appliance, monkeypatch, schedules=[WEEKLY])
    assert failed
    assert result['msg'].startswith('project gold/backups already has automatic snapshot schedules '
                                    '(every day at 01:00 UTC, keep 7)')
    assert 'not both' in result['msg']
    assert appliance.writes() == []


def test_project_schedule_refused_while_a_share_has_one(monkeypatch):
    appliance = FakeAppliance({
        ('GET', PROJECT + '/automatic'): answer({'automatic': []}),
        ('GET', PROJECT + '/filesystems'): answer({'filesystems': [{'name': 'vs01'}, {'name': 'vs02'}]}),
        ('GET', SHARE + '/automatic'): answer({'automatic': [WEEKLY_ON_APPLIANCE]}),
        ('GET', PROJECT + '/filesystems/vs02/automatic'): answer({'automatic': []}),
    })
    result, failed = run(appliance, monkeypatch, filesystem=None, schedules=[DAILY])
    assert failed
    assert 'shares of project gold/backups already have automatic snapshot schedules: vs01 (every Sunday at 02:00 UTC, keep 4)' in result['msg']
    assert appliance.writes() == []


def test_project_schedule_created_when_no_share_has_one(monkeypatch):
    appliance = FakeAppliance({
        ('GET', PROJECT + '/automatic'): [answer({'automatic': []}), answer({'automatic': [DAILY_ON_APPLIANCE]})],
        ('GET', PROJECT + '/filesystems'): answer({'filesystems': [{'name': 'vs01'}]}),
        ('GET', SHARE + '/automatic'): answer({'automatic': []}),
        ('POST', PROJECT + '/automatic'): answer({'automatic': DAILY_ON_APPLIANCE}, 201),
    })
    result, failed = run(appliance, monkeypatch, filesystem=None, schedules=[DAILY])
    assert not failed and result['changed']
    assert appliance.writes() == [('POST', PROJECT + '/automatic', {'frequency': 'day', 'hour': 1, 'minute': 0, 'keep': 7})]


@pytest.mark.parametrize('schedules, fragment', [
    ([dict(frequency='day', day='Monday', keep=1)], 'schedules[0].day does not apply to frequency day'),
    ([dict(frequency='week', keep=1)], 'schedules[0].day is required with frequency week'),
    ([dict(frequency='day', hour=1)], 'schedules[0].keep is required'),
    ([DAILY, dict(DAILY, keep=2)], 'schedules[1] fires at the same times as schedules[0]'),
])
def test_bad_schedules_fail_before_any_call(monkeypatch, schedules, fragment):
    appliance = FakeAppliance()
    result, failed = run(appliance, monkeypatch, schedules=schedules)
    assert failed and fragment in result['msg']
    assert appliance.requests() == []


def test_appliance_refusal_names_the_schedule(monkeypatch):
    appliance = share_appliance([])
    appliance.route('POST', SHARE + '/automatic', fault(400, 'ERR_INVALID_ARG', 'keep must be 1 to 24'))
    result, failed = run(appliance, monkeypatch, schedules=[dict(frequency='hour', keep=24)])
    assert failed
    assert result['msg'].startswith('Could not create automatic snapshot schedule every hour at :00, keep 24 on gold/backups/vs01: ')


@pytest.mark.parametrize('check', [True, False])
def test_missing_project_is_named_in_check_mode_and_for_real(monkeypatch, check):
    appliance = FakeAppliance({
        ('GET', '/api/storage/v1/pools'): answer({'pools': [{'name': 'gold'}]}),
    })
    result, failed = run(appliance, monkeypatch, check=check, project='nope', filesystem=None, schedules=[DAILY])
    assert failed
    assert result['msg'] == ("Could not list the automatic snapshot schedules of gold/nope: project 'nope' does not "
                             "exist in pool 'gold'; create it first with exalogic.backup.zfssa_project")
    assert appliance.writes() == []
