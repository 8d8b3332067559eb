"""rsync_backup and rsync_restore, the real modules run by `ansible`, through a real NFSv3 mount.

Each vServer is a fake server root built by the rsync_backup integration target's make_tree.py
(hard links, symlinks, setuid, uid 4242 without a passwd entry, FIFO, device, sparse file, an ACL and a
file capability) backed up onto its own simulator share, exported by ganesha. The modules mount the
share themselves (`mount -t nfs -o vers=3,... 127.0.0.1:/export/...`) inside the bed's private mount
namespace, where mount.nfs is the bed's FUSE client; trees are checked on the server's disk with the
target's independent compare_trees.py.
"""

import json
import os
import pwd
import stat
import subprocess
import sys
import threading
import time

import pytest

from nfsbed.ansible_run import CHECKOUT, collections_path, run_ansible_module
from nfsbed.bed import ROOT_SQUASHED

TARGET_FILES = os.path.join(CHECKOUT, 'tests', 'integration', 'targets', 'rsync_backup', 'files')
MAKE_TREE = os.path.join(TARGET_FILES, 'make_tree.py')
COMPARE_TREES = os.path.join(TARGET_FILES, 'compare_trees.py')
EXCLUDED = ('tmp/scratch', 'proc/junk')  # contents of /tmp and /proc: default excludes
SOFT_MOUNT = 'vers=3,proto=tcp,soft,timeo=10,retrans=1,nolock'
# ganesha's VFS backend ignores SETATTR of times on symlinks (tests/nfs/README.md, known differences), so
# without this rsync re-itemizes every symlink ('.L..t......') on every run and an unchanged re-run
# reports changed; a kernel NFS server or the appliance sets them. Used on every backup run here.
BED_RSYNC_ARGS = ['--omit-link-times']


@pytest.fixture(scope='module')
def collections(tmp_path_factory):
    """ANSIBLE_COLLECTIONS_PATH holding exalogic.backup (make test's layout, or a fresh one)."""
    return collections_path(tmp_path_factory.mktemp('collections'))


def make_vserver(directory, name):
    """A fake server root; etc/hostname tells the vServers apart."""
    subprocess.run([sys.executable, MAKE_TREE, str(directory)], check=True)
    (directory / 'etc' / 'hostname').write_text('%s\n' % name)
    return directory


def compare(expected, actual, xattrs=True, skip=EXCLUDED):
    argv = [sys.executable, COMPARE_TREES, str(expected), str(actual)]
    argv += [arg for path in skip for arg in ('--skip', path)]
    argv += [] if xattrs else ['--no-xattrs']
    return subprocess.run(argv, capture_output=True, text=True, check=False)


class VServer:
    """One vServer of a scenario: its root, its share, and the module arguments to reach it."""

    def __init__(self, bed, collections, tmp_path, name, sharenfs=None, owner='nobody'):
        self.bed = bed
        self.collections = collections
        self.name = name
        self.share = 'share-' + name
        self.work = tmp_path / name
        self.work.mkdir()
        self.root = make_vserver(self.work / 'root', name)
        self.mount_point = str(self.work / 'mnt')
        if sharenfs is None:
            bed.share(self.share)
        else:
            bed.share(self.share, sharenfs=sharenfs, root_user=owner, root_group='nogroup' if owner == 'nobody' else owner)

    @property
    def export(self):
        return self.bed.spec(self.share).split(':', 1)[1]

    @property
    def backup(self):
        """The host's directory on the share, on the server's disk."""
        return os.path.join(self.bed.path(self.share), self.name)

    def meta(self, name):
        with open(os.path.join(self.backup, 'meta', name), encoding='utf-8') as handle:
            return json.load(handle) if name.endswith('.json') else handle.read()

    def args(self, **extra):
        args = dict(nfs_server=self.bed.server.bind_addr, nfs_export=self.export, mount_point=self.mount_point,
                    backup_dir=self.name, lock_file=str(self.work / 'backup.lock'))
        args.update(extra)
        return args

    def run(self, module, check=False, timeout=300, **extra):
        return run_ansible_module(self.collections, module, self.args(**extra), self.work, check=check, timeout=timeout)

    def backup_run(self, **extra):
        extra.setdefault('extra_args', BED_RSYNC_ARGS)
        return self.run('rsync_backup', root=str(self.root), **extra)


def assert_nothing_mounted(run):
    """The module unmounted: the namespace's own mount table, read right after ansible, has no NFS mount."""
    assert run.mountinfo, 'no mount table read after ansible: %s' % run.explain()
    assert run.fuse_mounts() == [], run.explain()
    assert run.namespace.left_mounted == []     # the namespace's own clean-up found nothing either


@pytest.fixture
def vservers(nfs_bed, collections, tmp_path):
    def make(*names, **kwargs):
        return [VServer(nfs_bed, collections, tmp_path, name, **kwargs) for name in names]
    return make


# ------------------------------------------------------------------------------ full backup and restore

def test_full_backup_restore_and_unchanged_rerun_of_two_vservers(vservers, tmp_path):
    hosts = vservers('vs1', 'vs2')
    for host in hosts:
        first = host.backup_run(init=True)
        assert not first.failed and first.result['changed'], first.explain()
        assert first.result['rsync_rc'] == 0 and first.result['rsync_result'] == 'ok'
        assert first.result['initialised'] is True
        assert_nothing_mounted(first)
        mirror = os.path.join(host.backup, 'root')
        same = compare(host.root, mirror, xattrs=False)   # NFSv3 keeps no ACL or capability
        assert same.returncode == 0, same.stdout
        assert not os.path.exists(os.path.join(mirror, 'tmp', 'scratch'))
        assert os.path.isdir(os.path.join(mirror, 'proc')) and os.listdir(os.path.join(mirror, 'proc')) == []
        # the points a kernel NFS mount gets wrong without root access or --numeric-ids, on the server's disk
        nameless = os.lstat(os.path.join(mirror, 'data', 'f3'))
        assert (nameless.st_uid, nameless.st_gid) == (4242, 4243)
        with pytest.raises(KeyError):
            pwd.getpwuid(4242)
        assert os.lstat(os.path.join(mirror, 'data', 'f1')).st_ino == os.lstat(
            os.path.join(mirror, 'data', 'sub', 'hardlink-to-f1')).st_ino
        assert stat.S_IMODE(os.lstat(os.path.join(mirror, 'usr', 'bin', 'tool')).st_mode) == 0o4755
        assert os.readlink(os.path.join(mirror, 'data', 'abs-link')) == '/etc/hosts'
        manifest = host.meta('manifest.json')
        assert manifest['status'] == 'complete' and manifest['host'] == host.name
        assert manifest['run_id'] == host.meta('run.json')['run_id'] and host.meta('run.json')['status'] == 'complete'
        assert manifest['files_total'] == first.result['stats']['files_total']
        assert 'user:1234:r--' in host.meta('acls.txt')
        assert 'usr/bin/ping cap_net_raw=ep' in host.meta('capabilities.txt')
    for host in hosts:  # each share holds its own host only
        assert sorted(os.listdir(host.bed.path(host.share))) == ['.exalogic-backup-share', host.name]
        with open(os.path.join(host.backup, 'root', 'etc', 'hostname'), encoding='utf-8') as handle:
            assert handle.read() == host.name + '\n'

    for host in hosts:
        alternate = tmp_path / ('restored-' + host.name)
        alternate.mkdir()
        restore = host.run('rsync_restore', dest_root=str(alternate))
        assert not restore.failed and restore.result['changed'], restore.explain()
        assert restore.result['manifest']['run_id'] == host.meta('manifest.json')['run_id']
        assert restore.result['sidecar'] == dict(acls=1, capabilities=1, xattrs=2, changed=4, refused=0)
        assert_nothing_mounted(restore)
        identical = compare(host.root, alternate)   # ACL and capability too: the side-car put them back
        assert identical.returncode == 0, identical.stdout

    for host in hosts:
        before = host.meta('manifest.json')
        again = host.backup_run()
        assert not again.failed, again.explain()
        assert again.result['changed'] is False, again.result['changes']
        assert again.result['stats']['changed'] == 0 and again.result['stats']['deleted'] == 0
        assert again.result['manifest']['run_id'] != before['run_id']
        assert again.result['manifest']['files_total'] == before['files_total']
        assert host.meta('manifest.json')['run_id'] == again.result['manifest']['run_id']
        assert_nothing_mounted(again)


# ------------------------------------------------------------------------------ acls: true over NFSv3

def test_acls_true_fails_with_rsync_23_classified_as_xattr_unsupported(vservers):
    host, = vservers('vs1')
    good = host.backup_run(init=True)
    assert not good.failed, good.explain()
    (host.root / 'data' / 'new-file').write_text('changed since the last backup\n')
    run = host.backup_run(acls=True)
    assert run.failed, run.explain()
    assert run.result['rsync_rc'] == 23
    assert run.result['rsync_result'] == 'xattr_unsupported'
    assert 'Operation not supported' in run.result['msg']
    assert 'Use acls: false' in run.result['msg']
    assert '-A' in run.result['command']
    assert_nothing_mounted(run)
    # a failed run: recorded, and the manifest still names the last good run
    assert host.meta('manifest.json')['run_id'] == good.result['manifest']['run_id']
    failure = host.meta('failure.json')
    assert failure['status'] == 'failed' and failure['rsync_result'] == 'xattr_unsupported'
    assert host.meta('run.json')['run_id'] == failure['run_id'] != good.result['manifest']['run_id']


# ------------------------------------------------------------------------------ no root access

def test_root_squashed_share_fails_before_rsync_and_writes_no_backup(vservers, nfs_bed):
    """The share prepared by the appliance role (marker written), but root access not granted."""
    host, = vservers('vs1', sharenfs=ROOT_SQUASHED)
    share = nfs_bed.path(host.share)
    with open(os.path.join(share, '.exalogic-backup-share'), 'w', encoding='utf-8') as handle:
        handle.write('prepared by the appliance role\n')
    run = host.backup_run()
    assert run.failed, run.explain()
    assert 'grant root access to this host on the share' in run.result['msg']
    assert 'root squash' in run.result['msg']
    assert 'rsync_rc' not in run.result and 'stats' not in run.result   # rsync never ran
    assert 'rsync' not in run.result['timings'] and run.result['changed'] is False
    assert os.listdir(share) == ['.exalogic-backup-share']               # no backup_dir, no manifest, no probe
    assert_nothing_mounted(run)


@pytest.mark.parametrize('owner', ['root', 'nobody'])
def test_init_on_a_root_squashed_share_says_grant_root_access_and_writes_nothing(vservers, nfs_bed, owner):
    """First use (init: true) of a share without root access. Owned by root (a new appliance share's default)
    the squashed root cannot even write the marker; owned by nobody it can. Either way: the root access
    message, and a share left as it was."""
    host, = vservers('vs1', sharenfs=ROOT_SQUASHED, owner=owner)
    run = host.backup_run(init=True)
    assert run.failed, run.explain()
    assert 'grant root access to this host on the share' in run.result.get('msg', ''), run.result
    assert 'rsync_rc' not in run.result
    assert os.listdir(nfs_bed.path(host.share)) == []
    assert_nothing_mounted(run)


# ------------------------------------------------------------------------------ server gone mid-run

def test_server_stopped_mid_run_fails_unmounts_and_keeps_the_last_manifest(vservers, nfs_bed, tmp_path):
    host, = vservers('vs1')
    good = host.backup_run(init=True, mount_options=SOFT_MOUNT)
    assert not good.failed, good.explain()
    big = host.root / 'data' / 'big.bin'
    big.write_bytes(os.urandom(6 * 1024 * 1024))
    partial = os.path.join(host.backup, 'root', 'data', 'big.bin')
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(
        run=host.backup_run(mount_options=SOFT_MOUNT, bwlimit=1024, timeout=120)))
    worker.start()
    deadline = time.monotonic() + 60
    while not os.path.exists(partial) and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert os.path.exists(partial), 'rsync never started copying big.bin'
    nfs_bed.server.stop_ganesha()
    worker.join(150)
    run = outcome['run']
    assert run.failed, run.explain()
    assert_nothing_mounted(run)                                  # unmounted although the server was gone
    assert run.namespace.killed == []
    assert os.path.getsize(partial) < len(big.read_bytes())
    nfs_bed.server.restart()
    # the manifest still names the last complete run; run.json says this one never completed
    assert host.meta('manifest.json')['run_id'] == good.result['manifest']['run_id']
    current = host.meta('run.json')
    assert current['status'] in ('running', 'failed') and current['run_id'] != good.result['manifest']['run_id']
    # a restore from this half-updated mirror is refused; the next backup completes
    restore_into = tmp_path / 'restored'
    restore_into.mkdir()
    refused = host.run('rsync_restore', dest_root=str(restore_into), mount_options=SOFT_MOUNT)
    assert refused.failed and 'restore not started' in refused.result['msg'], refused.explain()
    assert 'was running when this copy was taken' in refused.result['msg'] or current['status'] == 'failed'
    assert os.listdir(restore_into) == []
    again = host.backup_run(mount_options=SOFT_MOUNT)
    assert not again.failed and again.result['changed'], again.explain()
    assert host.meta('manifest.json')['run_id'] == again.result['manifest']['run_id']
    assert compare(host.root, os.path.join(host.backup, 'root'), xattrs=False).returncode == 0
    # the failed run reported rsync's failure (exit code and message), not a crash while saving its log
    assert run.result.get('rsync_result') == 'failed', run.result
    assert run.result['rsync_rc'] not in (0, 24)
    assert 'backup of vs1 failed: rsync failed with exit code %d' % run.result['rsync_rc'] in run.result['msg']


# ------------------------------------------------------------------------------ mount: auto

def test_mount_auto_unmounts_after_success_failure_and_check_mode(vservers, nfs_bed):
    host, = vservers('vs1')
    os.makedirs(host.mount_point)                               # check mode needs it: it never creates it
    preview = host.backup_run(init=True, check=True)
    assert not preview.failed and preview.result['changed'], preview.explain()
    assert preview.result['initialised'] is True and 'manifest' not in preview.result
    assert preview.result['stats']['changed'] > 60 and preview.result['rsync_result'] == 'ok'
    assert_nothing_mounted(preview)
    assert os.listdir(nfs_bed.path(host.share)) == []           # check mode wrote nothing
    os.rmdir(host.mount_point)

    no_marker = host.backup_run()                               # fails after mounting: no marker yet
    assert no_marker.failed and 'init: true' in no_marker.result['msg'], no_marker.explain()
    assert_nothing_mounted(no_marker)
    assert not os.path.exists(host.mount_point)                 # the mount point it created is gone again

    done = host.backup_run(init=True)
    assert not done.failed, done.explain()
    assert_nothing_mounted(done)
    assert not os.path.exists(host.mount_point)


def test_mount_auto_removes_the_mount_point_it_created_when_mounting_fails(vservers, nfs_bed):
    host, = vservers('vs1', sharenfs='off')                      # not exported: the mount itself fails
    refused = host.backup_run(init=True)
    assert refused.failed and 'mounting 127.0.0.1:/export/share-vs1 on' in refused.result['msg'], refused.explain()
    assert 'rsync_rc' not in refused.result
    assert_nothing_mounted(refused)
    assert not os.path.exists(host.mount_point)                  # created for the run, removed again


def test_mount_auto_leaves_a_share_mounted_before_the_run_mounted(vservers, nfs_bed):
    host, = vservers('vs1')
    first = host.backup_run(init=True)
    assert not first.failed, first.explain()
    os.makedirs(host.mount_point)
    by_hand = 'mount -t nfs -o vers=3,nolock %s %s || exit 99' % (nfs_bed.spec(host.share), host.mount_point)
    args = host.args(root=str(host.root), extra_args=BED_RSYNC_ARGS)
    run = run_ansible_module(host.collections, 'rsync_backup', args, host.work, before=by_hand)
    assert not run.failed and run.result['changed'] is False, run.explain()
    assert run.fuse_mounts() == [host.mount_point]
    assert run.namespace.left_mounted == [host.mount_point]    # still there when ansible returned
