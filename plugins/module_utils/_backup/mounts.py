# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""The mount table as the backup modules need it: is a path really mounted, from where, and mount/umount.

A directory that merely exists is not a mount: the mount table (/proc/self/mountinfo) decides, never
os.path.ismount alone (a bind mount of a directory of the same filesystem fools it).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

from ansible_collections.exalogic.backup.plugins.module_utils._layout.procfs import fstype_kind, parse_mountinfo

MOUNTINFO = '/proc/self/mountinfo'
NFS_FSTYPES = ('nfs', 'nfs4')
# The project's NFSv3 test bed mounts shares through a FUSE client (fstype fuse.nfs). Accepted as NFS
# only when this variable says so, never silently (tests/nfs/README.md).
TEST_BED_ENV = 'EXALOGIC_BACKUP_NFS_TEST_BED'


def read_mount_table(path=MOUNTINFO):
    with open(path, 'rb') as handle:
        return parse_mountinfo(handle.read().decode('utf-8', 'surrogateescape'))


def canonical(path):
    return os.path.normpath(os.path.realpath(path))


def mount_at(path, table):
    """The mount whose mount point is exactly path (the topmost one when stacked), or None."""
    wanted = canonical(path)
    found = None
    for entry in table:
        if entry['mount_point'] == wanted:
            found = entry
    return found


def mount_containing(path, table):
    """The mount a path lives on (longest mount point prefix)."""
    wanted = canonical(path)
    best = None
    for entry in table:
        point = entry['mount_point']
        if wanted == point or wanted.startswith(point.rstrip('/') + '/'):
            if best is None or len(point) >= len(best['mount_point']):
                best = entry
    return best


def normalize_source(source):
    """'host:/export/' and 'host:/export' are the same NFS source; paths lose trailing slashes."""
    if not source:
        return source
    return source.rstrip('/') or '/'


def is_test_bed():
    return os.environ.get(TEST_BED_ENV, '') in ('1', 'true', 'yes')


def fstype_matches(found, wanted):
    """Does a mounted fstype satisfy the asked one ('nfs' covers nfs/nfs4, and fuse.nfs in the test bed)."""
    if wanted in (None, '', 'auto', 'none'):
        return True
    if wanted in NFS_FSTYPES:
        return found in NFS_FSTYPES or (found == 'fuse.nfs' and is_test_bed())
    return found == wanted


def describe(entry):
    if entry is None:
        return 'nothing'
    return '%s (%s) on %s' % (entry['source'], entry['fstype'], entry['mount_point'])


def mount_problem(path, source, fstype, table):
    """None when path is a mount of source/fstype; otherwise what was found instead, for the user."""
    entry = mount_at(path, table)
    if entry is None:
        return '%s is not a mount point: it is a directory on %s' % (path, describe(mount_containing(path, table)))
    if source and normalize_source(entry['source']) != normalize_source(source) and not bind_matches(entry, source, table):
        return '%s is mounted from %s, not from %s' % (path, describe(entry), source)
    if not fstype_matches(entry['fstype'], fstype):
        hint = ''
        if entry['fstype'] == 'fuse.nfs':
            hint = ' (a FUSE NFS test mount; set %s=1 only in the project test bed)' % TEST_BED_ENV
        return '%s is a %s mount, not %s%s' % (path, entry['fstype'], fstype, hint)
    return None


PRIVATE_MOUNT_OPTIONS = ('nosuid', 'nodev')


def missing_private_options(entry):
    """Which of nosuid/nodev the mount lacks (security.md M8: without them, an old setuid binary or a
    device node kept in a snapshot can be used from the mount by a local user)."""
    present = (entry or {}).get('mount_options', '').split(',')
    return [option for option in PRIVATE_MOUNT_OPTIONS if option not in present]


def bind_matches(entry, source, table):
    """A bind mount shows the device as source; accept it when it exposes the directory asked for."""
    if not source.startswith('/'):
        return False
    origin = mount_containing(source, table)
    if origin is None or origin['maj_min'] != entry['maj_min']:
        return False
    relative = canonical(source)[len(origin['mount_point'].rstrip('/')):] or '/'
    return os.path.normpath(origin['fs_root'].rstrip('/') + '/' + relative.lstrip('/')) == entry['fs_root']


def local_mount_points(table, root='/', skip=()):
    """Mount points of local (disk) filesystems at or below root, in mount order, without duplicates."""
    root = canonical(root)
    prefix = root.rstrip('/') + '/'
    points = []
    skipped = [canonical(p) for p in skip]
    for entry in table:
        point = entry['mount_point']
        if fstype_kind(entry['fstype'] or '') != 'local' or point in points:
            continue
        if point != root and not point.startswith(prefix):
            continue
        if any(point == s or point.startswith(s.rstrip('/') + '/') for s in skipped):
            continue
        points.append(point)
    return points


def mount_command(source, path, fstype=None, options=None, read_only=False):
    argv = ['mount']
    if fstype and fstype != 'none':
        argv += ['-t', fstype]
    opts = [o for o in (options or '').split(',') if o]
    if read_only:
        opts = [o for o in opts if o != 'rw'] + ['ro']
    if opts:
        argv += ['-o', ','.join(opts)]
    return argv + ['--', source, path]  # '--': a source such as '--rbind' stays a source


def umount_command(path):
    return ['umount', '--', path]
