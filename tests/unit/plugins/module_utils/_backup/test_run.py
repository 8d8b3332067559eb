# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run template of ShareJob and how rsync is started (the lock lives as long as rsync does)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import fcntl
import json
import os
import sys

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._backup import run as backup_run
from ansible_collections.exalogic.backup.plugins.module_utils._backup.lock import HostLock


class FakeModule(object):
    """Only what ShareJob reads; fail_json raises SystemExit like the real one."""

    check_mode = False

    def __init__(self, params):
        self.params = params
        self.failed = None

    def fail_json(self, **kwargs):
        self.failed = kwargs
        raise SystemExit(1)

    def warn(self, _msg):
        pass

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return '/bin/' + name


def params(tmp_path, **extra):
    base = dict(nfs_server=None, nfs_export=None, src=str(tmp_path / 'share'), fstype='none', opts='bind',
                mount_point=str(tmp_path / 'mnt'), mount_options='', mount='present', backup_dir='vs1',
                rsync_path=None, lock_file=str(tmp_path / 'vs1.lock'), lock_timeout=0, bwlimit=None, timeout=None,
                extra_args=[])
    base.update(extra)
    return base


class Job(backup_run.ShareJob):
    what = 'test'

    def __init__(self, module, steps):
        super(Job, self).__init__(module, read_only=True)
        self.steps = steps
        self.recorded = []

    def phases(self):
        return self.steps

    def on_failure(self, message):
        self.recorded.append(message)


def test_every_phase_runs_in_order_and_is_timed(tmp_path):
    order = []
    job = Job(FakeModule(params(tmp_path)), [('a', lambda: order.append('a')), ('b', lambda: order.append('b'))])
    result = job.run()
    assert order == ['a', 'b'] and set(result['timings']) >= {'a', 'b', 'unmount'}


@pytest.mark.parametrize('error', [SystemExit(1), KeyboardInterrupt(), ValueError('boom')])
def test_any_exit_from_a_phase_is_recorded_cleaned_up_and_raised(tmp_path, error):
    def fail():
        raise error
    job = Job(FakeModule(params(tmp_path)), [])
    job.steps = [('lock', job.take_locks), ('x', fail)]
    with pytest.raises(type(error)):
        job.run()
    assert len(job.recorded) == 1
    assert job.locks == []
    with open(str(tmp_path / 'vs1.lock'), 'a') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released


def test_a_refused_gate_fails_the_module_after_cleanup(tmp_path):
    def refuse():
        raise backup_run.JobFailed('gate says no', detail=1)
    module = FakeModule(params(tmp_path))
    job = Job(module, [('gate', refuse)])
    with pytest.raises(SystemExit):
        job.run()
    assert module.failed['msg'] == 'gate says no' and module.failed['detail'] == 1
    assert job.recorded == ['gate says no']


def test_the_mount_point_lock_is_shared_by_all_backup_dirs(tmp_path):
    one = backup_run.mount_lock_file(params(tmp_path, backup_dir='vs1'))
    two = backup_run.mount_lock_file(params(tmp_path, backup_dir='vs2', lock_file=str(tmp_path / 'vs2.lock')))
    assert one == two and one.startswith(str(tmp_path))


def test_rsync_holds_the_lock_descriptors(tmp_path):
    """The child (a Python standing in for rsync) has the locks' open file descriptions: the kernel lock
    stays taken while it lives, even after the module process is gone."""
    job = Job(FakeModule(params(tmp_path)), [])
    job.take_locks()
    fds = [lock.fd for lock in job.locks]
    probe = 'import os; print("\\n".join(os.readlink("/proc/self/fd/%d" % fd) for fd in ' + repr(fds) + '))'
    out = os.open(str(tmp_path / 'out'), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        assert backup_run.start_rsync([sys.executable, '-c', probe], out, 2, fds).wait() == 0
    finally:
        os.close(out)
        job.cleanup()
    with open(str(tmp_path / 'out')) as handle:
        assert handle.read().split() == [str(tmp_path / 'vs1.lock'), backup_run.mount_lock_file(params(tmp_path))]


def test_host_lock_names_its_holder(tmp_path):
    first = HostLock(str(tmp_path / 'l'), 'backup').acquire()
    try:
        with pytest.raises(Exception) as err:
            HostLock(str(tmp_path / 'l'), 'restore').acquire()
        assert 'another backup holds the lock' in str(err.value)
    finally:
        first.release()


class WarningModule(FakeModule):
    def __init__(self, params):
        super(WarningModule, self).__init__(params)
        self.warnings = []

    def warn(self, msg):
        self.warnings.append(msg)

    def run_command(self, argv):
        import subprocess
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate()
        return proc.returncode, out.decode(), err.decode()


@pytest.fixture
def bind_mounted(tmp_path):
    """mnt: a real bind mount of share, made with the options the test asks for; unmounted afterwards."""
    made = []

    def mount(options):
        for name in ('share', 'mnt'):
            (tmp_path / name).mkdir(exist_ok=True)
        os.system('mount --bind %s %s' % (tmp_path / 'share', tmp_path / 'mnt'))
        if options:
            os.system('mount -o remount,bind,%s %s' % (options, tmp_path / 'mnt'))
        made.append(str(tmp_path / 'mnt'))
        return tmp_path
    yield mount
    for path in made:
        os.system('umount %s' % path)


@pytest.mark.skipif(os.geteuid() != 0, reason='bind mounts need root')
@pytest.mark.parametrize('options, warned', [('', 'nosuid,nodev'), ('nosuid', 'nodev'), ('nosuid,nodev', None)])
def test_a_share_mounted_without_nosuid_nodev_is_named_in_a_warning(bind_mounted, options, warned):
    """security.md M8: mount: present takes the mount as it is; a local user could run setuid files from it."""
    tmp_path = bind_mounted(options)
    module = WarningModule(params(tmp_path))
    share = backup_run.ShareMount(module, module.params)
    assert share.ensure() is None
    found = [w for w in module.warnings if 'mounted without' in w]
    if warned is None:
        assert found == []
    else:
        assert len(found) == 1 and 'without %s:' % warned in found[0]


def test_a_mount_point_the_run_creates_is_private(tmp_path):
    """security.md M8: the directory through which root reads the mirror is 0700."""
    module = WarningModule(params(tmp_path, mount='auto', mount_point=str(tmp_path / 'new' / 'mnt')))
    (tmp_path / 'share').mkdir()
    share = backup_run.ShareMount(module, module.params)
    share.mount_bin = '/bin/false'  # the mount itself is not the point: the directory made before it is
    assert 'failed' in share.ensure()
    assert oct(os.stat(str(tmp_path / 'new' / 'mnt')).st_mode & 0o777) == oct(0o700)


def test_progress_callback_adds_up_files_and_the_bytes_of_sent_files(tmp_path):
    progress = backup_run.ProgressFile(str(tmp_path / 'progress' / 'vs1.json'), 'vs1')
    sizes = {'etc/hosts': 120, 'u01/app/big.dat': 5000}
    callback = progress.rsync_callback(lambda path: sizes.get(path, 0))
    callback(['>f+++++++++ etc/hosts', 'cd+++++++++ u01/app/', '.d..t...... etc/'])
    callback([])
    callback(['>f.st...... u01/app/big.dat', '*deleting   tmp/old', '>f+++++++++ vanished/file'])
    with open(str(tmp_path / 'progress' / 'vs1.json')) as handle:
        state = json.load(handle)
    assert (state['phase'], state['files_done'], state['bytes_done']) == ('rsync', 6, 5120)
