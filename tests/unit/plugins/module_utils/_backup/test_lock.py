# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import signal

import pytest
from ansible_collections.exalogic.backup.plugins.module_utils._backup.lock import HostLock, LockBusy


def test_lock_second_holder_fails_fast_with_the_holder(tmp_path):
    path = str(tmp_path / 'locks' / 'vs1.lock')
    first = HostLock(path, 'backup').acquire()
    waits = []
    clock = iter(range(100)).__next__
    with pytest.raises(LockBusy) as err:
        HostLock(path, 'restore', sleep=waits.append, clock=lambda: float(clock())).acquire(timeout=3)
    assert 'another backup holds the lock' in str(err.value) and 'pid %d' % os.getpid() in str(err.value)
    assert waits  # it waited for lock_timeout before giving up
    first.release()
    HostLock(path, 'restore').acquire().release()


def test_lock_never_follows_or_truncates_a_planted_symlink(tmp_path):
    """security.md M7: a symlink planted in a world-writable lock directory."""
    victim = tmp_path / 'victim'
    victim.write_text('precious\n')
    lock_path = tmp_path / 'exalogic-backup-vs1.lock'
    os.symlink(str(victim), str(lock_path))
    with pytest.raises(LockBusy, match='is a symlink'):
        HostLock(str(lock_path), 'backup').acquire()
    assert victim.read_text() == 'precious\n'


def test_lock_refuses_a_file_prepared_by_another_user(tmp_path):
    lock_path = tmp_path / 'exalogic-backup-vs1.lock'
    lock_path.write_text('')
    os.chown(str(lock_path), 65534, 65534)
    with pytest.raises(LockBusy, match='not a regular file owned by this user'):
        HostLock(str(lock_path), 'backup').acquire()


def test_the_holder_message_reads_the_checked_file_not_what_the_name_became(tmp_path):
    """security.md M7: in a directory a user can write, the lock name may be swapped (for a FIFO) while a
    second run waits; naming the holder must not open that name again (a FIFO would hang the run)."""
    lock_path = str(tmp_path / 'vs1.lock')
    first = HostLock(lock_path, 'backup').acquire()

    def swap(_seconds):
        os.rename(lock_path, lock_path + '.old')
        os.mkfifo(lock_path)

    def hung(*_args):
        raise AssertionError('naming the holder opened the swapped-in FIFO and hung')
    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        with pytest.raises(LockBusy) as err:
            HostLock(lock_path, 'restore', sleep=swap, clock=iter([0.0, 0.5, 2.0, 3.0]).__next__).acquire(timeout=1)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert 'another backup holds the lock' in str(err.value) and 'pid %d' % os.getpid() in str(err.value)
    first.release()
