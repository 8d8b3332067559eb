# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument handling of rsync_backup and rsync_restore: bad input fails before anything happens."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.modules import rsync_backup, rsync_restore
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import run_module

SHARE = dict(nfs_server='192.168.10.50', nfs_export='/export/backups/vs1', backup_dir='vs1')


@pytest.fixture
def no_commands(monkeypatch):
    """Any command the module would run (mount, rsync) fails the test: bad input must stop earlier."""
    def forbidden(*args, **kwargs):
        raise AssertionError('a command ran: %s' % (args,))
    monkeypatch.setattr('ansible.module_utils.basic.AnsibleModule.run_command', forbidden)
    monkeypatch.setattr('subprocess.Popen', forbidden)


@pytest.mark.parametrize('args, expected', [
    (dict(backup_dir='a/b'), "backup_dir 'a/b' must be one directory name"),
    (dict(extra_args=['-X']), "extra_args: '-X' is refused: extended attributes fail on NFSv3"),
    (dict(min_source_ratio=2.0), 'min_source_ratio must be between 0 (off) and 1'),
    (dict(max_delete_ratio=-0.1), 'max_delete_ratio must be between 0 (off) and 1'),
    (dict(max_delete=-1), 'max_delete must be 0 (no deletions) or more'),
    (dict(lock_timeout=-5), 'lock_timeout must be 0'),
    (dict(mount_point='/'), "mount_point '/' must be an absolute directory other than /"),
    (dict(root='/does/not/exist'), 'root /does/not/exist is not a directory'),
    (dict(exclude_from='/does/not/exist'), 'exclude_from /does/not/exist is not a file'),
    (dict(excludes=['!']), "excludes: '!' starts with '!'"),
    (dict(excludes=['- /etc/*']), "excludes: '- /etc/*' starts with an rsync rule prefix"),
    (dict(extra_args=['--remove-source-files']), "extra_args: '--remove-source-files' is refused"),
    (dict(extra_args=['--delete-after']), "extra_args: '--delete-after' is refused"),
    (dict(nfs_server='-oremount', nfs_export='/e'), "nfs_server '-oremount' must not start with '-'"),
])
def test_backup_refuses_bad_options_before_any_command(args, expected, monkeypatch, no_commands):
    result, failed = run_module(rsync_backup.main, dict(SHARE, **args), monkeypatch)
    assert failed
    assert expected in result['msg']


def test_backup_needs_a_share(monkeypatch, no_commands):
    result, failed = run_module(rsync_backup.main, dict(backup_dir='vs1'), monkeypatch)
    assert failed and 'nfs_server' in result['msg'] and 'src' in result['msg']


def test_backup_share_given_twice(monkeypatch, no_commands):
    result, failed = run_module(rsync_backup.main, dict(SHARE, src='/srv/x'), monkeypatch)
    assert failed and 'mutually exclusive' in result['msg']


@pytest.mark.parametrize('args, expected', [
    (dict(delete=True, paths=['/etc']), 'delete: true is only for whole-tree restores'),
    (dict(delete=True), 'delete: true into / would replace the running system'),
    (dict(as_of='yesterday'), "as_of 'yesterday' is not a UTC time"),
    (dict(snapshot='../x'), "snapshot '../x' must be a snapshot name"),
    (dict(dest_root='/does/not/exist'), 'dest_root /does/not/exist is not a directory'),
    (dict(max_delete=-1), 'max_delete must be 0 or more'),
    (dict(excludes=['- /proc']), "excludes: '- /proc' starts with an rsync rule prefix"),
    (dict(extra_args=['-X']), "extra_args: '-X' is refused"),
    (dict(extra_args=['-aL']), "extra_args: '-aL' is refused: it follows symlinks"),
    (dict(extra_args=['--max-delete=5000']), "extra_args: '--max-delete=5000' is refused"),
])
def test_restore_refuses_bad_options_before_any_command(args, expected, monkeypatch, no_commands):
    result, failed = run_module(rsync_restore.main, dict(SHARE, **args), monkeypatch)
    assert failed
    assert expected in result['msg']


def test_restore_snapshot_and_as_of_exclude_each_other(monkeypatch, no_commands):
    result, failed = run_module(rsync_restore.main, dict(SHARE, snapshot='s', as_of='2026-11-24'), monkeypatch)
    assert failed and 'mutually exclusive' in result['msg']


@pytest.mark.parametrize('text, seconds', [
    ('2026-11-24T18:00:00Z', 1795543200), ('2026-11-24 18:00', 1795543200), ('2026-11-24', 1795478400),
    ('2026-11-24T18:00:00', 1795543200), ('tomorrow', None),
])
def test_as_of_formats_are_utc(text, seconds):
    assert rsync_restore.parse_as_of(text) == seconds


@pytest.mark.parametrize('paths, expected', [
    ([], 'paths is an empty list'),
    (['/'], "paths: '/' is the whole tree"),
    (['/etc/../../x'], "paths: '/etc/../../x' has an empty, '.' or '..' component"),
    (['//etc//hosts'], "has an empty, '.' or '..' component"),
    (['/etc/./hosts'], "has an empty, '.' or '..' component"),
])
def test_restore_refuses_unclean_paths_before_any_command(paths, expected, monkeypatch, no_commands, tmp_path):
    result, failed = run_module(rsync_restore.main, dict(SHARE, paths=paths, dest_root=str(tmp_path)), monkeypatch)
    assert failed and expected in result['msg']


@pytest.mark.parametrize('spelling', ['//', '/srv/..', 'symlink', '/./'])
def test_restore_delete_into_the_running_root_is_refused_for_every_spelling(spelling, monkeypatch, no_commands,
                                                                            tmp_path):
    if spelling == 'symlink':
        spelling = str(tmp_path / 'slash')
        tmp_path.joinpath('slash').symlink_to('/')
    result, failed = run_module(rsync_restore.main, dict(SHARE, delete=True, dest_root=spelling), monkeypatch)
    assert failed and 'delete: true into / would replace the running system' in result['msg']
