"""The FUSE client's and the mount.nfs shim's own logic: options, times, stat mapping, mount table."""

import pytest

from nfsbed.libnfs import NfsStat64
from nfsbed.mountshim import mounts, parse_args, unescape_mountinfo
from nfsbed.nfsfuse import UTIME_NOW, UTIME_OMIT, parse_options, resolve_times, stat_dict


def test_hard_mount_by_default_ignores_the_usual_options():
    assert parse_options('rw,vers=3,tcp,hard,nolock') == {'ro': False, 'timeout_ms': None, 'reconnect': True}


def test_soft_mount_times_out_after_timeo_times_tries():
    assert parse_options('soft,timeo=20,retrans=2') == {'ro': False, 'timeout_ms': 6000, 'reconnect': False}


def test_read_only_and_nfsv4_refused():
    assert parse_options('ro')['ro'] is True
    with pytest.raises(ValueError, match='version 3'):
        parse_options('vers=4.1')


def test_utimens_now_and_omit():
    now = 1700000000 * 10 ** 9 + 5
    current = (1000 * 10 ** 9 + 1, 2000 * 10 ** 9 + 2)
    assert resolve_times(None, current, now) == [(1700000000, 5), (1700000000, 5)]
    assert resolve_times((UTIME_OMIT, 3 * 10 ** 9 + 7), current, now) == [(1000, 1), (3, 7)]
    assert resolve_times((UTIME_NOW, UTIME_OMIT), current, now) == [(1700000000, 5), (2000, 2)]


def test_stat_dict_keeps_inode_owner_and_nanoseconds():
    st = NfsStat64(ino=77, mode=0o100644, nlink=2, uid=4242, gid=4243, size=9, mtime=10, mtime_nsec=11)
    result = stat_dict(st)
    assert (result['st_ino'], result['st_nlink'], result['st_uid'], result['st_gid']) == (77, 2, 4242, 4243)
    assert result['st_mtime'] == 10 * 10 ** 9 + 11


def test_shim_arguments_as_mount8_passes_them():
    assert parse_args(['127.0.0.1:/export/a', '/mnt/x', '-o', 'rw,vers=3,nolock']) == \
        ('127.0.0.1', '/export/a', '/mnt/x', 'rw,vers=3,nolock')
    assert parse_args(['h:/e', '/m', '-r', '-v'])[3] == 'ro'
    with pytest.raises(ValueError):
        parse_args(['/export/a', '/mnt'])


def test_mountinfo_parsing(tmp_path):
    info = tmp_path / 'mountinfo'
    info.write_text('22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n'
                    '90 22 0:50 / /tmp/a\\040b rw,nosuid - fuse.nfs 127.0.0.1:/export/x rw,user_id=0\n')
    assert mounts(str(info)) == [('/', 'ext4', '/dev/vda'), ('/tmp/a b', 'fuse.nfs', '127.0.0.1:/export/x')]
    assert unescape_mountinfo('a\\134b') == 'a\\b'
