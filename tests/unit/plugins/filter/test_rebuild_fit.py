# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rebuild_fit: the backed-up filesystems against the new host's, before anything is restored."""
from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.exalogic.backup.plugins.filter.rebuild_fit import rebuild_fit

GIB = 1 << 30


def fs(mount_point, size=None, used=None, fstype='ext4', kind='local', **extra):
    return dict(mount_point=mount_point, size=size, used=used, fstype=fstype, kind=kind, **extra)


OLD = {'filesystems': [fs('/', 20 * GIB, 3 * GIB), fs('/var', 8 * GIB, 2 * GIB), fs('/u01', 50 * GIB, 15 * GIB),
                       fs('/u01/common', fstype='nfs', kind='network'), fs('/dev/shm', fstype='tmpfs', kind='memory'),
                       fs('/boot', 1 * GIB, GIB // 4)]}


def test_old_filesystems_land_on_the_new_filesystem_that_holds_them():
    new = {'filesystems': [fs('/', 8 * GIB, GIB), fs('/mnt/sysimage', 20 * GIB, 0), fs('/mnt/sysimage/u01', 10 * GIB, 0),
                           fs('/mnt/sysimage/boot', 1 * GIB, 0)]}
    rows = rebuild_fit(OLD, new, root='/mnt/sysimage')
    assert [(r['mount_point'], r['sources'], r['needed'], r['fits']) for r in rows] == [
        ('/mnt/sysimage', ['/', '/var'], 5 * GIB, True),
        ('/mnt/sysimage/boot', ['/boot'], GIB // 4, True),
        ('/mnt/sysimage/u01', ['/u01'], 15 * GIB, False)]
    assert rows[2]['problem'] == '/u01 (15.0 GiB used on the old host) does not fit /mnt/sysimage/u01 (10.0 GiB, 9.5 GiB usable)'


def test_headroom_decides_at_the_edge():
    old = {'filesystems': [fs('/', 10 * GIB, int(9.6 * GIB))]}
    new = {'filesystems': [fs('/', 10 * GIB, 1)]}
    assert rebuild_fit(old, new)[0]['fits'] is False
    assert rebuild_fit(old, new, headroom=0)[0]['fits'] is True


def test_unknown_usage_is_not_a_pass_and_hidden_mounts_are_ignored():
    old = {'filesystems': [fs('/', 10 * GIB, None), fs('/data', 10 * GIB, 50 * GIB, overmounted=True)]}
    rows = rebuild_fit(old, {'filesystems': [fs('/', 10 * GIB, 0)]})
    assert [(r['sources'], r['fits'], r['problem']) for r in rows] == [(['/'], None, None)]


@pytest.mark.parametrize('old, new, message', [
    ({}, {'filesystems': []}, "the backup's layout has no filesystems section"),
    (OLD, {'devices': []}, "the new host's layout has no filesystems section"),
    (OLD, {'filesystems': [fs('/other', GIB, 0)]}, 'nothing on the new host holds /mnt/x'),
])
def test_missing_input_is_named(old, new, message):
    with pytest.raises(AnsibleFilterError, match=message):
        rebuild_fit(old, new, root='/mnt/x')
