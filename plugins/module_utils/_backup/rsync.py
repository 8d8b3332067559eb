# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""rsync command lines and the meaning of their results: the one place for flags and exit-code policy.

Why each flag (see docs/backup-and-restore.md and the backup practice reference):
  -aH --numeric-ids          full metadata, hard links, owners by number (NFSv3 AUTH_SYS, rescue systems)
  --relative + one source per local mount point + --one-file-system
                             every filesystem is copied, nothing below another mount point is followed
  --delete --delete-excluded the share is a mirror; history lives in the appliance's snapshots
  --inplace --no-whole-file  on copy-on-write shares a changed block, not the whole file, reaches the next snapshot
  never --sparse with --inplace (rsync issue 799: snapshots grow by the whole file); never -X on NFSv3
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
from collections import namedtuple

# Contents, not directories: the mount points come back with their owner and mode (docs/reference/backup-practice.md section 2.3).
DEFAULT_EXCLUDES = (
    '/proc/*', '/sys/*', '/dev/*', '/run/*', '/tmp/*', '/dev/shm/*', '/mnt/*', '/media/*',
    '/lost+found', '/swapfile', '/swap.img',
    '/var/cache/dnf/*', '/var/cache/yum/*', '/var/cache/PackageKit/*', '/root/.cache/*', '/home/*/.cache/*',
    '/var/crash/*', '/var/lib/rear/output/*', '/var/lib/sss/mc/*', '/var/lib/sss/pipes/*',
)

# rsync's own exit codes (rsync(1) "EXIT VALUES")
RC_OK = 0
RC_PARTIAL = 23
RC_VANISHED = 24
RC_MAX_DELETE = 25
RC_MEANING = {
    1: 'syntax or usage error', 2: 'protocol incompatibility', 3: 'errors selecting input/output files, dirs',
    5: 'error starting client-server protocol', 10: 'error in socket I/O', 11: 'error in file I/O',
    12: 'error in rsync protocol data stream', 13: 'errors with program diagnostics', 14: 'error in IPC code',
    20: 'received SIGUSR1 or SIGINT (interrupted)', 21: 'some error returned by waitpid()',
    22: 'error allocating core memory buffers', 23: 'partial transfer due to error',
    24: 'partial transfer due to vanished source files', 25: 'the --max-delete limit stopped deletions',
    30: 'timeout in data send/receive', 35: 'timeout waiting for daemon connection',
}

UNSUPPORTED_RE = re.compile(r'(xattr|xal_|_acl|acl\b|ACL).*Operation not supported \(95\)', re.IGNORECASE)
CHOWN_EPERM_RE = re.compile(r'\b(chown|lchown)\b.*failed: Operation not permitted \(1\)')
SOURCE_DENIED_RE = re.compile(r'(send_files failed to open|opendir|link_stat|readlink_stat|readlink) '
                              r'"([^"]+)".*Permission denied \(13\)')
VANISHED_RE = re.compile(r'^file has vanished: "(.+)"')
QUOTED_RE = re.compile(r'"([^"]+)"')
LIST_CAP = 50

# What a finished rsync run means for the backup (from classify) and its --stats counters.
RsyncOutcome = namedtuple('RsyncOutcome', 'rc result stats vanished unreadable')
# What an rsync exit status means (classify): ok, result (a word), message (for a failure), warnings, and
# the vanished/unreadable source paths (the first LIST_CAP of them) with their counts.
Verdict = namedtuple('Verdict', 'rc ok result message warnings vanished vanished_count unreadable unreadable_count')


# Options of extra_args that would defeat a gate or the mirror's meaning (delete sources, follow
# links out of the tree, write a log anywhere, change what or when rsync deletes, read other lists).
LINKS = 'it follows symlinks, out of the tree'
RECEIVER_LINKS = 'it follows symlinked directories on the share (writes outside the mirror)'
DELETES = 'what and when rsync deletes is decided by the deletion gate (max_delete, max_delete_ratio)'
XATTRS = ('extended attributes fail on NFSv3 shares (rsync exit 23); capabilities and ACLs are kept in the '
          'side-car files')
OUTSIDE = 'it writes outside the mirror'
FILTERS = 'filter rules change what the gates count; use excludes or exclude_from'
GATE_DEFEATING = (
    ('--remove-source-files', 'it deletes the files on the server'),
    ('--copy-links', LINKS), ('-L', LINKS), ('--copy-unsafe-links', LINKS), ('--copy-dirlinks', LINKS), ('-k', LINKS),
    ('--keep-dirlinks', RECEIVER_LINKS), ('-K', RECEIVER_LINKS),
    ('--log-file', 'it writes a file anywhere; the log is kept in meta/rsync.log'),
    ('--write-batch', OUTSIDE), ('--only-write-batch', OUTSIDE), ('--read-batch', 'it replays another transfer'),
    ('--delete', DELETES), ('--del', DELETES), ('--max-delete', DELETES), ('--force', DELETES),
    ('--ignore-errors', 'it deletes even after I/O errors'),
    ('-X', XATTRS), ('--xattrs', XATTRS),
    ('--files-from', 'it replaces the list of sources; use sources'),
    ('--include-from', FILTERS), ('--exclude-from', FILTERS), ('--filter', FILTERS), ('-f', FILTERS),
    ('-F', FILTERS), ('--include', FILTERS), ('--exclude', FILTERS), ('--cvs-exclude', FILTERS), ('-C', FILTERS),
    ('--backup-dir', OUTSIDE), ('--temp-dir', OUTSIDE), ('-T', OUTSIDE), ('--partial-dir', OUTSIDE),
    ('--compare-dest', 'it changes what is copied'), ('--link-dest', 'it changes what is copied'),
    ('--copy-dest', 'it changes what is copied'),
    ('--dry-run', 'use check mode'), ('-n', 'use check mode'), ('--rsync-path', 'use rsync_path'),
    ('--rsh', 'a local copy needs no remote shell'), ('-e', 'a local copy needs no remote shell'),
)
GATE_DEFEATING_SHORT = dict((opt[1], why) for opt, why in GATE_DEFEATING if len(opt) == 2)
GATE_DEFEATING_LONG = dict((opt, why) for opt, why in GATE_DEFEATING if opt.startswith('--'))
SHORT_WITH_VALUE = 'efTBM@'


def extra_args_problems(extra_args):
    """Messages for extra_args that would defeat the gates, each naming the argument and why."""
    problems = []
    for arg in extra_args:
        why = refused_reason(arg)
        if why:
            problems.append("extra_args: '%s' is refused: %s" % (arg, why))
    return problems


def refused_reason(arg):
    if arg.startswith('--'):
        name = arg.split('=', 1)[0]
        if name in GATE_DEFEATING_LONG:
            return GATE_DEFEATING_LONG[name]
        if name.startswith('--delete'):  # --delete-after, --delete-during, --delete-missing-args...
            return DELETES
        if name.startswith('--no-'):  # --no-one-file-system, --no-relative, --no-H...: undoes a mirror flag
            return 'it turns off a flag the mirror needs (%s)' % name[len('--no-'):]
        return None
    if arg.startswith('-') and len(arg) > 1:
        for letter in arg[1:]:  # bundled short options: -aL, -vK
            if letter in GATE_DEFEATING_SHORT:
                return GATE_DEFEATING_SHORT[letter]
            if letter in SHORT_WITH_VALUE:  # the rest of the word is that option's value
                break
        return None
    return "it is not an option (sources and destination are the module's)"


def exclude_problems(patterns, option='excludes'):
    """Excludes are patterns only: rsync's rule prefixes and list separators are refused."""
    problems = []
    for pattern in patterns:
        if '\n' in pattern or '\r' in pattern:
            problems.append('%s: %r holds a line break; give one pattern per list item' % (option, pattern))
        elif pattern.startswith('!'):
            problems.append("%s: '%s' starts with '!', which rsync reads as 'clear all rules' (the default excludes "
                            "and the share's own exclusion too); remove it" % (option, pattern))
        elif pattern[:2] in ('+ ', '- '):
            problems.append("%s: '%s' starts with an rsync rule prefix ('%s'); give the pattern alone (%s are always "
                            "excludes)" % (option, pattern, pattern[:2], option))
        elif not pattern.strip():
            problems.append('%s: an empty pattern' % option)
    return problems


def backup_command(rsync, sources, dest, excludes=(), exclude_from=None, cow_target=True, acls=False,
                   bwlimit=None, timeout=None, max_delete=None, dry_run=False, extra_args=(), deletions_only=False):
    """argv of one backup run: every source (already anchored with '/./') into dest, as a mirror.

    deletions_only: transfer nothing, only delete what the mirror holds beyond the sources (the second
    step of an atomic deletion cap).
    """
    argv = [rsync, '-aH', '--numeric-ids', '--relative', '--one-file-system', '--delete', '--delete-excluded',
            '--itemize-changes', '--stats']
    if deletions_only:
        argv += ['--existing', '--ignore-existing']
    if cow_target:
        argv += ['--inplace', '--no-whole-file']
    if acls:
        argv.append('-A')
    argv += limit_args(bwlimit, timeout)
    if max_delete is not None:
        argv.append('--max-delete=%d' % max_delete)
    if dry_run:
        argv.append('--dry-run')
    argv += ['--exclude=%s' % pattern for pattern in excludes]
    if exclude_from:
        argv.append('--exclude-from=%s' % exclude_from)
    argv += list(extra_args)
    return argv + list(sources) + [dest.rstrip('/') + '/']


def restore_command(rsync, sources, dest, delete=False, max_delete=None, backup_dir=None, protect=(), acls=False,
                    sparse=True, bwlimit=None, timeout=None, dry_run=False, extra_args=(), excludes=()):
    """argv of a restore into dest (never --delete unless asked); excludes are left out of the transfer
    and, being excluded, are never deleted in dest either.

    sources: the tree itself ('<tree>/') for a whole restore, or anchored paths ('<tree>/./etc/hosts'),
    which need --relative so each lands at its own path below dest.
    """
    argv = [rsync, '-aH', '--numeric-ids', '--itemize-changes', '--stats']
    if sparse:
        argv.append('--sparse')  # restores go to ordinary disks: keep holes (docs/reference/backup-practice.md section 2.10)
    if acls:
        argv.append('-A')
    if delete:
        argv.append('--delete')
        if max_delete is not None:
            argv.append('--max-delete=%d' % max_delete)
    if backup_dir:
        argv += ['--backup', '--backup-dir=%s' % backup_dir]
    argv += ['--filter=P %s' % path for path in protect]
    argv += ['--exclude=%s' % pattern for pattern in excludes]
    argv += limit_args(bwlimit, timeout)
    if any('/./' in source for source in sources):
        argv.append('--relative')
    if dry_run:
        argv.append('--dry-run')
    argv += list(extra_args)
    return argv + list(sources) + [dest.rstrip('/') + '/']


def limit_args(bwlimit, timeout):
    args = []
    if bwlimit:
        args.append('--bwlimit=%d' % bwlimit)
    if timeout:
        args.append('--timeout=%d' % timeout)
    return args


# ------------------------------------------------------------------------------------------ output

STAT_KEYS = {
    'Number of files': 'files_total',
    'Number of created files': 'files_created',
    'Number of deleted files': 'files_deleted',
    'Number of regular files transferred': 'files_transferred',
    'Total file size': 'bytes_total',
    'Total transferred file size': 'bytes_transferred',
    'Literal data': 'bytes_literal',
    'Total bytes sent': 'bytes_sent',
    'Total bytes received': 'bytes_received',
}


def parse_stats(text):
    """The --stats block -> {files_total: int, ...} (thousands separators removed)."""
    stats = {}
    for line in text.splitlines():
        name, sep, value = line.partition(': ')
        key = STAT_KEYS.get(name.strip())
        if sep and key:
            number = re.match(r'[\d,.]+', value.strip())
            if number:
                stats[key] = int(number.group(0).replace(',', '').replace('.', ''))
    return stats


DELETIONS_SKIPPED_RE = re.compile(r'Deletions stopped due to --max-delete limit \((\d+) skipped\)')
NON_EMPTY_DIR_RE = re.compile(r'^cannot delete non-empty directory: ')


def deletions_skipped(stderr):
    """The number of deletions a --max-delete=0 run left out (a lower bound), or 0."""
    match = DELETIONS_SKIPPED_RE.search(stderr or '')
    return int(match.group(1)) if match else 0


def without_deletion_notes(stderr):
    """stderr of a run with --max-delete=0 without the notes about the deletions it left out."""
    return '\n'.join(line for line in (stderr or '').splitlines()
                     if not DELETIONS_SKIPPED_RE.search(line) and not NON_EMPTY_DIR_RE.match(line)
                     and 'the --max-delete limit stopped deletions' not in line)


def parse_log(lines, cap=LIST_CAP):
    """One pass over rsync's stdout (itemized lines, then --stats): (itemized counts, stats)."""
    stat_lines = []

    def itemized_lines():
        for line in lines:
            if ': ' in line and line.partition(': ')[0].strip() in STAT_KEYS:
                stat_lines.append(line)
            else:
                yield line
    items = parse_itemized(itemized_lines(), cap)
    return items, parse_stats('\n'.join(stat_lines))


def parse_itemized(lines, cap=LIST_CAP):
    """Itemized changes -> {'changed': n, 'deleted': n, 'paths': [first `cap` itemized lines]}.

    An itemize line is 11 flag characters, a space and the path ('>f+++++++++ etc/hosts');
    '*deleting   path' marks a deletion. Attribute-only lines ('.d..t......') count as changes.
    """
    changed = deleted = 0
    paths = []
    for line in lines:
        if line.startswith('*deleting '):
            deleted += 1
        elif len(line) > 12 and line[11] == ' ' and line[0] in '<>ch.*' and line[1] in 'fdLDS':
            if line[0] == '.' and line[2:11].strip('. ') == '':
                continue  # unchanged entry listed by -i with nothing to do
            changed += 1
        else:
            continue
        if len(paths) < cap:
            paths.append(line)
    return {'changed': changed, 'deleted': deleted, 'paths': paths}


def transferred_file(line):
    """The path of an itemized line that sends a regular file's data ('>f.st...... etc/hosts'), else None."""
    if len(line) > 12 and line[11] == ' ' and line.startswith('>f'):
        return line[12:]
    return None


def classify(rc, stderr, acls=False):
    """What an rsync exit status means for the backup: a Verdict.

    result is one of: ok, vanished (24, ok with a warning), source_unreadable (23, ok with a warning),
    xattr_unsupported / root_squash (23, configuration errors), max_delete (25), failed.
    """
    lines = [line for line in (stderr or '').splitlines() if line.strip()]
    vanished = [m.group(1) for m in (VANISHED_RE.match(line) for line in lines) if m]
    outcome = dict(rc=rc, ok=False, result='failed', message='', warnings=[], vanished=vanished[:LIST_CAP],
                   vanished_count=len(vanished), unreadable=[], unreadable_count=0)
    if rc == RC_OK:
        outcome.update(ok=True, result='ok')
    elif rc == RC_VANISHED:
        outcome.update(ok=True, result='vanished')
        outcome['warnings'].append('%d file(s) vanished while rsync ran (normal on a live system), e.g. %s'
                                   % (len(vanished), ', '.join(vanished[:5]) or 'see the log'))
    elif rc == RC_PARTIAL:
        classify_partial(outcome, lines, acls)
    elif rc == RC_MAX_DELETE:
        outcome['result'] = 'max_delete'
        outcome['message'] = ('rsync stopped deleting at the deletion cap (exit 25), more deletions appeared after '
                              'they were counted: the source may be changing, emptied or not mounted. Check the '
                              'sources; if the deletions are intended, raise max_delete or max_delete_ratio for one '
                              'run')
    else:
        outcome['message'] = 'rsync failed with exit code %d (%s)%s' % (
            rc, RC_MEANING.get(rc, 'killed or unknown error' if rc < 0 or rc > 35 else 'error'), last_error(lines))
    return Verdict(**outcome)


def classify_partial(outcome, lines, acls):
    """Exit 23: find out from rsync's messages whether it is a configuration error or a warning."""
    unsupported = [line for line in lines if UNSUPPORTED_RE.search(line)]
    squashed = [line for line in lines if CHOWN_EPERM_RE.search(line)]
    denied = [m.group(2) for m in (SOURCE_DENIED_RE.search(line) for line in lines) if m]
    others = [line for line in lines if line not in unsupported and line not in squashed
              and not SOURCE_DENIED_RE.search(line) and not VANISHED_RE.match(line) and not is_summary(line)]
    if squashed:
        outcome['result'] = 'root_squash'
        outcome['message'] = ('the share maps root to the anonymous user for this host (root squash): rsync could '
                              'not set owners (%s). Grant root access to this host on the share (zfssa_filesystem '
                              'nfs_exceptions with root: true for its address), then run again'
                              % first_quoted(squashed[0]))
    elif unsupported:
        option = 'acls: false' if acls else 'extra_args without -X/--xattrs'
        outcome['result'] = 'xattr_unsupported'
        outcome['message'] = ('the share does not store extended attributes or ACLs (NFSv3): %s. Use %s; ACLs and '
                              'file capabilities are kept in the side-car files instead' % (unsupported[0].strip(), option))
    elif denied and not others:
        outcome.update(ok=True, result='source_unreadable', unreadable=denied[:LIST_CAP], unreadable_count=len(denied))
        outcome['warnings'].append('%d source path(s) could not be read and are missing from the backup: %s'
                                   % (len(denied), ', '.join(denied[:10])))
    else:
        outcome['message'] = 'rsync transferred only part of the files (exit 23)%s' % last_error(others or lines)


def is_summary(line):
    return line.startswith('rsync error:') or line.startswith('rsync warning:')


def first_quoted(line):
    match = QUOTED_RE.search(line)
    return match.group(1) if match else line.strip()


def last_error(lines):
    """The message that says most: the receiving side's last error (a sender's 'Broken pipe' only follows it)."""
    errors = [line.strip() for line in lines if not is_summary(line)]
    receiving = [line for line in errors if '[receiver]' in line or '[generator]' in line]
    chosen = (receiving or errors)[-1:]
    return ': %s' % chosen[0] if chosen else ''
