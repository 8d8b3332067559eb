# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
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

from ansible_collections.exalogic.backup.plugins.module_utils import mounts
from ansible_collections.exalogic.backup.plugins.module_utils.manifest import MARKER

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
            return None
        rc, out, err = self.module.run_command(mounts.umount_command(self.path))
        if rc != 0:
            rc, out, err = self.module.run_command(['umount', '-l', self.path])
            if rc != 0:
                return 'could not unmount %s: %s' % (self.path, (err or out).strip())
        self.mounted_here = False
        if self.created_dir:
            try:
                os.rmdir(self.path)
            except OSError:
                pass
        return None

    def marker_problem(self):
        if os.path.exists(os.path.join(self.path, MARKER)):
            return None
        return ('the share mounted on %s holds no %s marker: it is not a backup share prepared by the appliance role '
                '(exalogic.backup.zfssa_backup_share). If it is the right share, run once with init: true'
                % (self.path, MARKER))


def run_rsync(argv, log_path):
    """Run rsync with its itemized output going to log_path; (rc, stderr text, seconds)."""
    started = time.time()
    with open(log_path, 'wb') as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.PIPE, close_fds=True)
        _out, err = proc.communicate()
    return proc.returncode, err.decode('utf-8', 'replace'), round(time.time() - started, 3)


def read_log_lines(log_path):
    with open(log_path, 'rb') as handle:
        return handle.read().decode('utf-8', 'replace').splitlines()


def temp_log():
    fd, path = tempfile.mkstemp(prefix='exalogic-rsync-', suffix='.log')
    os.close(fd)
    return path
