"""Run a command in a private mount namespace where `mount -t nfs` mounts through the FUSE client.

    result = run_in_mount_namespace(['rsync', '-aH', 'src/', '/mnt/x/'], timeout=120)
    result.returncode, result.stdout, result.stderr, result.clients, result.client_logs

Inside (`unshare -m --propagation private`), a generated mount.nfs wrapper is bind-mounted over
/usr/sbin/mount.nfs, so the command's own `mount -t nfs -o vers=3,... HOST:/EXPORT DIR` and `umount DIR`
run unchanged. The command also gets EXALOGIC_BACKUP_NFS_TEST_BED=1, which tells the backup module to
accept a fuse.nfs mount as NFS. When the command ends, the namespace's init (this module, a child
subreaper) unmounts every fuse.nfs mount the command left behind and waits for the FUSE clients to
exit, killing any that do not; the caller then checks every client PID once more. A timeout kills
the whole process group. Nothing mounted inside is ever visible on the host.
"""

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from nfsbed.mountshim import fuse_nfs_mounts

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MOUNT_HELPER = '/usr/sbin/mount.nfs'
TEST_BED_ENV = 'EXALOGIC_BACKUP_NFS_TEST_BED'
PR_SET_CHILD_SUBREAPER = 36


class NamespaceResult(subprocess.CompletedProcess):
    """CompletedProcess plus what the namespace init saw: clients started, mounts it cleaned up."""

    def __init__(self, args, returncode, stdout, stderr, report):
        super().__init__(args, returncode, stdout, stderr)
        self.report = report
        self.clients = report.get('clients', [])
        self.left_mounted = report.get('left_mounted', [])
        self.killed = report.get('killed', [])
        self.client_logs = report.get('client_logs', [])


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    try:
        with open('/proc/%d/stat' % pid, encoding='utf-8') as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def client_pids(state_dir):
    folder = os.path.join(state_dir, 'clients')
    if not os.path.isdir(folder):
        return []
    return sorted(int(name[:-4]) for name in os.listdir(folder) if name.endswith('.pid'))


def client_logs(state_dir):
    """The FUSE clients' output (errors of failed mounts, libnfs messages), in start order."""
    folder = os.path.join(state_dir, 'clients')
    logs = []
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
        if name.endswith('.log'):
            with open(os.path.join(folder, name), encoding='utf-8', errors='replace') as handle:
                logs.append(handle.read())
    return logs


def write_mount_helper(state_dir, python=None):
    """The wrapper that stands in for /usr/sbin/mount.nfs: absolute paths, no dependence on PATH."""
    path = os.path.join(state_dir, 'mount.nfs')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('#!/bin/sh\n# test-only mount.nfs: mounts NFSv3 through the nfsbed FUSE client\n'
                     'NFSBED_STATE=%s PYTHONPATH=%s exec %s -m nfsbed.mountshim "$@"\n'
                     % (shlex.quote(state_dir), shlex.quote(PACKAGE_PARENT), shlex.quote(python or sys.executable)))
    os.chmod(path, 0o755)
    return path


def run_in_mount_namespace(argv, env=None, timeout=None, cwd=None, input=None, state_dir=None, python=None):  # pylint: disable=redefined-builtin
    """Run argv in a private mount namespace with the NFS shim; returns a NamespaceResult (text output)."""
    own_state = state_dir is None
    state_dir = state_dir or tempfile.mkdtemp(prefix='nfsbed-ns-')
    os.makedirs(state_dir, exist_ok=True)
    helper = write_mount_helper(state_dir, python)
    child_env = dict(os.environ if env is None else env)
    child_env[TEST_BED_ENV] = '1'
    # mount(8)/umount(8) keep userspace mount options in /run/mount/utab, creating that directory on the
    # host (/run is shared); keep it in the state directory instead
    child_env['LIBMOUNT_UTAB'] = os.path.join(state_dir, 'utab')
    with open(os.path.join(state_dir, 'env.json'), 'w', encoding='utf-8') as handle:
        json.dump(child_env, handle)
    init = [python or sys.executable, '-c',
            'import sys; sys.path.insert(0, %r); from nfsbed.namespace import init_main; sys.exit(init_main())'
            % PACKAGE_PARENT]
    cmd = ['unshare', '-m', '--propagation', 'private', '--'] + init + [state_dir, helper, '--'] + list(argv)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,  # pylint: disable=consider-using-with
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        stderr += '\nnfsbed: timed out after %s s; killed the namespace\n' % timeout
    finally:
        outer_killed = kill_leftover_clients(state_dir)
    report = {}
    try:
        with open(os.path.join(state_dir, 'report.json'), encoding='utf-8') as handle:
            report = json.load(handle)
    except (OSError, ValueError):
        pass  # the init was killed (timeout): what it would have reported is rebuilt here
    report.setdefault('clients', client_pids(state_dir))
    report['killed'] = sorted(set(report.get('killed', []) + outer_killed))
    report['client_logs'] = client_logs(state_dir)
    if own_state:
        shutil.rmtree(state_dir, ignore_errors=True)
    return NamespaceResult(argv, proc.returncode, stdout, stderr, report)


def kill_leftover_clients(state_dir, wait=5):
    """SIGKILL (by PID) every recorded FUSE client still running; returns those PIDs."""
    alive = [pid for pid in client_pids(state_dir) if pid_alive(pid)]
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + wait
    while any(pid_alive(p) for p in alive) and time.monotonic() < deadline:
        time.sleep(0.02)
    return alive


# ---- inside the namespace

def _set_subreaper():
    import ctypes  # pylint: disable=import-outside-toplevel
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _reap(deadline):
    """Wait for every child (orphaned FUSE clients included) until none is left or the deadline."""
    while time.monotonic() < deadline:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return True
        if pid == 0:
            time.sleep(0.02)
    return False


def cleanup_namespace(state_dir, wait=10):
    """Unmount what the command left mounted, let the clients exit, kill the rest; returns a report."""
    left = [m[0] for m in fuse_nfs_mounts()]
    for mount_point in reversed(left):
        if subprocess.call(['umount', mount_point], stderr=subprocess.DEVNULL) != 0:
            subprocess.call(['umount', '-l', mount_point])
    if not _reap(time.monotonic() + wait):
        kill_leftover_clients(state_dir, wait=0)
        _reap(time.monotonic() + wait)
    clients = client_pids(state_dir)
    return {'clients': clients, 'left_mounted': left, 'killed': [p for p in clients if pid_alive(p)]}


def init_main(argv=None):
    """`init STATE HELPER -- CMD...`: the namespace's first process."""
    argv = sys.argv[1:] if argv is None else argv
    state_dir, helper, command = argv[0], argv[1], argv[3:]
    _set_subreaper()
    subprocess.check_call(['mount', '-n', '--bind', helper, os.path.realpath(MOUNT_HELPER)])
    with open(os.path.join(state_dir, 'env.json'), encoding='utf-8') as handle:
        env = json.load(handle)
    os.environ['LIBMOUNT_UTAB'] = env['LIBMOUNT_UTAB']  # for the clean-up umounts too
    try:
        child = subprocess.Popen(command, env=env)  # pylint: disable=consider-using-with
    except OSError as err:
        sys.stderr.write('nfsbed: cannot run %s: %s\n' % (command[0], err))
        child = None
    if child is not None:
        def forward(signum, _frame):
            child.send_signal(signum)
        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
    returncode = child.wait() if child is not None else 127
    report = cleanup_namespace(state_dir)
    report['returncode'] = returncode
    with open(os.path.join(state_dir, 'report.json'), 'w', encoding='utf-8') as handle:
        json.dump(report, handle)
    return returncode if returncode >= 0 else 128 - returncode
