"""The NFS test bed through a real `mount -t nfs` in a private mount namespace, with plain rsync.

Each scenario mounts a simulator share exported by ganesha, copies a source tree with
`rsync -aH --numeric-ids` and checks the result on the server's disk (the share directory).
"""

import os
import pwd
import stat
import subprocess
import threading
import time

import pytest

from nfsbed.bed import ROOT_ACCESS, ROOT_SQUASHED, NfsBed, remove_appliance_data, start_appliance
from nfsbed.leftovers import bed_processes
from nfsbed.mountshim import fuse_nfs_mounts
from nfsbed.namespace import pid_alive
from nfsbed.server import NfsServerError

MOUNT_OPTS = 'vers=3,tcp,hard,nolock'
UNKNOWN_UID = 4242  # no passwd entry: must survive as a number


def make_tree(root):
    """Owners 0, 1000 and a uid without a name; a hard link pair, setuid, symlink, FIFO, device."""
    root.mkdir()
    (root / 'etc').mkdir()
    (root / 'etc' / 'hosts').write_text('127.0.0.1 localhost\n')
    (root / 'home').mkdir()
    (root / 'home' / 'user.txt').write_text('user file\n')
    os.chown(root / 'home' / 'user.txt', 1000, 1000)
    (root / 'home' / 'nameless.txt').write_text('nobody knows\n')
    os.chown(root / 'home' / 'nameless.txt', UNKNOWN_UID, UNKNOWN_UID)
    (root / 'home' / 'secret').write_text('0600\n')
    os.chmod(root / 'home' / 'secret', 0o600)
    (root / 'data.bin').write_bytes(os.urandom(300000))
    os.link(root / 'data.bin', root / 'data.link')
    (root / 'su').write_text('#!/bin/sh\n')
    os.chmod(root / 'su', 0o4755)
    os.symlink('etc/hosts', root / 'hosts.link')
    os.mkfifo(root / 'fifo')
    os.mknod(root / 'null', 0o644 | stat.S_IFCHR, os.makedev(1, 3))
    return root


def mount_and(bed, share, mount_point, command, opts=MOUNT_OPTS, **kwargs):
    """sh script: mount the share, run `command`, keep its rc, unmount."""
    os.makedirs(mount_point, exist_ok=True)
    script = ('mount -t nfs -o %s %s %s || exit 99\n%s\nrc=$?\numount %s || exit 98\nexit $rc\n'
              % (opts, bed.spec(share), mount_point, command, mount_point))
    return bed.run(['sh', '-c', script], **kwargs)


def test_rsync_keeps_numeric_owners_hard_links_setuid_and_special_files(nfs_bed, tmp_path):
    src = make_tree(tmp_path / 'src')
    nfs_bed.share('rootok')
    mnt = tmp_path / 'mnt'
    result = mount_and(nfs_bed, 'rootok', mnt, 'rsync -aH --numeric-ids %s/ %s/tree/' % (src, mnt))
    assert result.returncode == 0, result.stderr
    with pytest.raises(KeyError):
        pwd.getpwuid(UNKNOWN_UID)
    tree = os.path.join(nfs_bed.path('rootok'), 'tree')
    st = {name: os.lstat(os.path.join(tree, name)) for name in
          ('home/user.txt', 'home/nameless.txt', 'etc/hosts', 'data.bin', 'data.link', 'su', 'hosts.link', 'fifo', 'null',
           'home/secret')}
    assert (st['home/user.txt'].st_uid, st['home/user.txt'].st_gid) == (1000, 1000)
    assert (st['home/nameless.txt'].st_uid, st['home/nameless.txt'].st_gid) == (UNKNOWN_UID, UNKNOWN_UID)
    assert st['etc/hosts'].st_uid == 0
    assert st['data.bin'].st_ino == st['data.link'].st_ino and st['data.bin'].st_nlink == 2
    assert stat.S_IMODE(st['su'].st_mode) == 0o4755
    assert stat.S_IMODE(st['home/secret'].st_mode) == 0o600
    assert os.readlink(os.path.join(tree, 'hosts.link')) == 'etc/hosts'
    assert stat.S_ISFIFO(st['fifo'].st_mode)
    assert stat.S_ISCHR(st['null'].st_mode) and st['null'].st_rdev == os.makedev(1, 3)
    with open(os.path.join(tree, 'data.bin'), 'rb') as copied:
        assert copied.read() == (src / 'data.bin').read_bytes()


def test_unchanged_rerun_transfers_nothing_and_keeps_hard_links(nfs_bed, tmp_path):
    src = make_tree(tmp_path / 'src')
    nfs_bed.share('rerun')
    mnt = tmp_path / 'mnt'
    rsync = 'rsync -aH --numeric-ids -i %s/ %s/tree/' % (src, mnt)
    first = mount_and(nfs_bed, 'rerun', mnt, rsync)
    second = mount_and(nfs_bed, 'rerun', mnt, rsync)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    # symlink times cannot be set through ganesha's VFS backend, so only symlinks may be itemized again
    changed = [line for line in second.stdout.splitlines() if not line.startswith('.L')]
    assert changed == []
    tree = os.path.join(nfs_bed.path('rerun'), 'tree')
    assert os.lstat(os.path.join(tree, 'data.bin')).st_nlink == 2
    assert not [n for n in os.listdir(tree) if n.startswith('.')]


def test_xattrs_are_not_supported_rsync_exits_23(nfs_bed, tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    (src / 'tagged').write_text('x\n')
    os.setxattr(src / 'tagged', 'user.demo', b'value')
    nfs_bed.share('xattr')
    mnt = tmp_path / 'mnt'
    result = mount_and(nfs_bed, 'xattr', mnt, 'rsync -aHX --numeric-ids %s/ %s/' % (src, mnt))
    assert result.returncode == 23
    assert 'Operation not supported' in result.stderr
    assert os.path.exists(os.path.join(nfs_bed.path('xattr'), 'tagged'))


def test_share_without_root_access_squashes_root(nfs_bed, tmp_path):
    src = make_tree(tmp_path / 'src')
    nfs_bed.share('squashed', sharenfs=ROOT_SQUASHED, root_user='nobody', root_group='nogroup', root_permissions='755')
    mnt = tmp_path / 'mnt'
    result = mount_and(nfs_bed, 'squashed', mnt, 'rsync -aH --numeric-ids %s/ %s/' % (src, mnt))
    assert result.returncode == 23
    assert 'Operation not permitted' in result.stderr
    user_file = os.lstat(os.path.join(nfs_bed.path('squashed'), 'home', 'user.txt'))
    assert (user_file.st_uid, user_file.st_gid) == (65534, 65534)


def test_root_access_granted_later_takes_effect_after_sync(nfs_bed, tmp_path):
    nfs_bed.share('later', sharenfs=ROOT_SQUASHED, root_user='nobody', root_group='nogroup')
    mnt = tmp_path / 'mnt'
    script = 'touch %s/f && chown 1000:1000 %s/f' % (mnt, mnt)
    assert mount_and(nfs_bed, 'later', mnt, script).returncode == 1
    nfs_bed.modify_share('later', sharenfs='sec=sys,rw=@127.0.0.0/8,root=@127.0.0.1/32')
    assert mount_and(nfs_bed, 'later', mnt, script).returncode == 0
    assert os.stat(os.path.join(nfs_bed.path('later'), 'f')).st_uid == 1000


def test_client_without_access_cannot_mount(nfs_bed, tmp_path):
    nfs_bed.share('elsewhere', sharenfs='sec=sys,rw=@10.1.0.0/16,root=@10.1.0.5/32')
    mnt = tmp_path / 'mnt'
    mnt.mkdir()
    result = nfs_bed.run(['mount', '-t', 'nfs', '-o', MOUNT_OPTS, nfs_bed.spec('elsewhere'), str(mnt)])
    assert result.returncode == 32
    assert 'Permission denied' in result.stderr


def test_read_only_share_refuses_writes(nfs_bed, tmp_path):
    nfs_bed.share('readonly', sharenfs='sec=sys,ro=@127.0.0.1/32')
    mnt = tmp_path / 'mnt'
    result = mount_and(nfs_bed, 'readonly', mnt, 'touch %s/f' % mnt)
    assert result.returncode == 1
    assert 'Read-only file system' in result.stderr


def test_server_stopped_mid_copy_fails_rsync_on_a_soft_mount(nfs_bed, tmp_path):
    """A soft mount (timeo=10, retrans=1) gives up after ~2 s; a hard one would wait for ever."""
    src = tmp_path / 'src'
    src.mkdir()
    for number in range(1500):
        (src / ('f%04d' % number)).write_text('x' * 100)
    nfs_bed.share('flaky')
    share_dir = nfs_bed.path('flaky')
    mnt = tmp_path / 'mnt'
    outcome = {}

    def copy():
        outcome['result'] = mount_and(nfs_bed, 'flaky', mnt, 'rsync -aH --numeric-ids %s/ %s/' % (src, mnt),
                                      opts='vers=3,tcp,soft,timeo=10,retrans=1,nolock', timeout=90)
    worker = threading.Thread(target=copy)
    worker.start()
    deadline = time.monotonic() + 60
    while len(os.listdir(share_dir)) < 20 and time.monotonic() < deadline and worker.is_alive():
        time.sleep(0.05)
    nfs_bed.server.stop_ganesha()
    worker.join(100)
    result = outcome['result']
    assert result.returncode not in (0, 99), result.stderr
    assert 'timed out' not in result.stderr
    assert len(os.listdir(share_dir)) < 1500


def test_nothing_stays_mounted_or_running(nfs_bed, tmp_path):
    """A command that fails with its mount still in place: the namespace cleans up after it."""
    nfs_bed.share('left')
    mnt = tmp_path / 'mnt'
    mnt.mkdir()
    result = nfs_bed.run(['sh', '-c', 'mount -t nfs -o %s %s %s && ls %s && exit 3' % (MOUNT_OPTS, nfs_bed.spec('left'), mnt, mnt)])
    assert result.returncode == 3
    assert result.left_mounted == [str(mnt)]
    assert result.clients and result.killed == []
    assert not any(pid_alive(pid) for pid in result.clients)
    assert fuse_nfs_mounts() == []
    server = nfs_bed.server
    daemons = server.pids()
    assert len(daemons) == 2
    assert sorted(bed_pids(server.work_dir)) == sorted(daemons)
    server.stop()
    assert not any(pid_alive(pid) for pid in daemons)
    assert bed_processes(server.work_dir) == []
    server.start()


def bed_pids(under=None):
    return [pid for pid, _argv in bed_processes(under)]


def test_leftover_check_of_a_run_ignores_another_runs_bed(tmp_path):
    # another test run's rpcbind (a sleep named rpcbind, marked with that run's directory)
    other = subprocess.Popen(['bash', '-c', 'exec -a rpcbind sleep 60'],
                             env=dict(os.environ, NFSBED_WORK='/tmp/some-other-run'))
    try:
        deadline = time.monotonic() + 5
        while other.pid not in bed_pids() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert other.pid in bed_pids()
        assert other.pid in bed_pids('/tmp/some-other-run')
        assert other.pid not in bed_pids(str(tmp_path))
    finally:
        other.kill()
        other.wait()


def test_mount_shows_fuse_nfs_source_and_supports_rename_truncate(nfs_bed, tmp_path):
    nfs_bed.share('ops')
    mnt = tmp_path / 'mnt'
    script = ('findmnt -n -o FSTYPE,SOURCE %(m)s && df -P %(m)s >/dev/null && printf abcdef > %(m)s/f && truncate -s 3 %(m)s/f '
              '&& mv %(m)s/f %(m)s/g && cat %(m)s/g' % {'m': mnt})
    result = mount_and(nfs_bed, 'ops', mnt, script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ['fuse.nfs', nfs_bed.spec('ops'), 'abc']
    assert os.listdir(nfs_bed.path('ops')) == ['g']


def test_hard_mount_waiting_for_a_stopped_server_is_ended_by_the_timeout(nfs_bed, tmp_path):
    """A hard mount waits for the server for ever; the namespace timeout kills it all, clients too."""
    nfs_bed.share('gone')
    (tmp_path / 'mnt').mkdir()
    script = ('mount -t nfs -o %s %s %s || exit 99\ntouch %s/ready\nwhile [ -e %s/go ]; do :; done; sleep 1; stat %s/ready\n'
              % (MOUNT_OPTS, nfs_bed.spec('gone'), tmp_path / 'mnt', tmp_path / 'mnt', tmp_path / 'go', tmp_path / 'mnt'))
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(result=nfs_bed.run(['sh', '-c', script], timeout=4)))
    started = time.monotonic()
    worker.start()
    ready = os.path.join(nfs_bed.path('gone'), 'ready')
    while not os.path.exists(ready) and worker.is_alive():
        time.sleep(0.02)
    nfs_bed.server.stop_ganesha()
    worker.join(30)
    result = outcome['result']
    assert 'timed out after 4 s' in result.stderr
    assert time.monotonic() - started < 15
    assert result.clients and not any(pid_alive(pid) for pid in result.clients)
    assert fuse_nfs_mounts() == []


def test_a_second_simulators_shares_are_exported_beside_the_first(nfs_bed, tmp_path):
    """The demo's DR appliance: one server exports both simulators' shares; equal mountpoints are refused."""
    nfs_bed.share('vs01')
    peer_dir = tmp_path / 'peer'
    peer = start_appliance(str(peer_dir))
    try:
        dr = NfsBed(peer, nfs_bed.server, project_name='nfsbed-dr')
        dr.project(mountpoint='/export/dr')
        dr.storage('POST', '/pools/gold/projects/nfsbed-dr/filesystems', {'name': 'vs01', 'sharenfs': ROOT_ACCESS})
        with open(os.path.join(dr.path('vs01'), 'from-peer.txt'), 'w', encoding='utf-8') as handle:
            handle.write('peer copy\n')
        nfs_bed.server.sync_exports(nfs_bed.sim, peer)
        mnt = tmp_path / 'mnt'
        result = mount_and(dr, 'vs01', mnt, 'cat %s/from-peer.txt' % mnt)
        assert (result.returncode, result.stdout) == (0, 'peer copy\n'), result.stderr
        assert dr.spec('vs01') != nfs_bed.spec('vs01')  # both served, each under its own mountpoint

        primary_mountpoint = nfs_bed.spec('vs01').split(':', 1)[1]
        dr.storage('POST', '/pools/gold/projects', {'name': 'same'})
        dr.storage('POST', '/pools/gold/projects/same/filesystems', {'name': 'vs01', 'mountpoint': primary_mountpoint})
        with pytest.raises(NfsServerError, match='mountpoint %s' % primary_mountpoint):
            nfs_bed.server.sync_exports(nfs_bed.sim, peer)
    finally:
        peer.stop()
        remove_appliance_data(str(peer_dir))
        nfs_bed.sync()
