# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.modules import zfssa_clone
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.zfssa_fake import (
    NO_CONTENT, FakeAppliance, answer, fault, module_args, not_found, run_zfssa_module)

STORAGE = '/api/storage/v1/pools/gold/projects'
SNAPSHOT = STORAGE + '/backups/filesystems/vs01/snapshots/daily'
TARGET = STORAGE + '/drills/filesystems/vs01-drill'
ORIGIN = dict(pool='gold', collection='local', project='backups', share='vs01', snapshot='daily')
CLONE = dict(name='vs01-drill', pool='gold', project='drills', readonly=True, origin=ORIGIN,
             mountpoint='/export/drills/vs01-drill')


def run(appliance, monkeypatch, check=False, diff=False, **args):
    params = module_args(dict(pool='gold', project='backups', filesystem='vs01', snapshot='daily',
                              target_project='drills', name='vs01-drill'), check, diff, **args)
    return run_zfssa_module(zfssa_clone.main, params, monkeypatch, appliance)


def fresh_appliance():
    return FakeAppliance({
        ('GET', TARGET): not_found(),
        ('GET', SNAPSHOT): answer({'snapshot': dict(name='daily', numclones=0)}),
        ('PUT', SNAPSHOT + '/clone'): answer({'filesystem': CLONE}, 201),
    })


def test_clones_the_snapshot_with_properties(monkeypatch):
    appliance = fresh_appliance()
    result, failed = run(appliance, monkeypatch, properties=dict(readonly=True), diff=True)
    assert not failed and result['changed']
    assert appliance.writes() == [('PUT', SNAPSHOT + '/clone', {'project': 'drills', 'share': 'vs01-drill', 'readonly': True})]
    assert result['filesystem']['origin'] == ORIGIN
    assert result['diff'] == dict(before={}, after=dict(name='vs01-drill', project='drills', pool='gold',
                                                        origin='gold/backups/vs01@daily'))


def test_properties_are_sent_as_json_booleans_and_bytes(monkeypatch):
    appliance = fresh_appliance()
    result, failed = run(appliance, monkeypatch, properties=dict(readonly='yes', nodestroy='False', quota='1G'))
    assert not failed, result
    body = appliance.writes()[0][2]
    assert body == {'project': 'drills', 'share': 'vs01-drill', 'readonly': True, 'nodestroy': False, 'quota': 2 ** 30}
    assert body['readonly'] is True and body['nodestroy'] is False


def test_a_property_that_is_not_a_boolean_fails_before_any_request(monkeypatch):
    appliance = fresh_appliance()
    result, failed = run(appliance, monkeypatch, properties=dict(readonly='maybe'))
    assert failed and result['msg'] == "properties.readonly: 'maybe' is not a boolean; use true or false"
    assert appliance.calls == []


def test_target_pool_is_sent_only_when_given(monkeypatch):
    appliance = fresh_appliance()
    result, failed = run(appliance, monkeypatch, target_pool='gold')
    assert not failed
    assert appliance.writes()[0][2] == {'project': 'drills', 'share': 'vs01-drill', 'pool': 'gold'}


def test_target_project_defaults_to_the_source_project(monkeypatch):
    appliance = FakeAppliance({
        ('GET', STORAGE + '/backups/filesystems/vs01-drill'): not_found(),
        ('GET', SNAPSHOT): answer({'snapshot': dict(name='daily')}),
        ('PUT', SNAPSHOT + '/clone'): answer({'filesystem': dict(CLONE, project='backups')}, 201),
    })
    result, failed = run(appliance, monkeypatch, target_project=None)
    assert not failed
    assert appliance.writes()[0][2] == {'project': 'backups', 'share': 'vs01-drill'}


def test_existing_clone_is_unchanged_and_differences_are_warned(monkeypatch):
    appliance = FakeAppliance({('GET', TARGET): answer({'filesystem': CLONE})})
    result, failed = run(appliance, monkeypatch, properties=dict(readonly=True))
    assert not failed and not result['changed'] and appliance.writes() == []
    assert not result.get('warnings')

    appliance = FakeAppliance({('GET', TARGET): answer({'filesystem': CLONE})})
    warnings = []
    monkeypatch.setattr(zfssa_clone.AnsibleModule, 'warn', lambda self, text: warnings.append(text))
    result, failed = run(appliance, monkeypatch, properties=dict(readonly=False))
    assert not failed and not result['changed']
    assert 'other values for readonly' in warnings[0]


def test_origin_given_as_canonical_text_is_understood(monkeypatch):
    appliance = FakeAppliance({('GET', TARGET): answer({'filesystem': dict(CLONE, origin='gold/local/backups/vs01@daily')})})
    result, failed = run(appliance, monkeypatch)
    assert not failed and not result['changed']


def test_check_mode_predicts_without_writing(monkeypatch):
    appliance = fresh_appliance()
    result, failed = run(appliance, monkeypatch, check=True)
    assert not failed and result['changed'] and appliance.writes() == []
    assert result['filesystem']['origin'] == dict(pool='gold', project='backups', share='vs01', snapshot='daily')


def test_missing_snapshot_fails_clearly(monkeypatch):
    appliance = fresh_appliance()
    appliance.route('GET', SNAPSHOT, not_found())
    result, failed = run(appliance, monkeypatch)
    assert failed and result['msg'] == 'cannot clone gold/backups/vs01@daily: the snapshot does not exist'
    assert appliance.writes() == []


@pytest.mark.parametrize('state, share, fragment', [
    ('present', dict(name='vs01-drill'), 'share gold/drills/vs01-drill is not a clone of gold/backups/vs01@daily (it is not a clone); choose another name'),
    ('absent', dict(name='vs01-drill'),
     'cannot delete the clone gold/drills/vs01-drill: share gold/drills/vs01-drill is not a clone of gold/backups/vs01@daily '
     '(it is not a clone); the share was left alone'),
    ('absent', dict(CLONE, origin=dict(ORIGIN, snapshot='weekly')), '(its origin is gold/backups/vs01@weekly)'),
])
def test_a_share_that_is_not_our_clone_is_never_touched(monkeypatch, state, share, fragment):
    appliance = FakeAppliance({('GET', TARGET): answer({'filesystem': share})})
    result, failed = run(appliance, monkeypatch, state=state)
    assert failed and fragment in result['msg']
    assert appliance.writes() == []


def test_absent_deletes_our_clone_then_is_idempotent(monkeypatch):
    appliance = FakeAppliance({('GET', TARGET): answer({'filesystem': CLONE}), ('DELETE', TARGET): NO_CONTENT})
    result, failed = run(appliance, monkeypatch, state='absent', diff=True)
    assert not failed and result['changed'] and result['filesystem'] == {}
    assert appliance.writes() == [('DELETE', TARGET, None)]
    assert result['diff']['after'] == {}

    appliance = FakeAppliance({('GET', TARGET): not_found()})
    result, failed = run(appliance, monkeypatch, state='absent')
    assert not failed and not result['changed'] and appliance.writes() == []


def test_absent_in_check_mode_writes_nothing(monkeypatch):
    appliance = FakeAppliance({('GET', TARGET): answer({'filesystem': CLONE})})
    result, failed = run(appliance, monkeypatch, check=True, state='absent')
    assert not failed and result['changed'] and appliance.writes() == []


def test_clone_repeated_after_a_lost_answer_accepts_its_own_result(monkeypatch):
    appliance = fresh_appliance()
    appliance.route('GET', TARGET, not_found(), answer({'filesystem': CLONE}))
    appliance.route('PUT', SNAPSHOT + '/clone', fault(409, 'ERR_OBJECT_EXISTS', 'filesystem vs01-drill'))
    result, failed = run(appliance, monkeypatch)
    assert not failed and result['changed'] and result['filesystem']['origin'] == ORIGIN


def test_clone_conflict_with_another_share_fails(monkeypatch):
    appliance = fresh_appliance()
    appliance.route('GET', TARGET, not_found(), answer({'filesystem': dict(name='vs01-drill')}))
    appliance.route('PUT', SNAPSHOT + '/clone', fault(409, 'ERR_OBJECT_EXISTS', 'filesystem vs01-drill'))
    result, failed = run(appliance, monkeypatch)
    assert failed and result['msg'].startswith('Could not clone gold/backups/vs01@daily to gold/drills/vs01-drill: PUT ')


@pytest.mark.parametrize('args, fragment', [
    (dict(properties=dict(name='x')), 'properties must not contain name'),
    (dict(snapshot='a b'), "snapshot 'a b' contains"),
])
def test_bad_input_fails_before_any_call(monkeypatch, args, fragment):
    appliance = FakeAppliance()
    result, failed = run(appliance, monkeypatch, **args)
    assert failed and fragment in result['msg'] and appliance.requests() == []
