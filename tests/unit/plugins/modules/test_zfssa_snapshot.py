# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.modules import zfssa_snapshot
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.zfssa_fake import (
    NO_CONTENT, FakeAppliance, answer, fault, module_args, not_found, run_zfssa_module)

PROJECT = '/api/storage/v1/pools/gold/projects/backups'
SHARE = PROJECT + '/filesystems/vs01'


def snap(name, creation='20240131T01:00:00', share='vs01', numclones=0):
    found = dict(name=name, pool='gold', project='backups', creation=creation, numclones=numclones, collection='local')
    if share:
        found['share'] = share
    return found


def run(appliance, monkeypatch, check=False, diff=False, **args):
    params = module_args(dict(pool='gold', project='backups'), check, diff, **args)
    return run_zfssa_module(zfssa_snapshot.main, params, monkeypatch, appliance)


# ---------------------------------------------------------------------------------------- present

def test_creates_a_share_snapshot_and_returns_it(monkeypatch):
    appliance = FakeAppliance({
        ('GET', SHARE + '/snapshots/daily'): not_found(),
        ('POST', SHARE + '/snapshots'): answer({'snapshot': snap('daily')}, 201),
    })
    result, failed = run(appliance, monkeypatch, filesystem='vs01', name='daily', diff=True)
    assert not failed
    assert result['changed'] is True
    assert result['snapshot']['creation'] == '20240131T01:00:00'
    assert result['diff'] == dict(before={}, after=dict(name='daily'))
    assert appliance.writes() == [('POST', SHARE + '/snapshots', {'name': 'daily'})]


def test_project_snapshot_uses_the_project_path(monkeypatch):
    appliance = FakeAppliance({
        ('GET', PROJECT + '/snapshots/daily'): not_found(),
        ('POST', PROJECT + '/snapshots'): answer({'snapshot': snap('daily', share=None)}, 201),
    })
    result, failed = run(appliance, monkeypatch, name='daily')
    assert not failed and result['changed']
    assert appliance.writes() == [('POST', PROJECT + '/snapshots', {'name': 'daily'})]


def test_existing_snapshot_is_left_alone(monkeypatch):
    appliance = FakeAppliance({('GET', SHARE + '/snapshots/daily'): answer({'snapshot': snap('daily')})})
    result, failed = run(appliance, monkeypatch, filesystem='vs01', name='daily')
    assert not failed
    assert result['changed'] is False
    assert result['snapshot']['name'] == 'daily'
    assert appliance.writes() == []


def test_check_mode_predicts_without_writing(monkeypatch):
    appliance = FakeAppliance({
        ('GET', SHARE + '/snapshots/daily'): not_found(),
        ('GET', '/api/storage/v1/pools'): answer({'pools': [{'name': 'gold'}]}),
        ('GET', PROJECT): answer({'project': {'name': 'backups'}}),
        ('GET', SHARE): answer({'filesystem': {'name': 'vs01'}}),
    })
    result, failed = run(appliance, monkeypatch, check=True, filesystem='vs01', name='daily')
    assert not failed and result['changed']
    assert result['snapshot'] == dict(name='daily', pool='gold', project='backups', share='vs01')
    assert appliance.writes() == []


@pytest.mark.parametrize('filesystem, missing, message', [
    (None, 'project', "Could not create snapshot gold/nope@fence-x: project 'nope' does not exist in pool 'gold'; "
                      "create it first with exalogic.backup.zfssa_project"),
    ('vs09', 'share', "Could not create snapshot gold/nope/vs09@fence-x: share 'vs09' does not exist in project "
                      "gold/nope; create it first with exalogic.backup.zfssa_filesystem"),
])
@pytest.mark.parametrize('check', [True, False])
def test_missing_parent_fails_alike_in_check_mode_and_for_real(monkeypatch, filesystem, missing, message, check):
    base = '/api/storage/v1/pools/gold/projects/nope' + ('/filesystems/' + filesystem if filesystem else '')
    appliance = FakeAppliance({
        ('GET', '/api/storage/v1/pools'): answer({'pools': [{'name': 'gold'}]}),
        ('GET', '/api/storage/v1/pools/gold/projects/nope'):
            answer({'project': {'name': 'nope'}}) if missing == 'share' else not_found(),
        ('POST', base + '/snapshots'): fault(404, 'ERR_NOT_FOUND', 'parent not found'),
    })
    result, failed = run(appliance, monkeypatch, check=check, project='nope', filesystem=filesystem, name='fence-x')
    assert failed
    assert result['msg'] == message
    assert [m for m, p, b in appliance.writes()] == ([] if check else ['POST'])


@pytest.mark.parametrize('args, fragment', [
    (dict(name='nightly backup'), "name 'nightly backup' contains ' '"),
    (dict(name='vs01@daily'), "contains '@'"),
    (dict(name='a/b'), "contains '/'"),
    (dict(name='x' * 65), 'use at most 64'),
    (dict(name='.auto-x'), 'must start with a letter or a digit'),
    (dict(name='b', rename_from='a'), 'rename_from is only used with state=renamed'),
    (dict(name='b', state='renamed', rename_from='b'), 'rename_from and name are both b'),
    (dict(name='b', state='renamed', rename_from='a b'), "rename_from 'a b' contains"),
    (dict(name='b', state='rolled_back', confirm_rollback=True), 'state=rolled_back needs filesystem'),
    (dict(name='b', state='rolled_back', filesystem='vs01'), 'set confirm_rollback: true'),
    (dict(name='b', confirm_rollback=True), 'confirm_rollback is only used with state=rolled_back'),
])
def test_bad_input_fails_before_any_call(monkeypatch, args, fragment):
    appliance = FakeAppliance()
    result, failed = run(appliance, monkeypatch, **args)
    assert failed
    assert fragment in result['msg']
    assert appliance.requests() == []


def test_renamed_without_rename_from_fails(monkeypatch):
    result, failed = run(FakeAppliance(), monkeypatch, name='b', state='renamed')
    assert failed and 'rename_from' in result['msg']


def test_appliance_error_names_the_action(monkeypatch):
    appliance = FakeAppliance({
        ('GET', SHARE + '/snapshots/daily'): not_found(),
        ('POST', SHARE + '/snapshots'): fault(409, 'ERR_OBJECT_EXISTS', "snapshot 'daily' of filesystem 'vs02'"),
    })
    result, failed = run(appliance, monkeypatch, filesystem='vs01', name='daily')
    assert failed
    assert result['msg'].startswith('Could not create snapshot gold/backups/vs01@daily: POST ')
    assert 'ERR_OBJECT_EXISTS' in result['msg'] and result['status'] == 409


# ----------------------------------------------------------------------------------------- absent

def test_absent_deletes_then_is_idempotent(monkeypatch):
    appliance = FakeAppliance({
        ('GET', PROJECT + '/snapshots/old'): answer({'snapshot': snap('old', share=None)}),
        ('DELETE', PROJECT + '/snapshots/old'): NO_CONTENT,
    })
    result, failed = run(appliance, monkeypatch, name='old', state='absent', diff=True)
    assert not failed and result['changed']
    assert result['diff'] == dict(before=dict(name='old'), after={})
    assert result['snapshot'] == {}
    assert appliance.writes() == [('DELETE', PROJECT + '/snapshots/old', None)]

    appliance = FakeAppliance({('GET', PROJECT + '/snapshots/old'): not_found()})
    result, failed = run(appliance, monkeypatch, name='old', state='absent')
    assert not failed and not result['changed'] and appliance.writes() == []


def test_absent_in_check_mode_writes_nothing(monkeypatch):
    appliance = FakeAppliance({('GET', PROJECT + '/snapshots/old'): answer({'snapshot': snap('old', share=None)})})
    result, failed = run(appliance, monkeypatch, check=True, name='old', state='absent')
    assert not failed and result['changed'] and appliance.writes() == []


def test_snapshot_with_clones_is_not_deleted_and_the_clones_are_named(monkeypatch):
    appliance = FakeAppliance({
        ('GET', SHARE + '/snapshots/old'): answer({'snapshot': snap('old', numclones=1)}),
        ('GET', SHARE + '/snapshots/old/dependents'): answer({'dependents': [{'project': 'drills', 'share': 'vs01-drill'}]}),
    })
    result, failed = run(appliance, monkeypatch, filesystem='vs01', name='old', state='absent')
    assert failed
    assert 'has 1 clone(s) (drills/vs01-drill)' in result['msg'] and 'zfssa_clone' in result['msg']
    assert appliance.writes() == []


# ---------------------------------------------------------------------------------------- renamed

def test_rename_then_second_run_is_unchanged(monkeypatch):
    appliance = FakeAppliance({
        ('GET', SHARE + '/snapshots/new'): not_found(),
        ('GET', SHARE + '/snapshots/old'): answer({'snapshot': snap('old')}),
        ('PUT', SHARE + '/snapshots/old'): answer({'snapshot': snap('new')}, 202),
    })
    result, failed = run(appliance, monkeypatch, filesystem='vs01', name='new', rename_from='old', state='renamed', diff=True)
    assert not failed and result['changed']
    assert result['snapshot']['name'] == 'new'
    assert result['diff'] == dict(before=dict(name='old'), after=dict(name='new'))
    assert appliance.writes() == [('PUT', SHARE + '/snapshots/old', {'name': 'new'})]

    appliance = FakeAppliance({
        ('GET', SHARE + '/snapshots/new'): answer({'snapshot': snap('new')}),
        ('GET', SHARE + '/snapshots/old'): not_found(),
    })
    result, failed = run(appliance, monkeypatch, filesystem='vs01', name='new', rename_from='old', state='renamed')
    assert not failed and not result['changed'] and appliance.writes() == []


def test_rename_in_check_mode(monkeypatch):
    appliance = FakeAppliance({
        ('GET', SHARE + '/snapshots/new'): not_found(),
        ('GET', SHARE + '/snapshots/old'): answer({'snapshot': snap('old')}),
    })
    result, failed = run(appliance, monkeypatch, check=True, filesystem='vs01', name='new', rename_from='old', state='renamed')
    assert not failed and result['changed'] and result['snapshot']['name'] == 'new'
    assert appliance.writes() == []


@pytest.mark.parametrize('new_exists, old_exists, fragment', [
    (True, True, 'both snapshots exist'),
    (False, False, 'neither snapshot exists'),
])
def test_rename_conflicts_fail_clearly(monkeypatch, new_exists, old_exists, fragment):
    appliance = FakeAppliance({
        ('GET', SHARE + '/snapshots/new'): answer({'snapshot': snap('new')}) if new_exists else not_found(),
        ('GET', SHARE + '/snapshots/old'): answer({'snapshot': snap('old')}) if old_exists else not_found(),
    })
    result, failed = run(appliance, monkeypatch, filesystem='vs01', name='new', rename_from='old', state='renamed')
    assert failed and fragment in result['msg'] and 'gold/backups/vs01@old' in result['msg']
    assert appliance.writes() == []


# ------------------------------------------------------------------------------------ rolled_back

SHARE_SNAPSHOTS = [snap('a', '20240101T01:00:00'), snap('b', '20240102T01:00:00'), snap('c', '20240102T01:00:00'),
                   snap('.auto-20240103T010000Z', '20240103T01:00:00')]


def rollback_appliance(snapshots=None):
    snapshots = SHARE_SNAPSHOTS if snapshots is None else snapshots
    return FakeAppliance({
        ('GET', SHARE + '/snapshots/b'): answer({'snapshot': snapshots[1]}),
        ('GET', SHARE + '/snapshots'): answer({'snapshots': snapshots}),
        ('PUT', SHARE + '/snapshots/b/rollback'): answer({'snapshot': snapshots[1]}, 202),
    })


def test_rollback_reports_the_snapshots_it_destroys(monkeypatch):
    appliance = rollback_appliance()
    result, failed = run(appliance, monkeypatch, filesystem='vs01', name='b', state='rolled_back', confirm_rollback=True, diff=True)
    assert not failed and result['changed']
    assert result['destroyed_snapshots'] == ['c', '.auto-20240103T010000Z']
    assert result['diff'] == dict(before=dict(snapshots=['a', 'b', 'c', '.auto-20240103T010000Z']),
                                  after=dict(snapshots=['a', 'b']))
    assert appliance.writes() == [('PUT', SHARE + '/snapshots/b/rollback', None)]


def test_rollback_in_check_mode_only_reads(monkeypatch):
    appliance = rollback_appliance()
    result, failed = run(appliance, monkeypatch, check=True, filesystem='vs01', name='b', state='rolled_back', confirm_rollback=True)
    assert not failed and result['changed']
    assert result['destroyed_snapshots'] == ['c', '.auto-20240103T010000Z']
    assert appliance.writes() == []


def test_rollback_blocked_by_clones_of_newer_snapshots(monkeypatch):
    snapshots = list(SHARE_SNAPSHOTS)
    snapshots[2] = snap('c', '20240102T01:00:00', numclones=2)
    appliance = rollback_appliance(snapshots)
    result, failed = run(appliance, monkeypatch, filesystem='vs01', name='b', state='rolled_back', confirm_rollback=True)
    assert failed and 'newer snapshot(s) c, which have clones' in result['msg']
    assert appliance.writes() == []


def test_rollback_to_missing_snapshot_fails(monkeypatch):
    appliance = FakeAppliance({('GET', SHARE + '/snapshots/b'): not_found()})
    result, failed = run(appliance, monkeypatch, filesystem='vs01', name='b', state='rolled_back', confirm_rollback=True)
    assert failed and 'the snapshot does not exist' in result['msg']


def test_newer_snapshots_use_list_order_when_times_are_unreadable():
    listed = [dict(name='a', creation='?'), dict(name='b', creation='?'), dict(name='c')]
    assert [s['name'] for s in zfssa_snapshot.newer_snapshots(listed, listed[0])] == ['b', 'c']
