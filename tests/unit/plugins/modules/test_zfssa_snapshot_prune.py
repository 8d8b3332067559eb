# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.modules import zfssa_snapshot_prune
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.zfssa_fake import (
    NO_CONTENT, FakeAppliance, answer, fault, module_args, run_zfssa_module)

PROJECT = '/api/storage/v1/pools/gold/projects/backups'
SHARE = PROJECT + '/filesystems/vs01'


def snap(name, day, numclones=0, hour=1):
    return dict(name=name, creation='202401%02dT%02d:00:00' % (day, hour), numclones=numclones)


# Five daily backups, a hand-made snapshot, an automatic one and the share's part of a project snapshot.
SHARE_LIST = [snap('backup-1', 1), snap('backup-2', 2), snap('keep-me', 2), snap('backup-3', 3),
              snap('.auto-20240103T020000Z', 3, hour=2), snap('backup-proj', 3, hour=3), snap('backup-4', 4),
              snap('backup-5', 5)]
PROJECT_LIST = [dict(name='backup-proj', creation='20240103T03:00:00', numclones=0)]


def appliance_with(share_list=None):
    appliance = FakeAppliance({
        ('GET', SHARE + '/snapshots'): answer({'snapshots': SHARE_LIST if share_list is None else share_list}),
        ('GET', PROJECT + '/snapshots'): answer({'snapshots': PROJECT_LIST}),
    })
    for name in ('backup-1', 'backup-2', 'backup-3', 'backup-4', 'backup-5'):
        appliance.route('DELETE', SHARE + '/snapshots/' + name, NO_CONTENT)
    return appliance


def run(appliance, monkeypatch, check=False, diff=False, **args):
    params = module_args(dict(pool='gold', project='backups', filesystem='vs01', prefix='backup-'), check, diff, **args)
    return run_zfssa_module(zfssa_snapshot_prune.main, params, monkeypatch, appliance)


def test_prunes_only_manual_snapshots_with_the_prefix(monkeypatch):
    appliance = appliance_with()
    result, failed = run(appliance, monkeypatch, keep_last=2, diff=True)
    assert not failed and result['changed']
    assert result['kept'] == [
        dict(name='backup-5', creation='2024-01-05T01:00:00Z', reasons=['newest', 'last 2']),
        dict(name='backup-4', creation='2024-01-04T01:00:00Z', reasons=['last 2']),
    ]
    assert [entry['name'] for entry in result['deleted']] == ['backup-3', 'backup-2', 'backup-1']
    assert appliance.writes() == [('DELETE', SHARE + '/snapshots/' + name, None) for name in ('backup-3', 'backup-2', 'backup-1')]
    assert result['diff'] == dict(before=dict(snapshots=['backup-1', 'backup-2', 'backup-3', 'backup-4', 'backup-5']),
                                  after=dict(snapshots=['backup-4', 'backup-5']))


def test_second_run_changes_nothing(monkeypatch):
    appliance = appliance_with([snap('backup-4', 4), snap('backup-5', 5), snap('keep-me', 2)])
    result, failed = run(appliance, monkeypatch, keep_last=2)
    assert not failed and not result['changed'] and result['deleted'] == []
    assert appliance.writes() == []


def test_check_mode_lists_what_would_go_and_writes_nothing(monkeypatch):
    appliance = appliance_with()
    result, failed = run(appliance, monkeypatch, check=True, keep_daily=3)
    assert not failed and result['changed']
    assert [entry['name'] for entry in result['deleted']] == ['backup-2', 'backup-1']
    assert appliance.writes() == []


def test_snapshots_with_clones_stay(monkeypatch):
    listed = [snap('backup-1', 1, numclones=1), snap('backup-2', 2), snap('backup-3', 3)]
    appliance = appliance_with(listed)
    result, failed = run(appliance, monkeypatch, keep_last=1)
    assert not failed
    assert dict((entry['name'], entry['reasons']) for entry in result['kept']) == {
        'backup-3': ['newest', 'last 1'], 'backup-1': ['has clones']}
    assert appliance.writes() == [('DELETE', SHARE + '/snapshots/backup-2', None)]


def test_missing_numclones_is_read_from_dependents(monkeypatch):
    listed = [dict(name='backup-1', creation='20240101T01:00:00'), dict(name='backup-2', creation='20240102T01:00:00')]
    appliance = appliance_with(listed)
    appliance.route('GET', SHARE + '/snapshots/backup-1/dependents', answer({'dependents': [{'project': 'p', 'share': 's'}]}))
    appliance.route('GET', SHARE + '/snapshots/backup-2/dependents', answer({'dependents': []}))
    result, failed = run(appliance, monkeypatch, keep_last=1)
    assert not failed and not result['changed']
    assert result['kept'][1]['reasons'] == ['has clones']


def test_project_level_prune(monkeypatch):
    appliance = FakeAppliance({
        ('GET', PROJECT + '/snapshots'): answer({'snapshots': [snap('backup-a', 1), snap('backup-b', 2)]}),
        ('DELETE', PROJECT + '/snapshots/backup-a'): NO_CONTENT,
    })
    result, failed = run(appliance, monkeypatch, filesystem=None, keep_daily=1)
    assert not failed and result['changed']
    assert appliance.writes() == [('DELETE', PROJECT + '/snapshots/backup-a', None)]


def test_failed_delete_names_what_was_already_deleted(monkeypatch):
    appliance = appliance_with()
    appliance.route('DELETE', SHARE + '/snapshots/backup-2', fault(403, 'ERR_DENIED', 'snapshot has clones'))
    result, failed = run(appliance, monkeypatch, keep_last=2)
    assert failed
    assert result['msg'].startswith('Could not delete snapshot gold/backups/vs01@backup-2 (already deleted: backup-3): ')
    assert 'ERR_DENIED' in result['msg']


@pytest.mark.parametrize('args, fragment', [
    (dict(), 'give at least one of keep_last'),
    (dict(keep_daily=-1), 'keep_daily is -1'),
    (dict(prefix='', keep_last=1), 'prefix is empty'),
    (dict(prefix='.auto', keep_last=1), "prefix '.auto' must start with a letter or a digit"),
    (dict(prefix='daily backup', keep_last=1), "prefix 'daily backup' contains ' '"),
])
def test_bad_input_fails_before_any_call(monkeypatch, args, fragment):
    appliance = FakeAppliance()
    result, failed = run(appliance, monkeypatch, **args)
    assert failed and fragment in result['msg']
    assert appliance.requests() == []


@pytest.mark.parametrize('check', [True, False])
def test_missing_share_is_named_in_check_mode_and_for_real(monkeypatch, check):
    appliance = FakeAppliance({
        ('GET', '/api/storage/v1/pools'): answer({'pools': [{'name': 'gold'}]}),
        ('GET', PROJECT): answer({'project': {'name': 'backups'}}),
    })
    result, failed = run(appliance, monkeypatch, check=check, filesystem='vs09', keep_last=2)
    assert failed
    assert result['msg'] == ("Could not list the snapshots of gold/backups/vs09: share 'vs09' does not exist in project "
                             "gold/backups; create it first with exalogic.backup.zfssa_filesystem")
    assert appliance.writes() == []
