# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""backup_info on real directory trees shaped like a mounted share with .zfs/snapshot copies."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.exalogic.backup.plugins.modules import backup_info
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import run_module


def manifest(run_id, start, end, files=100, size=1000, **more):
    record = dict(status='complete', run_id=run_id, host='vs01', hostname='vs01.example.com', start=start, end=end,
                  duration=38.2, files_total=files, bytes_total=size, files_transferred=4, bytes_transferred=40,
                  rsync_rc=0, rsync_result='ok')
    record.update(more)
    return record


def put_copy(base, man=None, run=None):
    """Write <base>/vs01/{root,meta} with the given records (dicts, raw bytes or None)."""
    meta = os.path.join(base, 'vs01', 'meta')
    os.makedirs(meta)
    os.makedirs(os.path.join(base, 'vs01', 'root', 'etc'))
    for name, record in (('manifest.json', man), ('run.json', run)):
        if record is None:
            continue
        data = record if isinstance(record, bytes) else json.dumps(record).encode()
        with open(os.path.join(meta, name), 'wb') as handle:
            handle.write(data)
    return meta


def snapshot(share, name):
    path = os.path.join(share, '.zfs', 'snapshot', name)
    os.makedirs(path)
    return path


@pytest.fixture
def share(tmp_path):
    root = str(tmp_path / 'share')
    os.makedirs(root)
    with open(os.path.join(root, '.exalogic-backup-share'), 'w') as handle:
        handle.write('exalogic.backup share\n')
    return root


def run(monkeypatch, share, **args):
    params = dict(path=share, backup_dir='vs01')
    params.update(args)
    return run_module(backup_info.main, params, monkeypatch)


def complete_run(run_id, start, end):
    return dict(status='complete', run_id=run_id, host='vs01', start=start, end=end)


def test_lists_snapshots_by_finish_time_then_the_live_mirror(monkeypatch, share):
    put_copy(share, manifest('r3', '2026-12-07T03:00:00Z', '2026-12-07T03:01:00Z', files=120),
             complete_run('r3', '2026-12-07T03:00:00Z', '2026-12-07T03:01:00Z'))
    put_copy(snapshot(share, 'vs01-20261207T020100Z'), manifest('r2', '2026-12-07T02:00:00Z', '2026-12-07T02:01:00Z'),
             complete_run('r2', '2026-12-07T02:00:00Z', '2026-12-07T02:01:00Z'))
    put_copy(snapshot(share, 'vs01-20261207T010100Z'), manifest('r1', '2026-12-07T01:00:00Z', '2026-12-07T01:01:00Z'),
             complete_run('r1', '2026-12-07T01:00:00Z', '2026-12-07T01:01:00Z'))
    os.makedirs(os.path.join(share, '.zfs', 'snapshot', 'other-host-only', 'vs02'))

    result, failed = run(monkeypatch, share)

    assert not failed and result['changed'] is False
    assert [b['source'] for b in result['backups']] == ['vs01-20261207T010100Z', 'vs01-20261207T020100Z', 'live']
    live = result['backups'][-1]
    assert live['complete'] and live['state'] == 'complete' and live['snapshot'] is None
    assert (live['run_id'], live['started'], live['finished'], live['files'], live['bytes'], live['duration'],
            live['rsync_result']) == ('r3', '2026-12-07T03:00:00Z', '2026-12-07T03:01:00Z', 120, 1000, 38.2, 'ok')
    assert result['backups'][0]['path'] == os.path.join(share, '.zfs/snapshot/vs01-20261207T010100Z/vs01')
    assert result['latest_complete']['source'] == 'live'


def test_snapshot_taken_during_a_run_is_not_complete(monkeypatch, share):
    put_copy(share, manifest('r1', '2026-12-07T01:00:00Z', '2026-12-07T01:01:00Z'),
             complete_run('r1', '2026-12-07T01:00:00Z', '2026-12-07T01:01:00Z'))
    put_copy(snapshot(share, 'hourly-1'), manifest('r1', '2026-12-07T01:00:00Z', '2026-12-07T01:01:00Z'),
             dict(status='running', run_id='r2', start='2026-12-07T02:00:00Z'))

    result, failed = run(monkeypatch, share)

    assert not failed
    during = [b for b in result['backups'] if b['source'] == 'hourly-1'][0]
    assert during['state'] == 'running' and not during['complete']
    assert 'r2' in during['reason'] and 'partly updated' in during['reason']
    assert during['finished'] == '2026-12-07T01:01:00Z'  # what the manifest still names
    assert result['latest_complete']['source'] == 'live'


def test_failed_last_run_and_first_run_never_finished(monkeypatch, share):
    put_copy(share, manifest('r1', '2026-12-07T01:00:00Z', '2026-12-07T01:01:00Z'),
             dict(status='failed', run_id='r2', start='2026-12-07T02:00:00Z', error='rsync 23'))
    put_copy(snapshot(share, 'early'), None, dict(status='running', run_id='r0', start='2026-12-06T01:00:00Z'))

    result, failed = run(monkeypatch, share)

    assert not failed
    states = dict((b['source'], b['state']) for b in result['backups'])
    assert states == {'live': 'failed', 'early': 'running'}
    assert result['latest_complete'] is None


def test_no_backup_at_all(monkeypatch, share):
    result, failed = run(monkeypatch, share)
    assert not failed
    assert [(b['source'], b['state'], b['complete']) for b in result['backups']] == [('live', 'none', False)]
    assert result['latest_complete'] is None


def test_symlinked_manifest_is_refused_not_followed(monkeypatch, share, tmp_path):
    secret = tmp_path / 'secret.json'
    secret.write_text(json.dumps(manifest('stolen', 'a', 'b')))
    meta = put_copy(share)
    os.symlink(str(secret), os.path.join(meta, 'manifest.json'))

    result, failed = run(monkeypatch, share)

    assert not failed
    live = result['backups'][0]
    assert live['state'] == 'unreadable' and live['run_id'] is None
    assert 'manifest.json' in live['reason']


def test_symlinked_meta_directory_and_snapshot_are_refused(monkeypatch, share, tmp_path):
    elsewhere = str(tmp_path / 'elsewhere')
    put_copy(elsewhere, manifest('r9', 'a', 'b'), complete_run('r9', 'a', 'b'))
    os.makedirs(os.path.join(share, 'vs01', 'root'))
    os.symlink(os.path.join(elsewhere, 'vs01', 'meta'), os.path.join(share, 'vs01', 'meta'))
    os.makedirs(os.path.join(share, '.zfs', 'snapshot'))
    os.symlink(elsewhere, os.path.join(share, '.zfs', 'snapshot', 'evil'))

    result, failed = run(monkeypatch, share)

    assert not failed
    assert [b['source'] for b in result['backups']] == ['live']  # the symlinked snapshot is no copy
    assert result['backups'][0]['state'] == 'unreadable' and result['backups'][0]['run_id'] is None


def test_oversized_fifo_and_garbage_records_are_refused(monkeypatch, share):
    put_copy(share, b'{"status": "complete", "pad": "' + b'x' * 5000 + b'"}')
    put_copy(snapshot(share, 'garbage'), b'not json {')
    meta = put_copy(snapshot(share, 'fifo'))
    os.mkfifo(os.path.join(meta, 'manifest.json'))
    put_copy(snapshot(share, 'list'), b'[1, 2]')

    result, failed = run(monkeypatch, share, max_record_bytes=4096)

    assert not failed
    states = dict((b['source'], b['state']) for b in result['backups'])
    assert states == {'live': 'unreadable', 'garbage': 'unreadable', 'fifo': 'unreadable', 'list': 'unreadable'}
    reasons = dict((b['source'], b['reason']) for b in result['backups'])
    assert 'not valid JSON' in reasons['garbage']
    assert 'no JSON object' in reasons['list']


def test_prefix_and_snapshots_false(monkeypatch, share):
    put_copy(share, manifest('r1', 'a', 'b'), complete_run('r1', 'a', 'b'))
    put_copy(snapshot(share, 'vs01-1'), manifest('r1', 'a', 'b'), complete_run('r1', 'a', 'b'))
    put_copy(snapshot(share, '.auto-1'), manifest('r1', 'a', 'b'), complete_run('r1', 'a', 'b'))
    put_copy(snapshot(share, 'daily-1'), manifest('r1', 'a', 'b'), complete_run('r1', 'a', 'b'))

    result, failed = run(monkeypatch, share, snapshot_prefix='vs01-')
    assert not failed
    assert [b['source'] for b in result['backups']] == ['vs01-1', 'live']

    result, failed = run(monkeypatch, share, snapshots=False)
    assert [b['source'] for b in result['backups']] == ['live']


def test_wrong_path_fails_naming_the_fix(monkeypatch, tmp_path):
    result, failed = run(monkeypatch, str(tmp_path))
    assert failed and '.exalogic-backup-share' in result['msg'] and 'require_marker' in result['msg']

    result, failed = run(monkeypatch, str(tmp_path), require_marker=False)
    assert not failed and result['backups'][0]['state'] == 'none'


@pytest.mark.parametrize('args, needle', [
    (dict(backup_dir='../etc'), 'backup_dir'),
    (dict(backup_dir='.zfs'), 'backup_dir'),
    (dict(path='relative/share'), 'absolute'),
    (dict(snapshot_prefix='a/b'), 'snapshot_prefix'),
    (dict(max_record_bytes=0), 'max_record_bytes'),
])
def test_bad_input_names_the_option(monkeypatch, share, args, needle):
    result, failed = run(monkeypatch, share, **args)
    assert failed and needle in result['msg']
