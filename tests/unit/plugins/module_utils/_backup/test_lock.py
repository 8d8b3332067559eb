# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
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
