# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mount checks, sources, manifest state, lock and side-car parsing of the backup modules."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils import manifest, mounts, sidecar, sources
from ansible_collections.exalogic.backup.plugins.module_utils.backup_lock import HostLock, LockBusy
from ansible_collections.exalogic.backup.plugins.module_utils.layout import parse_mountinfo

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


@pytest.fixture(autouse=True)
def no_realpath(monkeypatch):
    monkeypatch.setattr(mounts, 'canonical', os.path.normpath)


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
        ['mount', '-t', 'nfs', '-o', 'vers=3,hard,ro', 'h:/e', '/mnt/b']
    assert mounts.mount_command('/srv/x', '/mnt/b', 'none', 'bind') == ['mount', '-o', 'bind', '/srv/x', '/mnt/b']


def test_anchored_sources_and_relative_paths():
    assert sources.anchored('/', '/') == '/./'
    assert sources.anchored('/', '/boot') == '/./boot'
    assert sources.anchored('/srv/vs1', '/var/') == '/srv/vs1/./var'
    assert sources.relative_to_root('/srv/vs1', '/srv/vs1/data') == '/data'
    assert sources.relative_to_root('/srv/vs1', '/srv/vs1') == '/'
    assert sources.relative_to_root('/', '/.hidden') == '/.hidden'


@pytest.mark.parametrize('path, excluded', [
    ('/proc/1', True), ('/proc', False), ('/tmp/x/y', True), ('/var/tmp/x', False), ('/home/u/.cache/z', True),
    ('/data/core', True), ('/data/score', False),
])
def test_exclude_matching(path, excluded):
    patterns = ['/proc/*', '/tmp/*', '/home/*/.cache/*', 'core']
    assert sources.is_excluded(path, patterns) is excluded


def test_walk_counts_stop_early_and_skip_excludes(tmp_path):
    for name in ('a', 'b', 'c'):
        (tmp_path / 'data').mkdir(exist_ok=True)
        (tmp_path / 'data' / name).write_text(u'x')
    (tmp_path / 'tmp').mkdir()
    (tmp_path / 'tmp' / 'junk').write_text(u'x')
    walked = [rel for rel, st in sources.walk(str(tmp_path), ['/'], ['/tmp/*'])]
    assert sorted(walked) == ['/', '/data', '/data/a', '/data/b', '/data/c', '/tmp']
    assert sources.count_at_least(str(tmp_path), ['/'], [], 3) == 3


def write(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))


def test_backup_state_needs_a_complete_manifest_of_the_last_run(tmp_path):
    paths = manifest.BackupPaths(str(tmp_path), 'vs1')
    usable, reason, _m = manifest.backup_state(paths)
    assert not usable and 'no backup tree' in reason
    os.makedirs(paths.tree)
    usable, reason, _m = manifest.backup_state(paths)
    assert not usable and 'no backup run ever completed' in reason
    write(tmp_path / 'vs1/meta/manifest.json', {'status': 'complete', 'run_id': 'r1', 'host': 'vs1', 'end': 'E'})
    write(tmp_path / 'vs1/meta/run.json', {'status': 'complete', 'run_id': 'r1'})
    assert manifest.backup_state(paths)[0]
    # a snapshot taken while the next run was writing: the tree is partly updated
    write(tmp_path / 'vs1/meta/run.json', {'status': 'running', 'run_id': 'r2', 'start': 'S'})
    usable, reason, found = manifest.backup_state(paths)
    assert not usable and 'running' in reason and found['run_id'] == 'r1'


def test_write_json_is_atomic_and_leaves_no_temp_files(tmp_path):
    target = str(tmp_path / 'manifest.json')
    manifest.write_json(target, {'status': 'complete'})
    manifest.write_json(target, {'status': 'complete', 'n': 2})
    assert manifest.read_json(target) == {'status': 'complete', 'n': 2}
    assert os.listdir(str(tmp_path)) == ['manifest.json']
    assert manifest.read_json(str(tmp_path / 'missing.json')) is None


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


ACLS = """# file: data/f5
# owner: 0
# group: 0
user::rw-
user:1234:r--
group::r--
mask::r--
other::r--

# file: opt/app/my\\040file
# owner: 0
# group: 0
user::rw-
group:50:rwx
mask::rwx
other::---

"""


def test_acl_dump_selection_by_path():
    assert [p for p, _b in sidecar.acl_blocks(ACLS)] == ['data/f5', 'opt/app/my file']
    assert sidecar.select_acls(ACLS, ['opt/app']).startswith('# file: opt/app/my\\040file')
    assert sidecar.select_acls(ACLS, ['opt/ap']) == ''
    assert sidecar.select_acls(ACLS).count('# file:') == 2


def test_capabilities_both_getcap_styles():
    text = 'usr/bin/ping cap_net_raw=ep\nusr/sbin/arping = cap_net_raw+ep\n\n'
    assert sidecar.capability_entries(text) == [('usr/bin/ping', 'cap_net_raw=ep'), ('usr/sbin/arping', 'cap_net_raw+ep')]
    assert sidecar.select_capabilities(text, ['usr/sbin']) == [('usr/sbin/arping', 'cap_net_raw+ep')]
