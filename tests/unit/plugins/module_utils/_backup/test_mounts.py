# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.module_utils._backup import mounts
from ansible_collections.exalogic.backup.plugins.module_utils._layout.procfs import parse_mountinfo


MOUNTINFO = """\
22 1 252:1 / / rw,relatime - xfs /dev/mapper/ol-root rw
23 22 0:21 / /proc rw - proc proc rw
24 22 252:2 / /boot rw - xfs /dev/sda1 rw
25 22 252:3 / /var rw - xfs /dev/mapper/ol-var rw
26 22 0:45 / /run rw - tmpfs tmpfs rw
27 22 0:50 / /mnt/backups rw - nfs 192.168.10.50:/export/backups/vs1 rw
28 22 252:1 /srv/share /mnt/bind rw - xfs /dev/mapper/ol-root rw
29 22 0:60 / /mnt/fuse rw - fuse.nfs 127.0.0.1:/export/x rw
30 22 252:4 / /srv/vs1/data rw - ext4 /dev/sdb1 rw
"""


TABLE = parse_mountinfo(MOUNTINFO)


def test_a_plain_directory_is_not_a_mount():
    problem = mounts.mount_problem('/mnt/other', '192.168.10.50:/export/backups/vs1', 'nfs', TABLE)
    assert problem == '/mnt/other is not a mount point: it is a directory on /dev/mapper/ol-root (xfs) on /'


def test_nfs_mount_of_the_right_export_passes_with_or_without_trailing_slash():
    assert mounts.mount_problem('/mnt/backups', '192.168.10.50:/export/backups/vs1/', 'nfs', TABLE) is None


def test_nfs_mount_of_another_export_names_both():
    problem = mounts.mount_problem('/mnt/backups', '192.168.10.50:/export/backups/vs2', 'nfs', TABLE)
    assert 'mounted from 192.168.10.50:/export/backups/vs1' in problem and 'not from 192.168.10.50:/export/backups/vs2' in problem


def test_bind_mount_is_recognised_by_the_directory_it_exposes():
    assert mounts.mount_problem('/mnt/bind', '/srv/share', 'none', TABLE) is None
    assert 'not from /srv/other' in mounts.mount_problem('/mnt/bind', '/srv/other', 'none', TABLE)


def test_fuse_nfs_counts_as_nfs_only_in_the_test_bed(monkeypatch):
    monkeypatch.delenv(mounts.TEST_BED_ENV, raising=False)
    problem = mounts.mount_problem('/mnt/fuse', '127.0.0.1:/export/x', 'nfs', TABLE)
    assert 'fuse.nfs mount, not nfs' in problem and mounts.TEST_BED_ENV in problem
    monkeypatch.setenv(mounts.TEST_BED_ENV, '1')
    assert mounts.mount_problem('/mnt/fuse', '127.0.0.1:/export/x', 'nfs', TABLE) is None


def test_local_mount_points_skip_network_memory_pseudo_and_the_share():
    assert mounts.local_mount_points(TABLE, '/', skip=['/mnt/backups']) == ['/', '/boot', '/var', '/mnt/bind',
                                                                            '/srv/vs1/data']
    assert mounts.local_mount_points(TABLE, '/srv/vs1') == ['/srv/vs1/data']


def test_mount_command_read_only_for_previews():
    assert mounts.mount_command('h:/e', '/mnt/b', 'nfs', 'vers=3,rw,hard', read_only=True) == \
        ['mount', '-t', 'nfs', '-o', 'vers=3,hard,ro', '--', 'h:/e', '/mnt/b']
    assert mounts.mount_command('/srv/x', '/mnt/b', 'none', 'bind') == ['mount', '-o', 'bind', '--', '/srv/x', '/mnt/b']
