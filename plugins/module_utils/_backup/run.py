# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Steps shared by rsync_backup and rsync_restore: the share mount, its verification, running rsync.

Both modules mount the share the same way (or require an existing mount), refuse to work on
anything that is not a verified mount of the expected source, and always unmount what they mounted.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import socket
import subprocess
import tempfile
import time

from ansible_collections.exalogic.backup.plugins.module_utils._backup import mounts, rsync
from ansible_collections.exalogic.backup.plugins.module_utils._backup.lock import HostLock, LockBusy
from ansible_collections.exalogic.backup.plugins.module_utils._backup.manifest import MARKER

DEFAULT_NFS_OPTIONS = 'vers=3,proto=tcp,hard,rsize=131072,wsize=131072,timeo=600,retrans=2,noatime,nolock,nosuid,nodev'


def share_argument_spec():
    """Options that say which share to use and how to mount it (both modules)."""
    return dict(
        nfs_server=dict(type='str'),
        nfs_export=dict(type='str'),
        src=dict(type='str'),
        fstype=dict(type='str'),
        opts=dict(type='str'),
        mount_point=dict(type='path', default='/mnt/backups'),
        mount_options=dict(type='str', default=DEFAULT_NFS_OPTIONS),
        mount=dict(type='str', default='auto', choices=['auto', 'present']),
        backup_dir=dict(type='str'),
        rsync_path=dict(type='path'),
        lock_file=dict(type='path'),
        lock_timeout=dict(type='int', default=0),
        bwlimit=dict(type='int'),
        timeout=dict(type='int'),
        extra_args=dict(type='list', elements='str', default=[]),
    )


SHARE_MUTUALLY_EXCLUSIVE = [('nfs_server', 'src'), ('nfs_export', 'src')]
SHARE_REQUIRED_TOGETHER = [('nfs_server', 'nfs_export')]
SHARE_REQUIRED_ONE_OF = [('nfs_server', 'src')]


def share_spec(params):
    """(source, fstype, options) of the share from nfs_server/nfs_export or the generic src/fstype/opts."""
    if params['nfs_server']:
        export = '/' + params['nfs_export'].lstrip('/')
        return '%s:%s' % (params['nfs_server'], export), 'nfs', params['mount_options']
    return params['src'], params['fstype'], params['opts']


def param_problems(params):
    """Messages for options that cannot work, each naming the option and the fix."""
    problems = []
    backup_dir = params.get('backup_dir')
    if backup_dir is not None and (not backup_dir or '/' in backup_dir or backup_dir in ('.', '..')):
        problems.append("backup_dir '%s' must be one directory name (no '/'), such as the inventory hostname"
                        % backup_dir)
    if params['nfs_server'] and not params['nfs_export']:
        problems.append('nfs_export is required with nfs_server: the appliance share path, e.g. /export/backups/vs1')
    if params['lock_timeout'] < 0:
        problems.append('lock_timeout must be 0 (fail at once) or a number of seconds to wait')
    for name in ('bwlimit', 'timeout'):
        if params.get(name) is not None and params[name] < 0:
            problems.append('%s must be 0 or more' % name)
    if not os.path.isabs(params['mount_point']) or os.path.normpath(params['mount_point']) == '/':
        problems.append("mount_point '%s' must be an absolute directory other than /" % params['mount_point'])
    return problems


def default_backup_dir(params):
    return params.get('backup_dir') or socket.gethostname().split('.')[0]


def default_lock_file(params):
    return params.get('lock_file') or '/var/lock/exalogic-backup-%s.lock' % default_backup_dir(params)


class Phases(object):
    """Seconds spent per phase, for the module result."""

    def __init__(self):
        self.seconds = {}
        self._started = {}

    def start(self, name):
        self._started[name] = time.time()

    def stop(self, name):
        if name in self._started:
            self.seconds[name] = round(self.seconds.get(name, 0) + time.time() - self._started.pop(name), 3)


class ShareMount(object):
    """Mount (mount: auto) or require (mount: present) the share, verify it, unmount what we mounted."""

    def __init__(self, module, params, read_only=False):
        self.module = module
        self.path = params['mount_point']
        self.mode = params['mount']
        self.source, self.fstype, self.options = share_spec(params)
        self.read_only = read_only
        self.mounted_here = False
        self.created_dir = False

    def problem(self):
        return mounts.mount_problem(self.path, self.source, self.fstype, mounts.read_mount_table())

    def ensure(self):
        """Mount when asked to; return None, or a message saying what was found instead of the share."""
        entry = mounts.mount_at(self.path, mounts.read_mount_table())
        if self.mode == 'present' or entry is not None:
            problem = self.problem()
            if problem and self.mode == 'present':
                return '%s; mount: present needs the share mounted before the run (or use mount: auto)' % problem
            return problem
        if not os.path.isdir(self.path):
            if os.path.exists(self.path):
                return 'mount_point %s exists and is not a directory' % self.path
            os.makedirs(self.path, 0o755)
            self.created_dir = True
        argv = mounts.mount_command(self.source, self.path, self.fstype, self.options, self.read_only)
        rc, out, err = self.module.run_command(argv)
        if rc != 0:
            return 'mounting %s on %s failed (%s): %s' % (self.source, self.path, ' '.join(argv), (err or out).strip())
        self.mounted_here = True
        return self.problem()

    def release(self):
        """Unmount what this run mounted; an error message or None."""
        if not self.mounted_here:
            self.remove_created_dir()
            return None
        rc, out, err = self.module.run_command(mounts.umount_command(self.path))
        if rc != 0:
            rc, out, err = self.module.run_command(['umount', '-l', self.path])
            if rc != 0:
                return 'could not unmount %s: %s' % (self.path, (err or out).strip())
        self.mounted_here = False
        self.remove_created_dir()
        return None

    def remove_created_dir(self):
        if self.created_dir:
            try:
                os.rmdir(self.path)
            except OSError:
                pass
            self.created_dir = False

    def marker_problem(self):
        if os.path.exists(os.path.join(self.path, MARKER)):
            return None
        return ('the share mounted on %s holds no %s marker: it is not a backup share prepared by the appliance role '
                '(exalogic.backup.zfssa_backup_share). If it is the right share, run once with init: true'
                % (self.path, MARKER))


class JobFailed(Exception):
    """A backup or restore that stops with a message for the user (details go into the result)."""

    def __init__(self, msg, **details):
        super(JobFailed, self).__init__(msg)
        self.details = details


class ShareJob(object):
    """What a backup and a restore run share: the host lock, the share mount, phase timings, rsync."""

    what = 'job'

    def __init__(self, module, read_only):
        self.module = module
        self.p = module.params
        self.check = module.check_mode
        self.backup_dir = default_backup_dir(self.p)
        self.share = ShareMount(module, self.p, read_only=read_only)
        self.phases = Phases()

    def new_lock(self):
        """The host lock (none in check mode: a preview writes nothing, not even a lock file)."""
        return None if self.check else HostLock(default_lock_file(self.p), self.what)

    def take_lock(self, lock):
        try:
            lock.acquire(self.p['lock_timeout'])
        except LockBusy as err:
            raise JobFailed('%s of %s not started: %s' % (self.what, self.backup_dir, err))

    def timed(self, phase, func):
        self.phases.start(phase)
        try:
            return func()
        finally:
            self.phases.stop(phase)

    def cleanup(self, lock):
        """Unmount what the run mounted and release the lock; an unmount problem or None."""
        problem = self.timed('unmount', self.share.release)
        if lock is not None:
            lock.release()
        return problem

    def rsync_bin(self):
        return self.p['rsync_path'] or self.module.get_bin_path('rsync', required=True)

    def rsync(self, argv, keep_log_at=None):
        """Run rsync; (rc, stderr, itemized counts and paths, --stats counters with changed/deleted)."""
        fd, log_path = tempfile.mkstemp(prefix='exalogic-rsync-', suffix='.log')
        try:
            with os.fdopen(fd, 'wb') as log:
                proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.PIPE, close_fds=True)
                _out, err = proc.communicate()
            with open(log_path, 'rb') as handle:
                data = handle.read()
            if keep_log_at:
                try:
                    if callable(keep_log_at):  # the share is written through the confined layer
                        keep_log_at(data)
                    else:
                        with open(keep_log_at, 'wb') as handle:
                            handle.write(data)
                except (IOError, OSError) as write_error:  # the share may be gone: rsync's result matters more
                    self.module.warn('could not keep the rsync log at %s: %s' % (keep_log_at, write_error))
        finally:
            os.unlink(log_path)
        lines = data.decode('utf-8', 'replace').splitlines()
        items = rsync.parse_itemized(lines)
        stats = rsync.parse_stats('\n'.join(lines))
        stats.update(changed=items['changed'], deleted=items['deleted'])
        return proc.returncode, err.decode('utf-8', 'replace'), items, stats


def share_constraints(mutually_exclusive=()):
    """AnsibleModule keyword arguments for the share options: which go together and which exclude each other."""
    return dict(mutually_exclusive=SHARE_MUTUALLY_EXCLUSIVE + list(mutually_exclusive),
                required_together=SHARE_REQUIRED_TOGETHER, required_one_of=SHARE_REQUIRED_ONE_OF)


def run_job(module, param_problems, job_class):
    """Check the options before anything runs, then run the backup or restore and return its result."""
    problems = param_problems(module.params)
    if problems:
        module.fail_json(msg='; '.join(problems))
    module.exit_json(**job_class(module).run())


def read_text(path):
    """A text file's content, or '' when there is none."""
    if not path:
        return ''
    try:
        with open(path, 'r') as handle:
            return handle.read()
    except (IOError, OSError):
        return ''
