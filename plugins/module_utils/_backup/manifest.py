# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Where a host's backup lives on the share, and the records that say whether it is complete.

On the share (the mounted export, or a snapshot of it under .zfs/snapshot/<name>):

    .exalogic-backup-share          marker: this export is a backup share (written by the appliance role,
                                    or by rsync_backup with init: true)
    <backup_dir>/root/              the mirror of the host's filesystems (what rsync writes)
    <backup_dir>/meta/run.json      the current or last run: status running | failed | complete
    <backup_dir>/meta/manifest.json the last COMPLETE run, written last (status: complete, counts, timings)
    <backup_dir>/meta/failure.json  the last failed run (the manifest still names the previous good one)
    <backup_dir>/meta/owner.json    which host writes this backup_dir (see owner_record; security.md M10)
    <backup_dir>/meta/layout.json, acls.txt, capabilities.txt, xattrs.txt, rsync.log   side-car files

A snapshot holds a usable backup only when its manifest is complete AND its run record is the same
complete run: a snapshot taken while rsync was writing has run.json 'running' and a half-updated tree.

manifest.json (schema version 1; fields are only ever added):
    manifest_version, status ('complete'), run_id, host (backup_dir), hostname, start, end (UTC text,
    see format_utc), duration (s), rsync_rc, rsync_result, files_total, files_transferred, files_deleted,
    bytes_total, bytes_transferred, vanished, unreadable, sources (root-relative paths), root,
    exclude_sha256, max_delete, sidecar, collection_version,
    filesystems: one record per source: {source, mount_point (on the host), device (mount source),
        maj_min, uuid (or null), fstype, entries (int), counted_by ('inodes': used inodes of a whole
        filesystem from statvfs | 'walk': entries below the source, excludes applied)}.
    The gates of the next run compare against these: a filesystem listed here that is not a source any
    more fails the run until it is named in retire_sources; a source whose entries fell below
    min_source_ratio of its count here fails the run.
run.json / failure.json: {status: running|failed|complete, run_id, host, hostname, pid, start, end,
    error (failed), rsync_rc, rsync_result}.
owner.json: {host_id (machine-id of the host, or its FQDN when it has none), hostname, root, since (UTC
    text), previous (the owner record it replaced with takeover, or absent)}.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import calendar
import json
import os
import socket
import stat
import tempfile
import time

from ansible_collections.exalogic.backup.plugins.module_utils._backup import confined

MARKER = '.exalogic-backup-share'
MANIFEST_VERSION = 1
MAX_RECORD_BYTES = 1 << 20          # manifest, run and failure records
MAX_SIDECAR_BYTES = 512 << 20       # acls.txt, capabilities.txt, xattrs side-car
COLLECTION_VERSION = '0.1.0'
UTC_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
RUN_ID_FORMAT = '%Y%m%dT%H%M%SZ'


def format_utc(seconds):
    """The one text form of a time in the records: '2026-12-07T05:42:58Z'."""
    return time.strftime(UTC_FORMAT, time.gmtime(seconds))


def utc_now():
    return format_utc(time.time())


def parse_utc(text):
    """Seconds since the epoch of a time written by format_utc; None when it is not one."""
    try:
        return calendar.timegm(time.strptime(text, UTC_FORMAT))
    except (ValueError, TypeError):
        return None


def compact_utc(seconds=None):
    """The compact UTC stamp of run ids and directory names: '20261207T054258Z' (now when seconds is None)."""
    return time.strftime(RUN_ID_FORMAT, time.gmtime(time.time() if seconds is None else seconds))


def run_id(now=None, pid=None):
    return '%s-%d' % (compact_utc(now), os.getpid() if pid is None else pid)


class BackupPaths(object):
    """Paths of one host's backup below a share root (a mount point or a snapshot directory)."""

    def __init__(self, share_root, backup_dir):
        self.share_root = share_root
        self.host_dir = os.path.join(share_root, backup_dir)
        self.tree = os.path.join(self.host_dir, 'root')
        self.meta = os.path.join(self.host_dir, 'meta')
        self.marker = os.path.join(share_root, MARKER)
        self.manifest = os.path.join(self.meta, 'manifest.json')
        self.run = os.path.join(self.meta, 'run.json')
        self.failure = os.path.join(self.meta, 'failure.json')
        self.layout = os.path.join(self.meta, 'layout.json')
        self.acls = os.path.join(self.meta, 'acls.txt')
        self.capabilities = os.path.join(self.meta, 'capabilities.txt')
        self.log = os.path.join(self.meta, 'rsync.log')
        self.owner = os.path.join(self.meta, 'owner.json')
        self.xattrs = os.path.join(self.meta, 'xattrs.txt')

    def relpath(self, path):
        """path (one of the attributes above) relative to share_root, for the confined layer."""
        return os.path.relpath(path, self.share_root)


def read_share_file(paths, path, max_bytes=MAX_SIDECAR_BYTES):
    """Bytes of a file of this backup on the share (b'' when missing); ConfinedError for anything planted
    there instead of a regular file (symlink, FIFO, device, oversize)."""
    data = confined.read_file(paths.share_root, paths.relpath(path), max_bytes, missing_ok=True)
    return b'' if data is None else data


def read_json(path, paths=None):
    """The JSON object in path, or None when the file does not exist or is not a JSON object.

    With paths (a BackupPaths), path is on the share and is read through the confined layer: a
    symlink, FIFO, device or file over 1 MiB raises ConfinedError instead of hanging or following.
    """
    try:
        if paths is not None:
            raw = confined.read_file(paths.share_root, paths.relpath(path), MAX_RECORD_BYTES, missing_ok=True)
            if raw is None:
                return None
            data = json.loads(raw.decode('utf-8'))
        else:
            with open(path, 'r') as handle:
                data = json.load(handle)
    except (IOError, OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def count_field(record, name):
    """record[name] when it is a whole number >= 0 (a tampered manifest may hold anything), else None."""
    value = (record or {}).get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def write_json(path, data, paths=None):
    """Write atomically (temp file in the same directory, fsync, rename): readers never see half a file.

    With paths (a BackupPaths), path is on the share: written through the confined layer, so a
    symlinked meta/ or record planted there is never followed.
    """
    if paths is not None:
        text = json.dumps(data, indent=2, sort_keys=True) + '\n'
        confined.write_file(paths.share_root, paths.relpath(path), text.encode('utf-8'))
        return
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix='.tmp-', dir=directory)
    try:
        with os.fdopen(fd, 'w') as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write('\n')
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_marker(paths, note):
    """The share marker, written without following anything planted at its name."""
    confined.write_file(paths.share_root, MARKER, (note.rstrip('\n') + '\n').encode('utf-8'), mode=0o644)


def tree_is_dir(paths):
    st = confined.lstat_inside(paths.share_root, paths.relpath(paths.tree))
    return st is not None and stat.S_ISDIR(st.st_mode)


def new_run_record(backup_dir):
    """run.json of a run that starts now (status running)."""
    now = time.time()
    return dict(status='running', run_id=run_id(now), host=backup_dir, hostname=socket.gethostname(),
                start=format_utc(now), pid=os.getpid())


def failed_run_record(run_record, message, **details):
    record = dict(run_record, status='failed', end=utc_now(), error=message)
    record.update(details)
    return record


def complete_manifest(run_record, **fields):
    """The manifest of a run that ended now: the run's identity, the end time and the given fields."""
    end = time.time()
    started = parse_utc(run_record['start'])
    manifest = dict(manifest_version=MANIFEST_VERSION, status='complete', run_id=run_record['run_id'],
                    host=run_record['host'], hostname=os.uname()[1], start=run_record['start'], end=format_utc(end),
                    duration=round(end - started, 1) if started is not None else None,
                    collection_version=COLLECTION_VERSION)
    manifest.update(fields)
    return manifest


def interrupted_run(run_record):
    """A failure record for a run.json left 'running' by a run that died without recording its end.

    Only called while holding the backup's lock: a run that still lived would hold it (its rsync too).
    """
    if not run_record or run_record.get('status') != 'running':
        return None
    return dict(run_record, status='failed', end=utc_now(),
                error='the run (pid %s on %s) ended without recording its result: killed or the host went down'
                      % (run_record.get('pid', '?'), run_record.get('hostname', '?')))


MACHINE_ID_FILES = ('/etc/machine-id', '/var/lib/dbus/machine-id')  # OL7+ / OL6 (dbus)


def host_id(machine_id_files=MACHINE_ID_FILES):
    """What tells this host from another with the same short name: its machine-id, else its FQDN."""
    for path in machine_id_files:
        try:
            with open(path, 'rb') as handle:
                text = handle.read(64).decode('ascii', 'replace').strip()
        except (IOError, OSError):
            continue
        if text:
            return 'machine-id:' + text
    return 'fqdn:' + socket.getfqdn()


def owner_record(root, machine_id_files=MACHINE_ID_FILES):
    return dict(host_id=host_id(machine_id_files), hostname=socket.getfqdn(), root=root, since=utc_now())


def same_owner(recorded, current):
    """Is the recorded owner of a backup_dir the host (and root) running now?"""
    return (recorded or {}).get('host_id') == current['host_id'] and (recorded or {}).get('root') == current['root']


def describe_owner(record):
    return '%s (%s, root %s, since %s)' % (record.get('hostname', '?'), record.get('host_id', '?'),
                                           record.get('root', '?'), record.get('since', '?'))


def backup_state(paths):
    """(usable, reason, manifest) for a backup tree: is there a complete, finished run?

    The records are read through the confined layer; a planted symlink or FIFO raises ConfinedError.
    """
    manifest = read_json(paths.manifest, paths)
    run = read_json(paths.run, paths)
    if not tree_is_dir(paths):
        return False, 'no backup tree at %s' % paths.tree, manifest
    if manifest is None:
        return False, 'no manifest at %s: no backup run ever completed there' % paths.manifest, None
    if manifest.get('status') != 'complete':
        return False, 'the manifest %s says status %s, not complete' % (paths.manifest, manifest.get('status')), manifest
    if run is not None and run.get('run_id') != manifest.get('run_id'):
        return False, ('a later backup run (%s, started %s) was %s when this copy was taken: the tree is partly '
                       'updated' % (run.get('run_id'), run.get('start'), run.get('status'))), manifest
    return True, 'complete backup of %s finished %s' % (manifest.get('host'), manifest.get('end')), manifest
