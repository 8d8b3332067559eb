# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rsync_backup and rsync_restore runs with real rsync and real bind mounts: the data-loss gates decide
before anything is deleted, and every way a run can end unmounts, unlocks and records it."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import fcntl
import json
import os
import shutil
import signal
import time

import pytest

from ansible_collections.exalogic.backup.plugins.modules import rsync_backup, rsync_restore
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.rsync_lab import Lab, mounted, run_module_process
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import run_module

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('rsync'), reason='needs root (mount) and rsync')


@pytest.fixture
def lab(tmp_path):
    lab = Lab(tmp_path)
    lab.files(os.path.join(lab.root, 'etc'), 50)
    lab.files(lab.data_fs, 30)
    lab.mount_data()
    yield lab
    lab.cleanup()


def backup(lab, monkeypatch, **args):
    return run_module(rsync_backup.main, lab.args(**args), monkeypatch)


def first_backup(lab, monkeypatch, **args):
    result, failed = backup(lab, monkeypatch, **args)
    assert not failed, result['msg']
    return result


# ------------------------------------------------------------------ the deletion cap is atomic


def test_a_run_over_the_deletion_cap_deletes_nothing_and_does_not_ratchet(lab, monkeypatch):
    good = first_backup(lab, monkeypatch)
    for name in sorted(os.listdir(os.path.join(lab.root, 'etc')))[:20]:
        os.unlink(os.path.join(lab.root, 'etc', name))
    for _repeat in range(3):  # an hourly job repeats the run: each must leave the mirror whole
        result, failed = backup(lab, monkeypatch, max_delete=5)
        assert failed
        assert 'would delete 20 entries' in result['msg'] and 'nothing was deleted' in result['msg']
        assert lab.count(lab.mirror('etc')) == 50
        assert lab.meta('manifest.json')['run_id'] == good['manifest']['run_id']
        assert lab.meta('run.json')['status'] == 'failed'
    result, failed = backup(lab, monkeypatch, max_delete=20)
    assert not failed, result['msg']
    assert lab.count(lab.mirror('etc')) == 30
    assert result['manifest']['files_deleted'] == 20


def test_the_ratio_cap_counts_against_the_last_complete_manifest(lab, monkeypatch):
    first_backup(lab, monkeypatch)
    for name in sorted(os.listdir(os.path.join(lab.root, 'etc')))[:25]:
        os.unlink(os.path.join(lab.root, 'etc', name))
    # 85 entries in the last complete backup, ratio 0.1 -> cap 10 (the floor): 25 deletions refused
    result, failed = backup(lab, monkeypatch, max_delete_ratio=0.1)
    assert failed and 'more than the deletion cap of 10' in result['msg']
    assert lab.count(lab.mirror('etc')) == 50


def test_deletions_under_the_cap_and_changes_are_one_complete_run(lab, monkeypatch):
    first_backup(lab, monkeypatch)
    os.unlink(os.path.join(lab.root, 'etc', 'f000'))
    with open(os.path.join(lab.root, 'etc', 'new'), 'w') as handle:
        handle.write('new\n')
    result = first_backup(lab, monkeypatch, max_delete=3)
    assert result['changed']
    assert not os.path.exists(lab.mirror('etc', 'f000')) and os.path.exists(lab.mirror('etc', 'new'))
    assert result['manifest']['files_deleted'] == 1


def test_restore_max_delete_refuses_before_deleting(lab, monkeypatch):
    first_backup(lab, monkeypatch)
    dest = lab.path('dest')
    lab.files(os.path.join(dest, 'extra'), 8, prefix='x')
    result, failed = run_module(rsync_restore.main, dict(
        src=lab.share, fstype='none', opts='bind', mount_point=lab.mnt, backup_dir='vs1', dest_root=dest,
        delete=True, max_delete=3, sidecar=False, lock_file=os.path.join(lab.locks, 'vs1.lock')), monkeypatch)
    assert failed
    assert 'would delete' in result['msg'] and 'nothing was deleted' in result['msg']
    assert lab.count(os.path.join(dest, 'extra')) == 8
    assert not mounted(lab.mnt)


# ------------------------------------------------------------------ the set of source filesystems


def test_a_source_filesystem_missing_now_fails_until_retired(lab, monkeypatch):
    good = first_backup(lab, monkeypatch)
    assert [fs['source'] for fs in good['manifest']['filesystems']] == ['/', '/data']
    lab.umount_data()  # not in fstab: only the manifest knows it was there
    result, failed = backup(lab, monkeypatch)
    assert failed
    assert '/data' in result['msg'] and 'retire_sources: [/data]' in result['msg']
    assert lab.count(lab.mirror('data')) == 30
    result = first_backup(lab, monkeypatch, retire_sources=['/data'], max_delete=100)
    assert [fs['source'] for fs in result['manifest']['filesystems']] == ['/']
    assert result['manifest']['retired_sources'] == ['/data']
    assert lab.count(lab.mirror('data')) == 0


def test_a_small_filesystem_that_empties_is_caught_on_a_bigger_host(lab, monkeypatch):
    lab.files(os.path.join(lab.root, 'etc'), 200, prefix='g')  # the host is big, /data small
    first_backup(lab, monkeypatch)
    for name in os.listdir(lab.data_fs):
        os.unlink(os.path.join(lab.data_fs, name))
    result, failed = backup(lab, monkeypatch, max_delete=1000)
    assert failed
    assert '/data holds 1 entries, had 31' in result['msg'] and 'min_source_ratio' in result['msg']
    assert lab.count(lab.mirror('data')) == 30


# ------------------------------------------------------------------ every exit path cleans up


def test_missing_rsync_fails_before_lock_and_mount(lab, monkeypatch, tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for tool in ('mount', 'umount'):
        os.symlink(shutil.which(tool), str(bin_dir / tool))
    monkeypatch.setenv('PATH', str(bin_dir))
    result, failed = backup(lab, monkeypatch)
    assert failed and 'rsync' in result['msg']
    assert not mounted(lab.mnt)
    assert lab.meta('run.json') is None


def test_fail_json_inside_the_run_unmounts_and_records(lab, monkeypatch):
    first_backup(lab, monkeypatch)

    def sidecar_fails(self):
        self.module.fail_json(msg='side-car tool failed')
    monkeypatch.setattr(rsync_backup.Backup, 'write_sidecar', sidecar_fails)
    result, failed = backup(lab, monkeypatch)
    assert failed and result['msg'] == 'side-car tool failed'
    assert not mounted(lab.mnt)
    run = lab.meta('run.json')
    assert run['status'] == 'failed' and 'exit' in run['error']
    with open(os.path.join(lab.locks, 'vs1.lock'), 'a') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released


def test_a_dead_runs_running_record_is_recorded_as_failed(lab, monkeypatch):
    first_backup(lab, monkeypatch)
    dead = dict(status='running', run_id='20261207T000000Z-999999', host='vs1', hostname='h', pid=999999,
                start='2026-12-07T00:00:00Z')
    with open(os.path.join(lab.share, 'vs1', 'meta', 'run.json'), 'w') as handle:
        json.dump(dead, handle)
    first_backup(lab, monkeypatch)
    failure = lab.meta('failure.json')
    assert failure['run_id'] == dead['run_id'] and failure['status'] == 'failed'
    assert 'ended without recording' in failure['error']


def test_mount_point_lock_keeps_a_second_job_off_a_shared_mount(lab, monkeypatch):
    first_backup(lab, monkeypatch)
    other = os.path.join(lab.locks, 'exalogic-backup-mount-%s.lock' % os.path.realpath(lab.mnt).strip('/').replace(
        '/', '_'))
    with open(other, 'a') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # another job (other backup_dir) uses the mount point
        result, failed = backup(lab, monkeypatch, backup_dir='vs2')
    assert failed and 'holds the lock %s' % other in result['msg']
    assert not os.path.exists(os.path.join(lab.share, 'vs2'))


def test_the_mount_is_verified_again_right_before_rsync(lab, monkeypatch):
    original = rsync_backup.Backup.gates

    def gates_then_lost_mount(self):
        plan = original(self)
        os.system('umount %s' % lab.mnt)  # another job unmounted it, the share went away
        return plan
    monkeypatch.setattr(rsync_backup.Backup, 'gates', gates_then_lost_mount)
    result, failed = backup(lab, monkeypatch)
    assert failed and 'no longer mounted' in result['msg']
    assert os.listdir(lab.mnt) == []  # nothing written to the local directory under the mount point


def test_progress_file_says_complete(lab, monkeypatch):
    first_backup(lab, monkeypatch)
    with open(lab.progress) as handle:
        progress = json.load(handle)
    assert progress['status'] == 'complete' and progress['backup_dir'] == 'vs1'
    assert set(progress) >= {'pid', 'phase', 'started', 'updated', 'files_done', 'bytes_done', 'files_total',
                             'bytes_total'}


def test_fstab_with_non_utf8_bytes_does_not_break_the_gates(lab, monkeypatch):
    with open(os.path.join(lab.root, 'etc', 'fstab'), 'wb') as handle:
        handle.write(b'# caf\xe9\n/dev/sdz1 /data ext4 defaults 0 2\n')
    result = first_backup(lab, monkeypatch, expected_mounts=None)
    assert result['manifest']['status'] == 'complete'


# ------------------------------------------------------------------ process death (module as its own process)


def slow_source(lab):
    with open(os.path.join(lab.data_fs, 'big'), 'wb') as handle:
        handle.write(os.urandom(8 * 1024 * 1024))


def rsync_pids(marker):  # marker: a path in the command line (the sources; the target is a /proc fd path)
    pids = []
    for pid in os.listdir('/proc'):
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                cmd = handle.read().split(b'\0')
        except (IOError, OSError):
            continue
        if cmd and cmd[0].endswith(b'rsync') and any(marker.encode() in part for part in cmd):
            pids.append(int(pid))
    return pids


def wait_until(predicate, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGHUP])
def test_stop_signal_stops_rsync_unmounts_and_records(lab, signum):
    slow_source(lab)
    proc = run_module_process('rsync_backup', lab.args(bwlimit=500), lab.path('args.json'))
    try:
        assert wait_until(lambda: rsync_pids(lab.root)), proc.communicate()
        proc.send_signal(signum)
        out, err = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
    result = json.loads(out.decode())
    assert result['failed'] and 'interrupted by signal %d' % signum in result['msg']
    assert rsync_pids(lab.root) == []
    assert not mounted(lab.mnt)
    assert lab.meta('run.json')['status'] == 'failed'


def test_a_killed_module_leaves_no_writer_behind_the_lock(lab):
    slow_source(lab)
    proc = run_module_process('rsync_backup', lab.args(bwlimit=500), lab.path('args.json'))
    assert wait_until(lambda: rsync_pids(lab.root)), proc.communicate()
    writers = rsync_pids(lab.root)
    proc.kill()
    proc.wait()
    lock = open(os.path.join(lab.locks, 'vs1.lock'), 'a')
    try:
        # as long as any rsync of the killed run lives, the lock stays taken (rsync holds it too) ...
        while any(os.path.exists('/proc/%d' % pid) for pid in writers):
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except (IOError, OSError):
                time.sleep(0.05)
                continue
            alive = [pid for pid in writers if os.path.exists('/proc/%d/cmdline' % pid) and
                     open('/proc/%d/stat' % pid).read().split()[2] not in ('Z', 'X')]
            assert not alive, 'the lock was free while rsync %s still ran' % alive
            break
        # ... and rsync dies with its module (parent-death signal), it does not write on as an orphan
        assert wait_until(lambda: not rsync_pids(lab.root))
    finally:
        lock.close()


def read_progress(lab):
    try:
        with open(lab.progress) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return {}


def test_progress_counts_files_and_bytes_while_rsync_runs(lab):
    """issue 11: a long first backup shows how far it is, not silence (files and bytes done)."""
    for number in range(4):
        with open(os.path.join(lab.data_fs, 'part%d' % number), 'wb') as handle:
            handle.write(os.urandom(1024 * 1024))
    proc = run_module_process('rsync_backup', lab.args(bwlimit=600), lab.path('args.json'))
    seen = []
    try:
        def bytes_reported():
            progress = read_progress(lab)
            if progress.get('status') == 'running' and progress.get('bytes_done'):
                seen.append(progress)
            return seen
        assert wait_until(bytes_reported, seconds=60), proc.communicate()
        out, _err = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
    running = seen[0]
    assert running['phase'] == 'rsync' and running['files_done'] > 0 and running['bytes_done'] >= 1024 * 1024
    assert json.loads(out.decode())['manifest']['status'] == 'complete'
    assert read_progress(lab)['status'] == 'complete'
