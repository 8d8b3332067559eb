#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: backup_info
short_description: List the backups of one host on a mounted backup share - the live mirror and every snapshot
version_added: 0.1.0
description:
  - Reads the records that M(exalogic.backup.rsync_backup) leaves next to a host's mirror
    (C(<backup_dir>/meta/manifest.json) and C(run.json)) on a share that is already mounted on
    this host, and the same records inside every snapshot of the share
    (C(<path>/.zfs/snapshot/<snapshot>/<backup_dir>/meta/)), and returns one entry per copy - is it
    a complete backup, when it started and finished, how long it took, how many files and bytes
    it holds and what rsync reported.
  - Runs on a vServer while its share is mounted, or on any host that mounts the share (an admin
    host, the control node with the share mounted read-only). It never mounts, writes or changes
    anything.
  - B(The share is untrusted input.) Records are read through the collection's confined-path layer -
    regular files only, no symbolic link followed anywhere below O(path), each record size-capped
    (O(max_record_bytes)). A record that cannot be read is reported with its reason in
    RV(backups[].reason) instead of failing the task, so one bad snapshot never hides the others.
  - A snapshot copy counts as a complete backup only when its manifest says C(complete) and its run
    record is the same run - a snapshot taken while rsync was writing holds a half-updated tree and
    is reported with RV(backups[].state=running).
  - Works with Python 2.7 and 3.6+ on the target.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  path:
    description:
      - The mounted share, the directory that holds the share marker C(.exalogic-backup-share), the
        host directories and C(.zfs/snapshot/). Usually the O(exalogic.backup.rsync_backup#module:mount_point)
        of the backup while the share is mounted.
    type: path
    required: true
  backup_dir:
    description:
      - The host's directory on the share (the O(exalogic.backup.rsync_backup#module:backup_dir) of
        its backups), usually C({{ inventory_hostname }}).
    type: str
    required: true
  snapshots:
    description:
      - Also read the copies in the share's snapshots (C(.zfs/snapshot/*)). V(false) reads only the
        live mirror.
    type: bool
    default: true
  snapshot_prefix:
    description:
      - Only snapshots whose name starts with this text, for example C(vs01-) for the fence snapshots
        that M(exalogic.backup.vserver_backup) takes after each complete run. Default - every snapshot
        that holds a copy of O(backup_dir).
    type: str
    default: ''
  max_record_bytes:
    description:
      - Largest record file (manifest, run record) read from the share. A larger file is refused and
        reported, never read.
    type: int
    default: 1048576
  require_marker:
    description:
      - Fail when O(path) holds no share marker C(.exalogic-backup-share) (a wrong or unmounted path
        otherwise just lists no backups).
    type: bool
    default: true
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads, in check mode as in a normal run.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
seealso:
  - module: exalogic.backup.rsync_backup
  - module: exalogic.backup.rsync_restore
  - module: exalogic.backup.zfssa_info
'''

EXAMPLES = r'''
- name: List the backups of this vServer while its share is mounted
  exalogic.backup.backup_info:
    path: /mnt/backups
    backup_dir: "{{ inventory_hostname }}"
  register: backups

- name: Age of the newest complete backup
  ansible.builtin.debug:
    msg: "last complete backup finished {{ backups.latest_complete.finished | default('never') }}"

- name: Only the fence snapshots of the role, no live mirror scan of other snapshots
  exalogic.backup.backup_info:
    path: /mnt/backups
    backup_dir: vs01
    snapshot_prefix: vs01-
  register: fences

- name: Feed the fleet report (playbooks/report.yml does this per host)
  ansible.builtin.set_fact:
    report_manifests: "{{ backups.backups }}"
'''

RETURN = r'''
backups:
  description:
    - One entry per copy of the host's backup, the snapshots ordered by the time their backup
      finished (oldest first, copies without a finish time first), then the live mirror last.
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: V(live) for the mirror on the share, otherwise the snapshot name.
      type: str
      sample: vs01-20261207T011500Z
    snapshot:
      description: The snapshot name, or null for the live mirror.
      type: str
      sample: vs01-20261207T011500Z
    path:
      description: The host's directory in this copy.
      type: str
      sample: /mnt/backups/.zfs/snapshot/vs01-20261207T011500Z/vs01
    complete:
      description: The copy holds a complete, finished backup that can be restored.
      type: bool
      sample: true
    state:
      description:
        - V(complete), V(running) (a run was in progress when the copy was taken, or is now),
          V(failed) (the last run failed; RV(backups[].finished) still names the last complete one),
          V(none) (no manifest - no run ever completed there) or V(unreadable) (a record was refused,
          see RV(backups[].reason)).
      type: str
      sample: complete
    reason:
      description: One sentence saying why the copy is or is not complete.
      type: str
      sample: complete backup of vs01 finished 2026-12-07T01:15:40Z
    run_id:
      description: Id of the complete run the manifest describes.
      type: str
      sample: 20261207T011502Z-4711
    started:
      description: UTC start of that run (manifest C(start)).
      type: str
      sample: '2026-12-07T01:15:02Z'
    finished:
      description: UTC end of that run (manifest C(end)).
      type: str
      sample: '2026-12-07T01:15:40Z'
    duration:
      description: Seconds the run took.
      type: float
      sample: 38.2
    files:
      description: Files in the backup (manifest C(files_total)).
      type: int
      sample: 138200
    bytes:
      description: Bytes in the backup (manifest C(bytes_total)).
      type: int
      sample: 5300000000
    files_transferred:
      description: Files sent by that run.
      type: int
    bytes_transferred:
      description: Bytes sent by that run.
      type: int
    rsync_rc:
      description: rsync's exit code of that run.
      type: int
      sample: 24
    rsync_result:
      description: What the exit code meant (ok, vanished, source_unreadable ...).
      type: str
      sample: vanished
    hostname:
      description: Hostname of the server that wrote the backup.
      type: str
    run:
      description: The run record (C(run.json)) of the copy - status, run_id, start, end, error - or null.
      type: dict
latest_complete:
  description: The newest complete copy (same keys as RV(backups[])), or null when there is none.
  returned: always
  type: dict
share_path:
  description: The share path that was read.
  returned: always
  type: str
  sample: /mnt/backups
'''

import json
import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native, to_text

from ansible_collections.exalogic.backup.plugins.module_utils._backup import confined
from ansible_collections.exalogic.backup.plugins.module_utils._backup.manifest import MARKER

SNAPSHOT_DIR = '.zfs/snapshot'
MANIFEST_FIELDS = (
    ('run_id', 'run_id'), ('started', 'start'), ('finished', 'end'), ('duration', 'duration'),
    ('files', 'files_total'), ('bytes', 'bytes_total'), ('files_transferred', 'files_transferred'),
    ('bytes_transferred', 'bytes_transferred'), ('rsync_rc', 'rsync_rc'), ('rsync_result', 'rsync_result'),
    ('hostname', 'hostname'))


class RecordRefused(Exception):
    """A record on the share that could not be used; the message says which file and why."""


def read_record(root, relpath, max_bytes):
    """The JSON object in root/relpath (read through the confined layer), or None when it does not exist."""
    try:
        data = confined.read_file(root, relpath, max_bytes, missing_ok=True)
    except confined.ConfinedError as err:
        raise RecordRefused(to_native(err))
    except (IOError, OSError) as err:
        raise RecordRefused('%s: %s' % (os.path.join(root, relpath), to_native(err.strerror or err)))
    if data is None:
        return None
    try:
        record = json.loads(to_text(data, errors='surrogate_or_strict'))
    except ValueError as err:
        raise RecordRefused('%s is not valid JSON: %s' % (os.path.join(root, relpath), to_native(err)))
    if not isinstance(record, dict):
        raise RecordRefused('%s holds no JSON object' % os.path.join(root, relpath))
    return record


def judge(manifest, run, backup_dir):
    """(state, reason) of one copy from its manifest and run record (either may be None)."""
    if manifest is None:
        if run is not None and run.get('status') == 'running':
            return 'running', 'the first backup run (%s) had not finished' % run.get('run_id')
        return 'none', 'no manifest: no backup run of %s ever completed in this copy' % backup_dir
    if manifest.get('status') != 'complete':
        return 'unreadable', 'the manifest says status %s, not complete' % manifest.get('status')
    if run is not None and run.get('run_id') != manifest.get('run_id'):
        state = 'running' if run.get('status') == 'running' else 'failed'
        return state, ('a later run (%s, started %s) was %s when this copy was taken: the tree is partly updated'
                       % (run.get('run_id'), run.get('start'), run.get('status')))
    return 'complete', 'complete backup of %s finished %s' % (manifest.get('host', backup_dir), manifest.get('end'))


def describe_copy(copy_root, backup_dir, snapshot, max_bytes):
    """One entry of RV(backups) for the copy of backup_dir in copy_root (the share, or one snapshot of it)."""
    entry = dict(source=snapshot or 'live', snapshot=snapshot, path=os.path.join(copy_root, backup_dir),
                 complete=False, run=None)
    entry.update((name, None) for name, _key in MANIFEST_FIELDS)
    try:
        manifest = read_record(copy_root, backup_dir + '/meta/manifest.json', max_bytes)
        run = read_record(copy_root, backup_dir + '/meta/run.json', max_bytes)
    except RecordRefused as err:
        entry.update(state='unreadable', reason='record refused: %s' % err)
        return entry
    state, reason = judge(manifest, run, backup_dir)
    for name, key in MANIFEST_FIELDS:
        entry[name] = (manifest or {}).get(key)
    entry.update(state=state, reason=reason, complete=state == 'complete', run=run)
    return entry


def is_directory_inside(root, relpath):
    """True when root/relpath is a real directory reached without following a symbolic link.

    Crossing filesystems is allowed here: on ZFS every .zfs/snapshot/<name> is a mount of its own.
    """
    try:
        st = confined.lstat_inside(root, relpath, one_device=False)
    except confined.ConfinedError:
        return False
    return st is not None and stat.S_ISDIR(st.st_mode)


def snapshot_names(share_root, prefix):
    """Names below .zfs/snapshot (sorted), or [] when the share shows none."""
    if not is_directory_inside(share_root, SNAPSHOT_DIR):
        return []
    names = os.listdir(os.path.join(share_root, SNAPSHOT_DIR))
    return sorted(to_text(n) for n in names if not n.startswith('.') and to_text(n).startswith(prefix))


def list_backups(share_root, backup_dir, snapshots=True, prefix='', max_bytes=1048576):
    """All copies of backup_dir on the share: snapshot copies ordered by finish time, then the live mirror."""
    copies = []
    for name in snapshot_names(share_root, prefix) if snapshots else []:
        snap_rel = '%s/%s' % (SNAPSHOT_DIR, name)
        if is_directory_inside(share_root, snap_rel) and is_directory_inside(share_root, '%s/%s' % (snap_rel, backup_dir)):
            copies.append(describe_copy(os.path.join(share_root, snap_rel), backup_dir, name, max_bytes))
    copies.sort(key=lambda c: (c['finished'] is not None, to_text(c['finished'] or ''), c['source']))
    copies.append(describe_copy(share_root, backup_dir, None, max_bytes))
    return copies


def latest_complete(copies):
    complete = [c for c in copies if c['complete'] and c['finished']]
    return max(complete, key=lambda c: (to_text(c['finished']), c['snapshot'] is None)) if complete else None


def input_problems(params):
    problems = []
    if not os.path.isabs(params['path']):
        problems.append("path '%s' must be an absolute path: the mounted share" % params['path'])
    elif not os.path.isdir(params['path']):
        problems.append('path %s is not a directory: mount the share there first' % params['path'])
    backup_dir = params['backup_dir']
    if not backup_dir or '/' in backup_dir or backup_dir in ('.', '..') or backup_dir.startswith('.'):
        problems.append("backup_dir '%s' must be one directory name (no '/', not starting with '.'), "
                        "such as the inventory hostname" % backup_dir)
    if '/' in params['snapshot_prefix']:
        problems.append("snapshot_prefix '%s' must not contain '/'" % params['snapshot_prefix'])
    if params['max_record_bytes'] < 1:
        problems.append('max_record_bytes must be a positive number of bytes')
    return problems


def marker_problem(share_root):
    try:
        st = confined.lstat_inside(share_root, MARKER)
    except confined.ConfinedError as err:
        return 'the share marker cannot be checked: %s' % to_native(err)
    if st is None or not stat.S_ISREG(st.st_mode):
        return ('%s holds no regular file %s: it is not a mounted backup share (mount the share there, or set '
                'require_marker: false to read a copy without it)' % (share_root, MARKER))
    return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            backup_dir=dict(type='str', required=True),
            snapshots=dict(type='bool', default=True),
            snapshot_prefix=dict(type='str', default=''),
            max_record_bytes=dict(type='int', default=1048576),
            require_marker=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    problems = input_problems(p)
    if problems:
        module.fail_json(msg='; '.join(problems))
    share_root = os.path.normpath(p['path'])
    if p['require_marker']:
        problem = marker_problem(share_root)
        if problem:
            module.fail_json(msg=problem, share_path=share_root)
    copies = list_backups(share_root, p['backup_dir'], snapshots=p['snapshots'], prefix=p['snapshot_prefix'],
                          max_bytes=p['max_record_bytes'])
    module.exit_json(changed=False, share_path=share_root, backups=copies, latest_complete=latest_complete(copies))


if __name__ == '__main__':
    main()
