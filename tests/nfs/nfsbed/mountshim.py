"""The test bed's /sbin/mount.nfs: mount(8) calls it as `mount.nfs SPEC DIR [-o OPTS] [-r|-w|-v|-s|-n|-f]`.

It starts the FUSE client (nfsbed.nfsfuse) in the background, records its PID in the state
directory, and returns only once DIR is a fuse.nfs mount (mount(8) waits for us), or with rc 32
and the client's error when the mount fails, as the real mount.nfs does.
"""

import os
import subprocess
import sys
import time

MOUNT_FAILURE = 32
MOUNT_WAIT = 30


def parse_args(argv):
    """['h:/e', '/mnt', '-o', 'vers=3', '-r'] -> ('h', '/e', '/mnt', 'vers=3,ro')."""
    if len(argv) < 2 or ':' not in argv[0]:
        raise ValueError('usage: mount.nfs HOST:/EXPORT DIR [-o OPTIONS]')
    spec, directory, rest = argv[0], argv[1], list(argv[2:])
    options = []
    while rest:
        arg = rest.pop(0)
        if arg == '-o' and rest:
            options.extend(o for o in rest.pop(0).split(',') if o)
        elif arg == '-r':
            options.append('ro')
        elif arg == '-w':
            options.append('rw')
    host, export = spec.split(':', 1)
    return host, export, directory, ','.join(options)


def unescape_mountinfo(field):
    """mountinfo writes space, tab, newline and backslash as \\ooo octal escapes."""
    out, i = [], 0
    while i < len(field):
        if field[i] == '\\' and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return ''.join(out)


def mounts(mountinfo='/proc/self/mountinfo'):
    """[(mount point, fstype, source)] of this mount namespace, in mount order."""
    found = []
    with open(mountinfo, encoding='utf-8', errors='surrogateescape') as handle:
        for line in handle:
            left, _sep, right = line.partition(' - ')
            fields, tail = left.split(), right.split()
            found.append((unescape_mountinfo(fields[4]), tail[0], unescape_mountinfo(tail[1])))
    return found


def fuse_nfs_mounts(mountinfo='/proc/self/mountinfo'):
    return [m for m in mounts(mountinfo) if m[1] == 'fuse.nfs']


def main(argv=None, state_dir=None, python=None):
    argv = sys.argv[1:] if argv is None else argv
    state_dir = state_dir or os.environ['NFSBED_STATE']
    try:
        host, export, directory, options = parse_args(argv)
    except ValueError as err:
        sys.stderr.write('mount.nfs: %s\n' % err)
        return MOUNT_FAILURE
    directory = os.path.realpath(directory)
    clients = os.path.join(state_dir, 'clients')
    os.makedirs(clients, exist_ok=True)
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=package_parent)
    log_path = os.path.join(clients, 'client-%d-%d.log' % (os.getpid(), time.monotonic_ns()))
    with open(log_path, 'wb') as log:
        client = [python or sys.executable, '-m', 'nfsbed.nfsfuse', host, export, directory, '-o', options]
        proc = subprocess.Popen(client, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                                env=env, cwd='/')
    with open(os.path.join(clients, '%d.pid' % proc.pid), 'w', encoding='utf-8') as handle:
        handle.write('%d %s %s\n' % (proc.pid, directory, argv[0]))
    deadline = time.monotonic() + MOUNT_WAIT
    while not any(m[0] == directory for m in fuse_nfs_mounts()):
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                proc.kill()
            with open(log_path, encoding='utf-8', errors='replace') as handle:
                message = handle.read().strip().replace('nfsfuse: ', '') or 'mount timed out'
            sys.stderr.write('mount.nfs: %s\n' % message)
            return MOUNT_FAILURE
        time.sleep(0.02)
    return 0


if __name__ == '__main__':
    sys.exit(main())
