# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""One backup or restore at a time per host: an flock(2) lock on a local file.

The kernel drops the lock when its holder dies (killed run, reboot), so a lock can never go stale;
the file only keeps the holder's pid, command and start time for the message a second run shows.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import fcntl
import json
import os
import stat
import time

from ansible_collections.exalogic.backup.plugins.module_utils._backup.manifest import utc_now


class LockBusy(Exception):
    pass


def open_lock_file(path):
    """fd of the lock file, never through a symlink and never a file a local user prepared.

    Lock directories can be world-writable (/run/lock is 1777 on Debian): a planted symlink would
    make root write (and truncate) its target, a planted file would let a user hold the lock.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, 'O_CLOEXEC', 0) | os.O_NONBLOCK,
                     0o644)
    except OSError as err:
        # ELOOP; EACCES when the symlink belongs to another user in a sticky directory (O_CREAT there)
        if err.errno == errno.ELOOP or _is_symlink(path):
            raise LockBusy('the lock file %s is a symlink (planted by someone else?): remove it, or set lock_file '
                           'to a path in a directory only root can write' % path)
        raise LockBusy('cannot open the lock file %s: %s; set lock_file to a path in a directory only root can '
                       'write' % (path, err.strerror))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_nlink != 1:
        os.close(fd)
        raise LockBusy('the lock file %s is not a regular file owned by this user with one link (prepared by '
                       'someone else?): remove it, or set lock_file to a path in a directory only root can write'
                       % path)
    return fd


def _is_symlink(path):
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


class HostLock(object):
    def __init__(self, path, what, sleep=time.sleep, clock=time.time):
        self.path = path
        self.what = what
        self.sleep = sleep
        self.clock = clock
        self.fd = None

    def acquire(self, timeout=0):
        """Take the lock, waiting up to timeout seconds; LockBusy names the holder when it stays taken."""
        directory = os.path.dirname(self.path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory)
        self.fd = open_lock_file(self.path)
        deadline = self.clock() + max(timeout, 0)
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except (IOError, OSError) as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if self.clock() >= deadline:
                    holder = self.holder()
                    os.close(self.fd)
                    self.fd = None
                    raise LockBusy('another %s holds the lock %s (pid %s, started %s)%s' % (
                        holder.get('what', 'run'), self.path, holder.get('pid', '?'), holder.get('started', '?'),
                        '; waited %d s (lock_timeout)' % timeout if timeout else
                        '; set lock_timeout to wait for it'))
                self.sleep(min(1.0, max(deadline - self.clock(), 0.05)))
        os.ftruncate(self.fd, 0)
        os.write(self.fd, json.dumps({'pid': os.getpid(), 'what': self.what,
                                      'started': utc_now()}).encode('utf-8'))
        return self

    def holder(self):
        """What the holder wrote, read through the descriptor that was checked (the name may be replaced)."""
        try:
            os.lseek(self.fd, 0, os.SEEK_SET)
            return json.loads(os.read(self.fd, 4096).decode('utf-8'))
        except (IOError, OSError, ValueError):
            return {}

    def release(self):
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
