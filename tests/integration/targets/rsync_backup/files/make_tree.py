"""Build a small fake server root with everything a backup must keep.

Usage: make_tree.py ROOT
Regular files, a hard-link pair, relative and absolute symlinks, a setuid binary, a file of a uid
with no passwd entry (4242:4243), a FIFO, a character device, a sparse file, a POSIX ACL, a file
capability, odd modes and old mtimes, plus etc/fstab naming only '/'.
"""
import os
import subprocess
import sys


def main(root):
    for directory in ('etc', 'data/sub/deeper', 'usr/bin', 'var/log', 'tmp', 'proc'):
        os.makedirs(os.path.join(root, directory), exist_ok=True)
    with open(os.path.join(root, 'etc/fstab'), 'w') as handle:
        handle.write('# test root\n/dev/mapper/ol-root / xfs defaults 0 0\n')
    with open(os.path.join(root, 'etc/hosts'), 'w') as handle:
        handle.write('127.0.0.1 localhost\n192.168.1.10 vs1\n')
    for number in range(1, 41):
        with open(os.path.join(root, 'data/f%d' % number), 'w') as handle:
            handle.write('file %d\n' % number * number)
    with open(os.path.join(root, 'data/sub/deeper/config'), 'w') as handle:
        handle.write('version=1\n')
    os.link(os.path.join(root, 'data/f1'), os.path.join(root, 'data/sub/hardlink-to-f1'))
    os.symlink('f2', os.path.join(root, 'data/rel-link'))
    os.symlink('/etc/hosts', os.path.join(root, 'data/abs-link'))
    os.symlink('missing-target', os.path.join(root, 'data/dangling'))
    binary = os.path.join(root, 'usr/bin/tool')
    with open(binary, 'w') as handle:
        handle.write('#!/bin/sh\necho tool\n')
    os.chmod(binary, 0o4755)
    ping = os.path.join(root, 'usr/bin/ping')
    with open(ping, 'w') as handle:
        handle.write('#!/bin/sh\necho ping\n')
    os.chmod(ping, 0o755)
    os.chown(os.path.join(root, 'data/f3'), 4242, 4243)
    os.chmod(os.path.join(root, 'data/f4'), 0o640)
    os.chmod(os.path.join(root, 'data/sub'), 0o2770)
    os.mkfifo(os.path.join(root, 'data/fifo'))
    os.mknod(os.path.join(root, 'data/null'), 0o20666, os.makedev(1, 3))
    with open(os.path.join(root, 'data/sparse'), 'wb') as handle:
        handle.seek(8 * 1024 * 1024)
        handle.write(b'end')
    with open(os.path.join(root, 'var/log/messages'), 'w') as handle:
        handle.write('boot\n')
    with open(os.path.join(root, 'tmp/scratch'), 'w') as handle:
        handle.write('excluded by the default excludes\n')
    with open(os.path.join(root, 'proc/junk'), 'w') as handle:
        handle.write('excluded by the default excludes\n')
    subprocess.check_call(['setfacl', '-m', 'u:1234:r', os.path.join(root, 'data/f5')])
    subprocess.check_call(['setcap', 'cap_net_raw=ep', ping])
    # user.* attributes (NFSv3 drops them; the side-car keeps them), one with a binary value
    os.setxattr(os.path.join(root, 'data/f4'), 'user.checksum', b'\x00\x01\xff')
    os.setxattr(os.path.join(root, 'data/f4'), 'user.origin', b'make_tree')
    os.utime(os.path.join(root, 'data/f6'), (1000000000, 1000000000))


if __name__ == '__main__':
    main(sys.argv[1])
