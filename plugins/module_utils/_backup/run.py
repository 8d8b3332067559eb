# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Steps shared by rsync_backup and rsync_restore: the share mount, its verification, running rsync.

Both modules mount the share the same way (or require an existing mount), refuse to work on
anything that is not a verified mount of the expected source, and always unmount what they mounted.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import namedtuple

from ansible_collections.exalogic.backup.plugins.module_utils._backup import mounts, rsync
from ansible_collections.exalogic.backup.plugins.module_utils._backup.confined import fs_bytes
from ansible_collections.exalogic.backup.plugins.module_utils._backup.lock import HostLock, LockBusy
from ansible_collections.exalogic.backup.plugins.module_utils._backup.manifest import MARKER, format_utc

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
    for name in ('src', 'nfs_server'):
        if (params.get(name) or '').startswith('-'):
            problems.append("%s '%s' must not start with '-' (mount would read it as an option)" % (name, params[name]))
    problems += rsync.extra_args_problems(params.get('extra_args') or [])
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
        self.mount_bin = 'mount'
        self.umount_bin = 'umount'
        self.verified = None  # (mount_id, st_dev) of the mount that passed verification

    def problem(self):
        return mounts.mount_problem(self.path, self.source, self.fstype, mounts.read_mount_table())

    def ensure(self):
        """Mount when asked to; return None, or a message saying what was found instead of the share."""
        entry = mounts.mount_at(self.path, mounts.read_mount_table())
        if self.mode == 'present' or entry is not None:
            problem = self.problem()
            if problem and self.mode == 'present':
                return '%s; mount: present needs the share mounted before the run (or use mount: auto)' % problem
            return problem or self.remember()
        if not os.path.isdir(self.path):
            if os.path.exists(self.path):
                return 'mount_point %s exists and is not a directory' % self.path
            os.makedirs(self.path, 0o700)  # only root looks into the mirror through this directory
            self.created_dir = True
        argv = mounts.mount_command(self.source, self.path, self.fstype, self.options, self.read_only)
        argv[0] = self.mount_bin
        rc, out, err = self.module.run_command(argv)
        if rc != 0:
            return 'mounting %s on %s failed (%s): %s' % (self.source, self.path, ' '.join(argv), (err or out).strip())
        self.mounted_here = True
        return self.problem() or self.remember()

    def warn_unless_private(self, entry):
        """A mount made elsewhere (mount: present) or with the user's own opts may lack nosuid/nodev: say so.

        A warning, not a refusal: the run itself is not at risk, but local users could run setuid binaries
        kept in the mirror or its snapshots (docs/threat-model.md).
        """
        missing = mounts.missing_private_options(entry)
        if missing:
            self.module.warn('the share at %s is mounted without %s: local users could use setuid files or device '
                             'nodes kept in the mirror; remount it with nosuid,nodev (mount: auto does)'
                             % (self.path, ','.join(missing)))

    def identity(self):
        entry = mounts.mount_at(self.path, mounts.read_mount_table())
        try:
            device = os.stat(self.path).st_dev
        except OSError:
            device = None
        return (entry['mount_id'] if entry else None, device)

    def remember(self):
        self.verified = self.identity()
        self.warn_unless_private(mounts.mount_at(self.path, mounts.read_mount_table()))
        return None

    def still_mounted_problem(self):
        """None when the verified mount is still the one at the mount point (same mount id and device)."""
        problem = self.problem()
        if problem:
            return 'the share is no longer mounted as verified: %s' % problem
        if self.verified is not None and self.identity() != self.verified:
            return 'the share at %s was unmounted or replaced during the run' % self.path
        return None

    def release(self):
        """Unmount what this run mounted; an error message or None (never a lazy unmount under another job)."""
        if not self.mounted_here:
            self.remove_created_dir()
            return None
        argv = mounts.umount_command(self.path)
        argv[0] = self.umount_bin
        rc, out, err = self.module.run_command(argv)
        if rc != 0:
            return ('could not unmount %s, it stays mounted (a process still uses it?): %s; unmount it by hand once '
                    'it is idle' % (self.path, (err or out).strip()))
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


class JobInterrupted(JobFailed):
    """SIGTERM, SIGINT or SIGHUP (a task timeout, Ctrl-C, an ssh hang-up) arrived during the run."""


class EndEarly(Exception):
    """The run has nothing (more) to do and succeeds with this message (a preview without a mount point)."""


STOP_SIGNALS = tuple(getattr(signal, name) for name in ('SIGTERM', 'SIGINT', 'SIGHUP') if hasattr(signal, name))
PR_SET_PDEATHSIG = 1


def install_stop_handlers():
    """Turn the stop signals into JobInterrupted (so the run records and unmounts); returns the old handlers."""
    def stop(signum, _frame):
        ignore_stop_signals()  # the cleanup that follows must not be interrupted again
        raise JobInterrupted('interrupted by signal %d (task timeout, ssh hang-up or Ctrl-C); rsync was stopped'
                             % signum)
    previous = {}
    for signum in STOP_SIGNALS:
        previous[signum] = signal.signal(signum, stop)
    return previous


def ignore_stop_signals():
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def restore_handlers(previous):
    for signum, handler in previous.items():
        signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def die_with_parent():
    """preexec_fn: the child gets SIGTERM when the module process dies (Linux prctl; best effort)."""
    parent = os.getppid()
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:  # no ctypes or no prctl: the inherited lock still keeps the next run out
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def mount_lock_file(params):
    """The lock of the mount point: jobs with different backup_dir values sharing a mount never unmount
    under each other."""
    directory = os.path.dirname(default_lock_file(params)) or '/var/lock'
    name = mounts.canonical(params['mount_point']).strip('/').replace('/', '_') or 'root'
    return os.path.join(directory, 'exalogic-backup-mount-%s.lock' % name)


RsyncRun = namedtuple('RsyncRun', 'rc stderr items stats')


class ShareJob(object):
    """What a backup and a restore run share: the run template, host locks, the share mount, rsync.

    run() walks self.phases() in order, timing each; whatever happens (a gate refuses, fail_json's
    SystemExit, a crash, SIGTERM/SIGINT/SIGHUP) on_failure() records it, then cleanup() unmounts what
    the run mounted and releases the locks.
    """

    what = 'job'

    def __init__(self, module, read_only):
        self.module = module
        self.p = module.params
        self.check = module.check_mode
        self.backup_dir = default_backup_dir(self.p)
        self.share = ShareMount(module, self.p, read_only=read_only)
        self.timings = Phases()
        self.locks = []
        self.rsync_path = None
        self.result = dict(changed=False, timings=self.timings.seconds)

    # ------------------------------------------------------------------ the template

    def phases(self):
        """[(name, callable)] of the run, in order (subclasses)."""
        raise NotImplementedError

    def on_failure(self, message):
        """Record a failed run (subclasses; the default records nothing)."""

    def resolve_binaries(self):
        """Every program the run needs, found before anything is locked or mounted (fail_json otherwise)."""
        self.rsync_path = self.p['rsync_path'] or self.module.get_bin_path('rsync', required=True)
        self.share.mount_bin = self.module.get_bin_path('mount', required=True, opt_dirs=['/usr/bin', '/bin'])
        self.share.umount_bin = self.module.get_bin_path('umount', required=True, opt_dirs=['/usr/bin', '/bin'])

    def run(self):
        self.resolve_binaries()
        previous = install_stop_handlers()
        failure = problem = None
        try:
            try:
                for name, step in self.phases():
                    self.timed(name, step)
            except EndEarly as err:
                self.result.update(changed=True, msg=str(err))
            except JobFailed as err:
                failure = str(err)
                self.result.update(err.details)
                self.on_failure(failure)
            except BaseException as err:  # fail_json's SystemExit or a crash: record, clean up, re-raise
                self.on_failure(describe_exit(err))
                raise
        finally:
            ignore_stop_signals()
            problem = self.cleanup()
            restore_handlers(previous)
        if failure or problem:
            self.module.fail_json(msg='; '.join(m for m in (failure, problem) if m), **self.result)
        return self.result

    def timed(self, phase, func):
        self.timings.start(phase)
        try:
            return func()
        finally:
            self.timings.stop(phase)

    # ------------------------------------------------------------------ locks and cleanup

    def take_locks(self):
        """The backup_dir lock, then the mount point lock (none in check mode: a preview writes nothing)."""
        if self.check:
            return
        for path in (default_lock_file(self.p), mount_lock_file(self.p)):
            lock = HostLock(path, self.what)
            try:
                lock.acquire(self.p['lock_timeout'])
            except LockBusy as err:
                raise JobFailed('%s of %s not started: %s' % (self.what, self.backup_dir, err))
            self.locks.append(lock)

    def cleanup(self):
        """Unmount what the run mounted and release the locks; an unmount problem or None."""
        try:
            return self.timed('unmount', self.share.release)
        finally:
            while self.locks:
                self.locks.pop().release()

    def rsync_bin(self):
        return self.rsync_path or self.p['rsync_path'] or self.module.get_bin_path('rsync', required=True)

    # ------------------------------------------------------------------ rsync

    def rsync(self, argv, keep_log_at=None, progress=None):
        """Run rsync -> RsyncRun(rc, stderr, itemized counts and paths, --stats counters with changed/deleted).

        The itemized log streams to a local temp file and is parsed line by line (never all in memory);
        rsync inherits the lock descriptors (the lock lives as long as any writer) and gets SIGTERM when
        this process dies. progress(lines_so_far) is called every few seconds while rsync runs.
        """
        log_fd, log_path = tempfile.mkstemp(prefix='exalogic-rsync-', suffix='.log')
        err_fd, err_path = tempfile.mkstemp(prefix='exalogic-rsync-', suffix='.err')
        try:
            rc = self.wait_for(start_rsync(argv, log_fd, err_fd, [lock.fd for lock in self.locks]), log_path, progress)
            with open(log_path, 'rb') as log:
                items, stats = rsync.parse_log(line.decode('utf-8', 'replace').rstrip('\n') for line in log)
            if keep_log_at:
                self.keep_log(log_path, keep_log_at)
            with open(err_path, 'rb') as handle:
                stderr = handle.read(STDERR_CAP).decode('utf-8', 'replace')
        finally:
            for fd in (log_fd, err_fd):
                os.close(fd)
            for path in (log_path, err_path):
                os.unlink(path)
        stats.update(changed=items['changed'], deleted=items['deleted'])
        return RsyncRun(rc, stderr, items, stats)

    def wait_for(self, proc, log_path, progress):
        """rsync's exit code; polls (short sleeps first: most runs are quick) so that signals and progress work.

        progress(new_lines) gets the itemized lines rsync completed since the last call (a line still
        being written waits for the next one).
        """
        try:
            pending = b''
            pause, reported = 0.01, time.time()
            with open(log_path, 'rb') as log:
                while proc.poll() is None:
                    time.sleep(pause)
                    pause = min(pause * 2, 0.1)  # the end of rsync is noticed within 0.1 s
                    if progress is not None and time.time() - reported >= PROGRESS_INTERVAL:
                        done, _sep, pending = (pending + log.read()).rpartition(b'\n')
                        progress([line.decode('utf-8', 'replace') for line in done.split(b'\n')] if done else [])
                        reported = time.time()
            return proc.returncode
        except BaseException:  # interrupted: rsync must not write on after the run has ended
            stop_process(proc)
            raise

    def keep_log(self, log_path, keep_log_at):
        """Copy the itemized log to keep_log_at: a local path, or a callable taking the open log file (the
        share's copy goes through the confined layer)."""
        try:
            if callable(keep_log_at):
                with open(log_path, 'rb') as src:
                    keep_log_at(src)  # streamed: a first backup's log of millions of lines never sits in memory
                return
            with open(log_path, 'rb') as src:
                with open(keep_log_at, 'wb') as dst:
                    shutil.copyfileobj(src, dst)
        except (IOError, OSError) as write_error:  # the share may be gone: rsync's result matters more
            self.module.warn('could not keep the rsync log: %s' % (write_error,))


STDERR_CAP = 16 * 1024 * 1024
PROGRESS_INTERVAL = 2.0


def start_rsync(argv, log_fd, err_fd, keep_fds):
    """Popen of rsync in its own process group, holding the lock descriptors, dying with this process."""
    kwargs = dict(stdout=log_fd, stderr=err_fd, preexec_fn=rsync_child_setup)
    if sys.version_info[0] >= 3:
        kwargs.update(close_fds=True, pass_fds=tuple(keep_fds))
    else:  # Python 2 has no pass_fds; its descriptors are inherited by default
        kwargs.update(close_fds=False)
    return subprocess.Popen([fs_bytes(arg) for arg in argv], **kwargs)  # bytes: non-ASCII paths under LANG=C


def rsync_child_setup():
    os.setpgid(0, 0)  # rsync and the processes it forks: one group to stop together
    die_with_parent()


def stop_process(proc, grace=10):
    """SIGTERM to rsync's process group, SIGKILL after grace seconds; returns when all of it has ended."""
    deadline = time.time() + grace
    sent = None
    while (group_alive(proc.pid) or proc.poll() is None) and time.time() < deadline + grace:
        wanted = signal.SIGTERM if time.time() < deadline else signal.SIGKILL
        if wanted != sent:
            try:
                os.killpg(proc.pid, wanted)
            except OSError:
                pass
            sent = wanted
        proc.poll()
        time.sleep(0.05)


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except OSError:
        return False
    return True


def describe_exit(err):
    if isinstance(err, SystemExit):
        return 'the module stopped (exit %s) during the run' % (err.code,)
    return 'unexpected error: %s' % (err,)


PROGRESS_DIR = '/var/lib/exalogic-backup/progress'


def default_progress_file(backup_dir):
    return os.path.join(PROGRESS_DIR, '%s.json' % backup_dir)


class ProgressFile(object):
    """The host-side status of a running backup (CONTRACTS.md 2), rewritten atomically on each change.

    Read by rsync_backup_info-style tools or a shell while the task runs under async; never on the share.
    """

    def __init__(self, path, backup_dir):
        self.path = path
        self.state = dict(backup_dir=backup_dir, pid=os.getpid(), phase=None, started=None, updated=None,
                          files_done=0, bytes_done=0, files_total=None, bytes_total=None, status='running')
        self.started = False

    def update(self, **changes):
        now = format_utc(time.time())
        if not self.started:
            self.state['started'] = now
            self.started = True
        self.state.update(changes)
        self.state['updated'] = now
        try:
            directory = os.path.dirname(self.path)
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o700)
            fd, tmp = tempfile.mkstemp(prefix='.tmp-', dir=directory)
            with os.fdopen(fd, 'w') as handle:
                json.dump(self.state, handle, sort_keys=True)
            os.rename(tmp, self.path)
        except (IOError, OSError):
            pass  # progress is informative: never fail a backup over it

    def rsync_callback(self, size_of=None):
        """progress(new_lines) for ShareJob.rsync: itemized entries so far are the files done; the sizes
        (size_of(path)) of the files whose data rsync sent are the bytes done."""
        done = dict(files=0, bytes=0)

        def progress(new_lines):
            done['files'] += len(new_lines)
            if size_of is not None:
                done['bytes'] += sum(size_of(path) for path in map(rsync.transferred_file, new_lines) if path)
            self.update(phase='rsync', files_done=done['files'], bytes_done=done['bytes'])
        return progress


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
