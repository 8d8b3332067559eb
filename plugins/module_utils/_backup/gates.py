# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""The data-loss gates of a backup run as pure functions: facts in, a decision (or a message) out.

The module gathers the facts (mount table, fstab, the last COMPLETE manifest, entry counts); these
functions decide. Every refusal message names what was found and the option that overrides it.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.module_utils._backup.manifest import count_field

# A deletion cap from max_delete_ratio is never below this many entries, so that a small tree can
# still lose a few files in one run. On trees under DELETE_CAP_FLOOR / ratio entries (100 with the
# default 0.1) this lets up to DELETE_CAP_FLOOR deletions through per run (docs/backup-and-restore.md).
DELETE_CAP_FLOOR = 10

IGNORED_FSTYPES = ('swap', 'none', 'auto', 'bind')


def delete_cap(max_delete, max_delete_ratio, last_manifest):
    """Most entries this run may delete, or None for no cap.

    max_delete wins; otherwise a fraction of the files of the last COMPLETE backup (a failed run never
    lowers or resets it: failed runs delete nothing, see the atomic cap in the module).
    """
    if max_delete is not None:
        return max_delete
    total = count_field(last_manifest, 'files_total')  # the manifest is share input: any type
    if not max_delete_ratio or not total:
        return None
    return max(int(total * max_delete_ratio), DELETE_CAP_FLOOR)


def delete_cap_problem(deletions, cap):
    """None when `deletions` (counted before any was made) fit under cap; else the refusal."""
    if cap is None or deletions <= cap:
        return None
    return ('the run would delete %d entries from the mirror, more than the deletion cap of %d: nothing was '
            'deleted. The source may be emptied or a filesystem unmounted. Check the sources; if the deletions '
            'are intended, raise max_delete (or max_delete_ratio) for one run' % (deletions, cap))


def last_filesystems(last_manifest):
    """{source: record} of the filesystems the last complete backup recorded (none for old manifests)."""
    records = (last_manifest or {}).get('filesystems')
    if not isinstance(records, list):
        return {}
    return dict((r['source'], r) for r in records if isinstance(r, dict) and isinstance(r.get('source'), str))


def missing_sources(last_manifest, current_sources, retired=()):
    """Sources of the last complete backup that this run would not back up (and were not retired)."""
    current = set(current_sources)
    return sorted(source for source in last_filesystems(last_manifest)
                  if source not in current and source not in set(retired))


def missing_sources_problem(missing):
    if not missing:
        return None
    return ('backup not started, the mirror was left alone: the last complete backup had the filesystem(s) %s, '
            'which are not mounted (not a source) now; the run would mirror them as empty. Mount them, or if they '
            'are gone for good retire them on purpose with retire_sources: [%s]'
            % (', '.join(missing), ', '.join(missing)))


def source_shrink_problem(last_manifest, counts, ratio):
    """Per filesystem: None when every source holds at least ratio of its entries in the last complete
    backup (counted the same way); else a message naming the shrunken ones.

    counts: {source: (entries, counted_by)} of this run.
    """
    if not ratio:
        return None
    shrunk = []
    for source, record in sorted(last_filesystems(last_manifest).items()):
        if source not in counts:
            continue
        entries, counted_by = counts[source]
        before = record.get('entries')
        if record.get('counted_by') != counted_by or not isinstance(before, int) or before <= 0:
            continue
        wanted = int(before * ratio)
        if entries < wanted:
            shrunk.append('%s holds %d entries, had %d (at least %d expected)' % (source, entries, before, wanted))
    if not shrunk:
        return None
    return ('backup not started, the mirror was left alone: %s (min_source_ratio %s, against the last complete '
            'backup of %s). A filesystem may be unmounted or emptied; if the shrink is intended, run once with '
            'min_source_ratio: 0' % ('; '.join(shrunk), ratio, (last_manifest or {}).get('end')))


def expected_mount_points(fstab_entries, kind_of):
    """Mount points that <root>/etc/fstab mounts at boot: local filesystems, not noauto, not swap or bind.

    fstab_entries: objects with .file, .vfstype, .options; kind_of(fstype) -> 'local', 'network', ...
    """
    points = []
    for entry in fstab_entries:
        point = entry.file or ''
        fstype = entry.vfstype or ''
        if not point.startswith('/') or kind_of(fstype) != 'local' or fstype in IGNORED_FSTYPES:
            continue
        if 'noauto' in entry.options or 'bind' in entry.options:
            continue
        points.append(point.rstrip('/') or '/')
    return points


def missing_mounts(expected, is_mounted, alternate_root=False):
    """Expected mount points that are not mounted (the fstab root of an alternate root is a directory)."""
    return [point for point in expected if not (point == '/' and alternate_root) and not is_mounted(point)]
