# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rsync flags and exit-code policy (module_utils/rsync.py)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import subprocess

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._backup import rsync

STATS = """
Number of files: 138,200 (reg: 120,001, dir: 18,199)
Number of created files: 464 (reg: 464)
Number of deleted files: 12
Number of regular files transferred: 464
Total file size: 5,300,000,000 bytes
Total transferred file size: 3,700,000 bytes
Literal data: 3,700,000 bytes
Matched data: 0 bytes
Total bytes sent: 3,710,000
Total bytes received: 9,000
"""


def test_backup_flags_for_a_cow_share():
    argv = rsync.backup_command('rsync', ['/./', '/./boot'], '/mnt/backups/vs1/root', excludes=['/proc/*'],
                                max_delete=100)
    assert argv[:9] == ['rsync', '-aH', '--numeric-ids', '--relative', '--one-file-system', '--delete',
                        '--delete-excluded', '--itemize-changes', '--stats']
    assert '--inplace' in argv and '--no-whole-file' in argv
    assert '--sparse' not in argv and '-S' not in argv  # never with --inplace (snapshot bloat)
    assert '-X' not in argv and '-A' not in argv
    assert '--max-delete=100' in argv and '--exclude=/proc/*' in argv
    assert argv[-3:] == ['/./', '/./boot', '/mnt/backups/vs1/root/']


def test_backup_flags_options():
    argv = rsync.backup_command('rsync', ['/./'], '/d', cow_target=False, acls=True, bwlimit=500, timeout=60,
                                dry_run=True, exclude_from='/etc/ex', extra_args=['--checksum'])
    assert '--inplace' not in argv and '-A' in argv
    assert ['--bwlimit=500', '--timeout=60'] == [a for a in argv if a.startswith(('--bwlimit', '--timeout'))]
    assert '--dry-run' in argv and '--exclude-from=/etc/ex' in argv and '--checksum' in argv
    assert not any(a.startswith('--max-delete') for a in argv)


def test_restore_of_paths_is_relative_and_never_deletes():
    argv = rsync.restore_command('rsync', ['/m/vs1/root/./etc/hosts'], '/', delete=False, max_delete=5)
    assert '--relative' in argv and '--delete' not in argv and not any('max-delete' in a for a in argv)
    assert '--numeric-ids' in argv and '--sparse' in argv
    assert argv[-2:] == ['/m/vs1/root/./etc/hosts', '/']


def test_whole_restore_with_delete_is_capped_and_protects_the_replaced_dir():
    argv = rsync.restore_command('rsync', ['/m/vs1/root/'], '/mnt/sysimage', delete=True, max_delete=7,
                                 backup_dir='/mnt/sysimage/var/tmp/r', protect=['/var/tmp/r/'])
    assert '--delete' in argv and '--max-delete=7' in argv
    assert '--backup' in argv and '--backup-dir=/mnt/sysimage/var/tmp/r' in argv and '--filter=P /var/tmp/r/' in argv
    assert '--relative' not in argv


def test_restore_excludes_are_neither_copied_nor_deleted(tmp_path):
    """A rebuild leaves /proc, /run ... of the new system alone, even with delete (real rsync)."""
    src, dest = tmp_path / 'tree', tmp_path / 'dest'
    for relpath in ('proc/1/status', 'run/old.pid', 'etc/hosts'):
        (src / relpath).parent.mkdir(parents=True, exist_ok=True)
        (src / relpath).write_text('old\n')
    (dest / 'run').mkdir(parents=True)
    (dest / 'run' / 'new.pid').write_text('new\n')
    argv = rsync.restore_command('rsync', [str(src) + '/'], str(dest), delete=True, excludes=['/proc/*', '/run/*'])
    subprocess.check_call(argv, stdout=subprocess.DEVNULL)
    assert (dest / 'etc' / 'hosts').read_text() == 'old\n'
    assert sorted(os.listdir(str(dest / 'proc'))) == [] and sorted(os.listdir(str(dest / 'run'))) == ['new.pid']


def test_parse_stats_reads_thousands_separators():
    stats = rsync.parse_stats(STATS)
    assert stats['files_total'] == 138200
    assert stats['files_deleted'] == 12
    assert stats['files_transferred'] == 464
    assert stats['bytes_total'] == 5300000000
    assert stats['bytes_transferred'] == 3700000


def test_parse_itemized_counts_changes_and_deletions():
    lines = ['>f+++++++++ etc/new', '.d..t...... etc/', '*deleting   tmp/old', 'cL+++++++++ lib -> usr/lib',
             '.f          unchanged', 'sending incremental file list', '', 'hf+++++++++ usr/bin/x => usr/bin/y']
    items = rsync.parse_itemized(lines)
    assert items['changed'] == 4
    assert items['deleted'] == 1
    assert items['paths'][0] == '>f+++++++++ etc/new'
    assert '*deleting   tmp/old' in items['paths']
    assert rsync.parse_itemized(['>f+++++++++ f%d' % i for i in range(80)])['paths'][-1] == '>f+++++++++ f49'


@pytest.mark.parametrize('rc, stderr, result, ok', [
    (0, '', 'ok', True),
    (24, 'file has vanished: "/var/log/x.1"\nrsync warning: some files vanished', 'vanished', True),
    (25, 'Deletions stopped due to --max-delete limit (3 skipped)', 'max_delete', False),
    (11, 'rsync: write failed on "/mnt/x": No space left on device (28)', 'failed', False),
    (20, 'rsync error: received SIGINT, SIGTERM, or SIGHUP (code 20)', 'failed', False),
    (-9, '', 'failed', False),
])
def test_exit_codes(rc, stderr, result, ok):
    outcome = rsync.classify(rc, stderr)
    assert (outcome.result, outcome.ok) == (result, ok)
    assert outcome.ok or outcome.message


def test_vanished_files_are_listed_in_the_warning():
    outcome = rsync.classify(24, 'file has vanished: "/var/log/a"\nfile has vanished: "/var/log/b"\n')
    assert outcome.vanished == ['/var/log/a', '/var/log/b'] and outcome.vanished_count == 2
    assert '2 file(s) vanished' in outcome.warnings[0]


def test_23_root_squash_says_grant_root_access():
    err = ('rsync: [receiver] chown "/mnt/backups/vs1/root/etc/.hosts.abc" failed: Operation not permitted (1)\n'
           'rsync error: some files/attrs were not transferred (see previous errors) (code 23)')
    outcome = rsync.classify(23, err)
    assert outcome.result == 'root_squash' and not outcome.ok
    assert 'grant root access' in outcome.message.lower()


def test_23_xattrs_unsupported_names_the_option():
    err = 'rsync: [receiver] rsync_xal_set: lsetxattr("/mnt/b/usr/bin/ping","security.capability") failed: ' \
          'Operation not supported (95)\n'
    outcome = rsync.classify(23, err)
    assert outcome.result == 'xattr_unsupported' and not outcome.ok
    assert '-X' in outcome.message
    assert 'acls: false' in rsync.classify(23, err, acls=True).message


def test_23_unreadable_source_is_a_warning_with_the_list():
    err = ('rsync: [sender] send_files failed to open "/home/u/secret": Permission denied (13)\n'
           'rsync: [sender] opendir "/data/locked" failed: Permission denied (13)\n'
           'rsync error: some files/attrs were not transferred (see previous errors) (code 23)')
    outcome = rsync.classify(23, err)
    assert outcome.ok and outcome.result == 'source_unreadable'
    assert outcome.unreadable == ['/home/u/secret', '/data/locked']


def test_23_with_other_errors_fails():
    err = ('rsync: [sender] send_files failed to open "/home/u/secret": Permission denied (13)\n'
           'rsync: [receiver] write failed on "/mnt/b/x": Input/output error (5)\n')
    outcome = rsync.classify(23, err)
    assert not outcome.ok and 'Input/output error' in outcome.message


def test_failure_message_names_the_receiving_side_error_not_the_broken_pipe():
    err = ('rsync: [receiver] write failed on "/mnt/b/vs1/root/data/big": Input/output error (5)\n'
           'rsync: [sender] write error: Broken pipe (32)\n'
           'rsync error: error in file IO (code 11) at receiver.c(381) [receiver=3.2.7]\n')
    outcome = rsync.classify(11, err)
    assert outcome.message.endswith('Input/output error (5)')
    assert 'error in file I/O' in outcome.message


@pytest.mark.parametrize('arg, refused', [
    ('--remove-source-files', True), ('-L', True), ('--copy-links', True), ('-aL', True), ('-K', True),
    ('--keep-dirlinks', True), ('--log-file=/etc/x', True), ('--delete-after', True), ('--delete-missing-args', True),
    ('--del', True), ('--max-delete=9', True), ('-X', True), ('--xattrs', True), ('--files-from=/tmp/l', True),
    ('--ignore-errors', True), ('--no-one-file-system', True), ('--filter=- x', True), ('/etc', True),
    ('-v', False), ('--checksum', False), ('--bwlimit=10', False), ('--delay-updates', False), ('-c', False),
    ('--info=progress2', False), ('-T/tmp/L', True), ('-eLssh', True),
])
def test_extra_args_that_defeat_the_gates_are_refused(arg, refused):
    problems = rsync.extra_args_problems([arg])
    assert bool(problems) == refused
    if refused:
        assert "extra_args: '%s' is refused" % arg in problems[0]


@pytest.mark.parametrize('pattern, refused', [
    ('!', True), ('- /etc/*', True), ('+ /etc/keep', True), ('/a/*\n/b', True), ('', True),
    ('/var/lib/mysql/*', False), ('*.tmp', False), ('-foo', False), ('+x', False), ('/data/**/cache', False),
])
def test_excludes_are_patterns_only(pattern, refused):
    assert bool(rsync.exclude_problems([pattern])) == refused


def test_deletions_skipped_is_read_from_rsyncs_note():
    err = 'cannot delete non-empty directory: d\nDeletions stopped due to --max-delete limit (6 skipped)\n'
    assert rsync.deletions_skipped(err) == 6
    assert rsync.deletions_skipped('') == 0


def test_deletions_only_pass_transfers_nothing():
    argv = rsync.backup_command('rsync', ['/./'], '/m/root', deletions_only=True, dry_run=True)
    assert '--existing' in argv and '--ignore-existing' in argv and '--dry-run' in argv and '--delete' in argv


def test_parse_log_counts_items_and_stats_in_one_pass():
    lines = iter(['>f+++++++++ etc/hosts', '*deleting   tmp/x', 'Number of files: 1,234 (reg: 1,000)',
                  'Total transferred file size: 5 bytes'])
    items, stats = rsync.parse_log(lines)
    assert (items['changed'], items['deleted']) == (1, 1)
    assert stats == {'files_total': 1234, 'bytes_transferred': 5}
