# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import collections
import pytest
from ansible_collections.exalogic.backup.plugins.module_utils._layout.procfs import (
    filesystems_from_mounts, fstype_kind, parse_mountinfo, parse_proc_swaps, statvfs_usage)


# /proc/self/mountinfo of an OL7 vServer: LVM root, /boot partition, a bind mount, an NFS backup
# mount, a mount point with a space, an overmounted /mnt/data and kernel pseudo filesystems
MOUNTINFO = """\
18 41 0:17 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw
19 41 0:3 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw
20 41 0:5 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,size=3993412k,nr_inodes=998353,mode=755
41 1 252:0 / / rw,relatime shared:1 - xfs /dev/mapper/ol-root rw,attr2,inode64,noquota
42 41 8:1 / /boot rw,relatime shared:30 - xfs /dev/sda1 rw,attr2,inode64,noquota
43 41 0:36 / /run rw,nosuid,nodev shared:22 - tmpfs tmpfs rw,mode=755
44 41 252:0 /srv/exports /export rw,relatime shared:1 - xfs /dev/mapper/ol-root rw,attr2,inode64,noquota
45 41 0:44 / /mnt/backups rw,nosuid,nodev,relatime shared:40 - nfs 192.168.10.5:/export/backups/vs1 rw,vers=3,hard,proto=tcp
46 41 8:17 / /srv/my\\040data rw,relatime shared:41 - ext4 /dev/sdb1 rw,data=ordered
47 41 8:33 / /mnt/data rw,relatime shared:42 - ext4 /dev/sdc1 rw
48 47 8:34 / /mnt/data rw,relatime shared:43 - ext4 /dev/sdc2 rw
49 41 254:0 / /home rw,relatime - ext4 /dev/root rw
"""


PROC_SWAPS = """\
Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority
/dev/dm-1                               partition\t4190204\t\t1024\t\t-2
/swap\\040file                           file\t\t1048572\t\t0\t\t-3
"""


def test_mountinfo_fields_and_escapes():
    mounts = parse_mountinfo(MOUNTINFO)
    assert len(mounts) == 12
    root = mounts[3]
    assert (root['mount_point'], root['fstype'], root['source'], root['maj_min']) == ('/', 'xfs', '/dev/mapper/ol-root', '252:0')
    assert root['optional_fields'] == ['shared:1']
    assert mounts[8]['mount_point'] == '/srv/my data'
    assert mounts[6]['fs_root'] == '/srv/exports'


def test_filesystems_drop_pseudo_attach_ids_and_resolve_dev_root():
    ids = {'252:0': {'uuid': 'ROOT-UUID', 'fstype': 'xfs'}, '8:1': {'uuid': 'BOOT-UUID'}}
    by_path = {'/dev/sdb1': {'uuid': 'DATA-UUID', 'label': 'my data'}}
    paths = {'252:0': '/dev/mapper/ol-root', '8:1': '/dev/sda1', '8:17': '/dev/sdb1', '254:0': '/dev/vda1'}
    filesystems = filesystems_from_mounts(parse_mountinfo(MOUNTINFO), ids, by_path, paths)
    by_point = collections.OrderedDict((fs['mount_point'] + ('#%d' % i), fs) for i, fs in enumerate(filesystems))
    points = [fs['mount_point'] for fs in filesystems]
    assert points == ['/', '/boot', '/run', '/export', '/mnt/backups', '/srv/my data', '/mnt/data', '/mnt/data', '/home']
    assert by_point['/#0']['uuid'] == 'ROOT-UUID' and by_point['/#0']['kind'] == 'local'
    assert 'attr2' in by_point['/#0']['options'].split(',')
    assert by_point['/boot#1']['uuid'] == 'BOOT-UUID'
    assert by_point['/run#2']['kind'] == 'memory' and by_point['/run#2']['device'] is None
    assert by_point['/export#3']['fs_root'] == '/srv/exports'
    nfs = by_point['/mnt/backups#4']
    assert (nfs['kind'], nfs['device'], nfs['source']) == ('network', None, '192.168.10.5:/export/backups/vs1')
    assert by_point['/srv/my data#5']['label'] == 'my data'
    assert [fs['overmounted'] for fs in filesystems if fs['mount_point'] == '/mnt/data'] == [True, False]
    assert by_point['/home#8']['device'] == '/dev/vda1'  # "/dev/root" resolved through major:minor


@pytest.mark.parametrize('fstype, kind', [
    ('xfs', 'local'), ('btrfs', 'local'), ('fuseblk', 'local'), ('nfs', 'network'), ('nfs4', 'network'),
    ('fuse.sshfs', 'network'), ('fuse.gvfsd-fuse', 'fuse'), ('tmpfs', 'memory'), ('cgroup2', 'pseudo'),
])
def test_fstype_kind(fstype, kind):
    assert fstype_kind(fstype) == kind


def test_statvfs_usage_matches_df_arithmetic():
    Stat = collections.namedtuple('Stat', 'f_bsize f_frsize f_blocks f_bfree f_bavail f_files f_ffree')
    usage = statvfs_usage(Stat(4096, 4096, 1000, 400, 300, 50, 20))
    assert usage == {'size': 4096000, 'used': 600 * 4096, 'avail': 300 * 4096, 'inodes': 50, 'inodes_used': 30}


def test_proc_swaps_in_bytes_with_escaped_names():
    swaps = parse_proc_swaps(PROC_SWAPS)
    assert swaps[0] == {'device': '/dev/dm-1', 'type': 'partition', 'size': 4190204 * 1024, 'used': 1024 * 1024,
                        'priority': -2, 'uuid': None, 'label': None}
    assert swaps[1]['device'] == '/swap file'
