#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: rsync_restore
short_description: Restore files, directories or a whole server from a ZFS appliance backup share
version_added: 0.1.0
description:
  - Restores from the backup that M(exalogic.backup.rsync_backup) wrote - the live mirror, a named
    appliance snapshot, or the newest snapshot holding a complete backup older than a given time
    (C(<mount>/.zfs/snapshot/<snapshot>/<backup_dir>/root)).
  - Restores O(paths) (files or directories) or the whole tree, into O(dest_root) - C(/) or an
    alternate root such as a new disk mounted elsewhere.
  - B(Safety.) Refuses a source that is not a verified mount of the share, an empty tree, or a
    backup whose manifest is not complete (a failed run, or a snapshot taken while a run was
    writing) unless O(force=true). Never deletes for path restores; a whole-tree restore deletes
    only with O(delete=true), capped by O(max_delete). O(backup_replaced=true) keeps every file it
    replaces.
  - Reapplies the POSIX ACLs and file capabilities from the backup's side-car files to what it
    restored (NFSv3 shares cannot hold them).
  - Works with Python 2.7 and 3.6+ on the target; needs C(rsync) and C(mount).
author:
  - exalogic.backup developers (!UNKNOWN)
extends_documentation_fragment:
  - exalogic.backup.backup_share
options:
  snapshot:
    description:
      - Name of the appliance snapshot to restore from. Mutually exclusive with O(as_of).
      - Default - the live mirror (the state of the last backup run).
    type: str
  as_of:
    description:
      - Restore the newest complete backup that ended at or before this UTC time, found among the
        share's snapshots (C(2026-11-24T18:00:00Z), C(2026-11-24 18:00) or C(2026-11-24)).
    type: str
  paths:
    description:
      - Files or directories to restore, as paths on the backed-up server (C(/etc/hosts), C(/opt/app)).
      - Default - the whole tree.
    type: list
    elements: path
  dest_root:
    description:
      - Where the restored tree goes - V(/) to put files back in place, or the root of another system
        (a new disk mounted on C(/mnt/sysimage)). Restored paths keep their path below it.
    type: path
    default: /
  delete:
    description:
      - For a whole-tree restore, delete files in O(dest_root) that are not in the backup (makes the
        destination an exact copy). Not allowed with O(paths) or into C(/) of the running system.
    type: bool
    default: false
  max_delete:
    description:
      - Most files a restore with O(delete=true) may delete. The deletions are counted first (an
        rsync dry run); a restore that would delete more fails and deletes nothing.
    type: int
    default: 1000
  backup_replaced:
    description:
      - Keep every file the restore replaces or deletes, below O(replaced_dir).
    type: bool
    default: false
  replaced_dir:
    description:
      - Directory for replaced files with O(backup_replaced=true). Default
        C(<dest_root>/var/tmp/exalogic-restore-replaced-<UTC timestamp>).
    type: path
  force:
    description:
      - Restore from a backup whose manifest is missing or not complete. The tree may be partly
        updated; use only when no complete backup exists.
    type: bool
    default: false
  sidecar:
    description:
      - Reapply POSIX ACLs and file capabilities from the side-car files to the restored files.
    type: bool
    default: true
  acls:
    description:
      - Send POSIX ACLs with rsync C(-A) (only for shares that store them).
    type: bool
    default: false
  sparse:
    description:
      - Recreate holes in sparse files (rsync C(--sparse)); right for restores to ordinary disks.
    type: bool
    default: true
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: Runs C(rsync --dry-run --itemize-changes) (mounting read-only if it must mount) and returns the itemized changes.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
notes:
  - For a full restore of a server, boot the new server from a rescue system, mount its new disks below
    one directory, and restore into that directory with O(dest_root); never replace the root of a
    running system with O(delete=true).
  - Snapshots must be visible (share property C(snapdir=visible)); otherwise clone the snapshot to a new
    share with M(exalogic.backup.zfssa_clone) and restore from the clone.
seealso:
  - module: exalogic.backup.rsync_backup
  - module: exalogic.backup.zfssa_clone
'''

EXAMPLES = r'''
- name: Restore one file from last night's snapshot, keeping the current version
  exalogic.backup.rsync_restore:
    nfs_server: 192.168.10.50
    nfs_export: /export/backups/{{ inventory_hostname }}
    backup_dir: "{{ inventory_hostname }}"
    snapshot: nightly-2026-11-24
    paths: [/etc/httpd/conf/httpd.conf]
    backup_replaced: true

- name: Restore a directory as it was yesterday at 18:00 UTC
  exalogic.backup.rsync_restore:
    nfs_server: 192.168.10.50
    nfs_export: /export/backups/{{ inventory_hostname }}
    backup_dir: "{{ inventory_hostname }}"
    as_of: '2026-11-24T18:00:00Z'
    paths: [/opt/app/config]

- name: Full restore onto the new disks of a rebuilt server (mounted on /mnt/sysimage)
  exalogic.backup.rsync_restore:
    nfs_server: 192.168.10.50
    nfs_export: /export/backups/vs01
    backup_dir: vs01
    dest_root: /mnt/sysimage
    delete: true
    max_delete: 100

- name: Preview a restore of /etc
  exalogic.backup.rsync_restore:
    nfs_server: 192.168.10.50
    nfs_export: /export/backups/{{ inventory_hostname }}
    backup_dir: "{{ inventory_hostname }}"
    paths: [/etc]
  check_mode: true
  register: preview
'''

RETURN = r'''
source:
  description: The backup tree the files came from.
  returned: always
  type: str
  sample: /mnt/backups/.zfs/snapshot/nightly-2026-11-24/vs01/root
snapshot:
  description: The snapshot used (null for the live mirror).
  returned: always
  type: str
  sample: nightly-2026-11-24
manifest:
  description: The manifest of the backup restored from (null when missing and O(force=true)).
  returned: always
  type: dict
  sample: {status: complete, host: vs01, end: '2026-11-24T17:30:41Z', files_total: 138200}
restored:
  description: The first 50 itemized changes (files created, updated or deleted).
  returned: always
  type: list
  elements: str
  sample: ['>f.st...... etc/httpd/conf/httpd.conf']
stats:
  description: rsync's counters (C(--stats)) and the itemized counts (changed, deleted).
  returned: always
  type: dict
  sample: {files_total: 1, files_transferred: 1, changed: 1, deleted: 0}
replaced_dir:
  description: Where replaced files were kept (with O(backup_replaced=true)).
  returned: when O(backup_replaced=true)
  type: str
  sample: /var/tmp/exalogic-restore-replaced-20261125T081500Z
sidecar:
  description: How many ACL entries and file capabilities were reapplied.
  returned: when not check mode
  type: dict
  sample: {acls: 3, capabilities: 2}
timings:
  description: Seconds per phase.
  returned: always
  type: dict
  sample: {mount: 0.2, verify: 0.01, rsync: 3.4, sidecar: 0.2, unmount: 0.1}
'''

import calendar
import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.exalogic.backup.plugins.module_utils._backup import run as backup_run
from ansible_collections.exalogic.backup.plugins.module_utils._backup import rsync, sidecar, sources
from ansible_collections.exalogic.backup.plugins.module_utils._backup.run import JobFailed
from ansible_collections.exalogic.backup.plugins.module_utils._backup.manifest import (
    BackupPaths, backup_state, parse_utc)

TIME_FORMATS = ('%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d')


def parse_as_of(text):
    """Seconds since the epoch of a UTC time given as text; None when no format fits."""
    for fmt in TIME_FORMATS:
        try:
            return calendar.timegm(time.strptime(text.strip(), fmt))
        except ValueError:
            continue
    return None


def manifest_end(manifest):
    return parse_utc(manifest.get('end', ''))


class Restore(backup_run.ShareJob):
    what = 'restore'

    def __init__(self, module):
        # a restore only reads the share: mount it read-only, also outside check mode
        super(Restore, self).__init__(module, read_only=True)
        self.dest_root = os.path.normpath(self.p['dest_root'])
        self.result.update(snapshot=None, manifest=None, restored=[], stats={})
        self.source_paths = None

    def phases(self):
        steps = [('lock', self.take_locks), ('mount', self.mount), ('verify', self.choose_source)]
        steps.append(('rsync', lambda: self.transfer(self.source_paths)))
        if not self.check and self.p['sidecar']:
            steps.append(('sidecar', lambda: self.reapply_sidecar(self.source_paths)))
        return steps

    def mount(self):
        if self.p['mount'] == 'auto' and not os.path.isdir(self.p['mount_point']) and self.check:
            raise JobFailed('mount point %s does not exist; a real run creates it' % self.p['mount_point'])
        problem = self.share.ensure()
        if problem:
            raise JobFailed('restore not started: %s' % problem)
        problem = self.share.marker_problem()
        if problem:
            raise JobFailed('restore not started: %s' % problem)

    # ------------------------------------------------------------------ which backup

    def choose_source(self):
        mount_point = self.p['mount_point']
        if self.p['as_of']:
            name, paths = self.snapshot_as_of(parse_as_of(self.p['as_of']))
        elif self.p['snapshot']:
            name = self.p['snapshot']
            snap_root = os.path.join(self.snapshot_dir(), name)
            if not os.path.isdir(snap_root):
                raise JobFailed('snapshot %s not found in %s; available: %s' % (
                    name, self.snapshot_dir(), ', '.join(self.snapshot_names()[-10:]) or 'none'))
            paths = BackupPaths(snap_root, self.backup_dir)
        else:
            name, paths = None, BackupPaths(mount_point, self.backup_dir)
        self.result['snapshot'] = name
        self.result['source'] = paths.tree
        usable, reason, manifest = backup_state(paths)
        self.result['manifest'] = manifest
        if not os.path.isdir(paths.tree) or not os.listdir(paths.tree):
            raise JobFailed('restore not started: the backup tree %s is missing or empty' % paths.tree)
        if not usable and not self.p['force']:
            raise JobFailed('restore not started: %s. Choose a snapshot with a complete backup (as_of picks one), '
                            'or set force: true to restore from this one anyway' % reason)
        if not usable:
            self.module.warn('restoring from an incomplete backup (force: true): %s' % reason)
        self.source_paths = paths
        return paths

    def snapshot_dir(self):
        directory = os.path.join(self.p['mount_point'], '.zfs', 'snapshot')
        if not os.path.isdir(directory):
            raise JobFailed('the share shows no snapshots (%s is missing): set the share property snapdir to '
                            'visible, or clone the snapshot with exalogic.backup.zfssa_clone and restore from the '
                            'clone' % directory)
        return directory

    def snapshot_names(self):
        return sorted(os.listdir(self.snapshot_dir()))

    def snapshot_as_of(self, limit):
        """The snapshot holding the newest complete backup that ended at or before limit."""
        best = None
        for name in self.snapshot_names():
            paths = BackupPaths(os.path.join(self.snapshot_dir(), name), self.backup_dir)
            usable, _reason, manifest = backup_state(paths)
            end = manifest_end(manifest or {}) if usable else None
            if end is not None and end <= limit and (best is None or end > best[0]):
                best = (end, name, paths)
        if best is None:
            raise JobFailed('no snapshot in %s holds a complete backup of %s that ended at or before %s' % (
                self.snapshot_dir(), self.backup_dir, self.p['as_of']))
        return best[1], best[2]

    # ------------------------------------------------------------------ copy back

    def selected_paths(self):
        return ['/' + p.strip('/') for p in self.p['paths'] or []]

    def transfer(self, paths):
        selected = self.selected_paths()
        if selected:
            missing = [p for p in selected if not os.path.lexists(sources.on_host(paths.tree, p))]
            if missing:
                raise JobFailed('not in the backup %s: %s' % (paths.tree, ', '.join(missing)))
            srcs = [sources.anchored(paths.tree, p) for p in selected]
        else:
            srcs = [paths.tree.rstrip('/') + '/']
        replaced_dir, protect = self.replaced_dir()

        def command(dry_run, max_delete):
            return rsync.restore_command(
                self.rsync_bin(), srcs, self.dest_root, delete=self.p['delete'], max_delete=max_delete,
                backup_dir=replaced_dir, protect=protect, acls=self.p['acls'], sparse=self.p['sparse'],
                bwlimit=self.p['bwlimit'], timeout=self.p['timeout'], dry_run=dry_run, extra_args=self.p['extra_args'])
        if self.p['delete'] and not self.check:
            # max_delete is a gate: count the deletions first (dry run), delete nothing when they exceed it
            counted = self.rsync(command(True, None))
            self.result['deletions_counted'] = counted.items['deleted']
            if counted.items['deleted'] > self.p['max_delete']:
                raise JobFailed('restore not started, nothing was deleted: it would delete %d entries in %s, more '
                                'than max_delete (%d). Check dest_root, preview with check mode, and raise max_delete '
                                'if intended' % (counted.items['deleted'], self.dest_root, self.p['max_delete']))
        argv = command(self.check, self.p['max_delete'] if not self.check else None)
        rc, stderr, items, stats = self.rsync(argv)
        self.result.update(restored=items['paths'], stats=stats, rsync_rc=rc, command=argv,
                           changed=bool(items['changed'] or items['deleted']))
        if replaced_dir:
            self.result['replaced_dir'] = replaced_dir
        outcome = rsync.classify(rc, stderr)
        if self.check and self.p['delete'] and items['deleted'] > self.p['max_delete']:
            self.module.warn('a real restore would stop at max_delete: it would delete %d entries, more than %d'
                             % (items['deleted'], self.p['max_delete']))
        if rc == rsync.RC_MAX_DELETE:
            raise JobFailed('the restore stopped at max_delete (%d): more deletions appeared in %s after they were '
                            'counted; check dest_root and run again' % (self.p['max_delete'], self.dest_root))
        if not outcome['ok'] or rc == rsync.RC_VANISHED:
            raise JobFailed('restore from %s failed: %s' % (paths.tree, outcome['message'] or 'rsync exit %d' % rc))

    def replaced_dir(self):
        if not self.p['backup_replaced']:
            return None, []
        directory = self.p['replaced_dir'] or os.path.join(
            self.dest_root, 'var/tmp', 'exalogic-restore-replaced-%s' % time.strftime('%Y%m%dT%H%M%SZ', time.gmtime()))
        protect = []
        if directory.startswith(self.dest_root.rstrip('/') + '/'):
            protect.append('/' + os.path.relpath(directory, self.dest_root) + '/')
        return directory, protect

    def reapply_sidecar(self, paths):
        selected = [p.lstrip('/') for p in self.selected_paths()] or None
        applied = dict(acls=0, capabilities=0)
        acl_text = sidecar.select_acls(backup_run.read_text(paths.acls), selected)
        if acl_text:
            setfacl = self.module.get_bin_path('setfacl')
            if setfacl:
                rc, out, err = self.module.run_command([setfacl, '--restore=-'], data=acl_text, binary_data=True,
                                                       cwd=self.dest_root)
                if rc != 0:
                    self.module.warn('setfacl --restore reported: %s' % (err or out).strip())
                applied['acls'] = acl_text.count('# file: ')
            else:
                self.module.warn('setfacl is not installed: ACLs from the backup were not reapplied (install acl)')
        caps = sidecar.select_capabilities(backup_run.read_text(paths.capabilities), selected)
        setcap = self.module.get_bin_path('setcap', opt_dirs=['/usr/sbin', '/sbin']) if caps else None
        for path, value in caps:
            if setcap is None:
                self.module.warn('setcap is not installed: file capabilities were not reapplied (install libcap)')
                break
            rc, out, err = self.module.run_command([setcap, value, sources.on_host(self.dest_root, path)])
            if rc == 0:
                applied['capabilities'] += 1
            else:
                self.module.warn('setcap %s %s: %s' % (value, path, (err or out).strip()))
        self.result['sidecar'] = applied


def argument_spec():
    spec = backup_run.share_argument_spec()
    spec.update(
        snapshot=dict(type='str'),
        as_of=dict(type='str'),
        paths=dict(type='list', elements='path'),
        dest_root=dict(type='path', default='/'),
        delete=dict(type='bool', default=False),
        max_delete=dict(type='int', default=1000),
        backup_replaced=dict(type='bool', default=False),
        replaced_dir=dict(type='path'),
        force=dict(type='bool', default=False),
        sidecar=dict(type='bool', default=True),
        acls=dict(type='bool', default=False),
        sparse=dict(type='bool', default=True),
    )
    return spec


def param_problems(params):
    problems = backup_run.param_problems(params)
    if params['as_of'] and parse_as_of(params['as_of']) is None:
        problems.append("as_of '%s' is not a UTC time: use 2026-11-24T18:00:00Z, '2026-11-24 18:00' or 2026-11-24"
                        % params['as_of'])
    if params['snapshot'] and ('/' in params['snapshot'] or params['snapshot'] in ('.', '..')):
        problems.append("snapshot '%s' must be a snapshot name, not a path" % params['snapshot'])
    if params['delete'] and params['paths']:
        problems.append('delete: true is only for whole-tree restores; a restore of paths never deletes (remove delete '
                        'or paths)')
    if params['delete'] and os.path.normpath(params['dest_root']) == '/':
        problems.append('delete: true into / would replace the running system; restore into an alternate root '
                        '(dest_root) from a rescue system, or restore without delete')
    if params['max_delete'] < 0:
        problems.append('max_delete must be 0 or more')
    if not os.path.isdir(params['dest_root']):
        problems.append('dest_root %s is not a directory: create and mount the target first' % params['dest_root'])
    return problems


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           **backup_run.share_constraints([('snapshot', 'as_of')]))
    backup_run.run_job(module, param_problems, Restore)


if __name__ == '__main__':
    main()
