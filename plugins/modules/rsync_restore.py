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
    writing) unless O(force=true). A whole-tree restore deletes only with O(delete=true), capped by
    O(max_delete); O(delete=true) into the running system's C(/) is refused for every spelling of it.
    O(backup_replaced=true) keeps every file it replaces.
  - B(Path restores follow the backup's layout.) Each path is resolved inside the backup as the backed-up
    server would resolve it (C(/bin/foo) is C(/usr/bin/foo) when the backup has C(/bin -> usr/bin)); the
    destination's existing directories and symlinks above it are kept, one that resolves outside
    O(dest_root) is refused. The path itself replaces what is there, also a symlink (listed in
    RV(replaced_symlinks), in check mode too).
  - Reapplies the POSIX ACLs and file capabilities from the backup's side-car files to what it
    restored (NFSv3 shares cannot hold them), one file at a time, only inside O(dest_root) and the
    selected O(paths), never through a symlink; owner, group and setuid lines of the side-car are
    not applied (rsync restored owners and modes).
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
      - Default - the whole tree. An empty list, C(/), and paths with C(..), C(.), empty components or
        NUL are refused.
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
  excludes:
    description:
      - rsync patterns left out of the restore (anchored at the backup's root with a leading C(/)), for example
        C(/proc/*) or C(/etc/machine-id). Excluded paths in O(dest_root) are kept, also with O(delete=true).
    type: list
    elements: str
    default: []
  force:
    description:
      - Restore from a backup whose manifest is missing or not complete. The tree may be partly
        updated; use only when no complete backup exists.
    type: bool
    default: false
  sidecar:
    description:
      - Reapply POSIX ACLs, file capabilities and C(user.*) extended attributes from the side-car files
        to the restored files, one file at a time inside O(dest_root) (and inside O(paths) when given).
      - SELinux labels are not taken from the share; see O(selinux_relabel).
    type: bool
    default: true
  acls:
    description:
      - Send POSIX ACLs with rsync C(-A) (only for shares that store them).
    type: bool
    default: false
  return_layout:
    description:
      - Also return the layout the backup recorded (C(meta/layout.json) of the chosen copy, written by
        M(exalogic.backup.rsync_backup)) as RV(layout), for a rebuild that compares it with the new host.
        Read through the confined layer, size-capped; works in check mode.
    type: bool
    default: false
  selinux_relabel:
    description:
      - SELinux labels live in C(security.selinux) attributes, which an NFSv3 share does not keep; the
        restored files are relabelled from the policy instead of taking labels from the share.
      - V(auto) - a whole-tree restore of a backup whose C(etc/selinux/config) says
        C(SELINUX=enforcing) or C(permissive) gets C(<dest_root>/.autorelabel), so the system relabels
        on its next boot; a path restore into the running system (O(dest_root=/)) with SELinux enabled
        runs C(restorecon -R) on the restored paths. Nothing is done when SELinux is off.
      - V(always) does the same even when SELinux looks off; V(never) leaves labels alone.
    type: str
    choices: [auto, always, never]
    default: auto
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
  description: How many ACL entries, file capabilities and user xattrs were reapplied, how many of them
    changed something, and how many side-car entries were refused (each refusal is also a warning).
  returned: when not check mode
  type: dict
  sample: {acls: 3, capabilities: 2, xattrs: 4, changed: 1, refused: 0}
layout:
  description: The layout the backup recorded (see M(exalogic.backup.layout_info)); null when the copy has none.
  returned: when O(return_layout=true)
  type: dict
  sample: {system: {hostname: vs01, machine_id: 4c4c4544004a39108035b2c04f4e3732}, filesystems: []}
selinux:
  description: What was done (or, in check mode, would be done) about SELinux labels - C(autorelabel),
    C(restorecon) or C(none) - and why.
  returned: always, once the restore ran
  type: dict
  sample: {action: autorelabel, reason: 'restored etc/selinux/config says SELINUX=enforcing'}
resolved:
  description: Each requested path and the path in the backup it resolved to.
  returned: when O(paths) is given
  type: dict
  sample: {/bin/foo: /usr/bin/foo}
replaced_symlinks:
  description: Symlinks in O(dest_root) that the restore replaces (check mode) or replaced by the backup's
    file or directory.
  returned: when rsync ran
  type: list
  elements: str
  sample: [/opt/app]
timings:
  description: Seconds per phase.
  returned: always
  type: dict
  sample: {mount: 0.2, verify: 0.01, rsync: 3.4, sidecar: 0.2, unmount: 0.1}
'''

import binascii
import calendar
import errno
import json
import os
import stat
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.exalogic.backup.plugins.module_utils._backup import run as backup_run
from ansible_collections.exalogic.backup.plugins.module_utils._backup import confined, rsync, sidecar, sources
from ansible_collections.exalogic.backup.plugins.module_utils._backup.confined import fs_bytes
from ansible_collections.exalogic.backup.plugins.module_utils._backup.run import JobFailed
from ansible_collections.exalogic.backup.plugins.module_utils._host.shellvars import parse_shell_assignments
from ansible_collections.exalogic.backup.plugins.module_utils._backup.manifest import (
    BackupPaths, backup_state, compact_utc, parse_utc, read_share_file)

LAYOUT_MAX_BYTES = 16 << 20  # meta/layout.json of a big host is well below 1 MiB
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
        self.resolved = None

    def phases(self):
        steps = [('lock', self.take_locks), ('mount', self.mount), ('verify', self.choose_source)]
        steps.append(('rsync', lambda: self.transfer(self.source_paths)))
        if not self.check and self.p['sidecar']:
            steps.append(('sidecar', lambda: self.reapply_sidecar(self.source_paths)))
        steps.append(('selinux', self.relabel))
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
        try:
            usable, reason, manifest = backup_state(paths)
        except confined.ConfinedError as err:
            raise JobFailed('restore not started: the backup records are not usable: %s' % err)
        self.result['manifest'] = manifest
        if not os.path.isdir(paths.tree) or os.path.islink(paths.tree) or not os.listdir(paths.tree):
            raise JobFailed('restore not started: the backup tree %s is missing or empty' % paths.tree)
        if not usable and not self.p['force']:
            raise JobFailed('restore not started: %s. Choose a snapshot with a complete backup (as_of picks one), '
                            'or set force: true to restore from this one anyway' % reason)
        if not usable:
            self.module.warn('restoring from an incomplete backup (force: true): %s' % reason)
        self.source_paths = paths
        if self.p['return_layout']:
            self.result['layout'] = self.recorded_layout(paths)
        return paths

    def recorded_layout(self, paths):
        """The layout side-car of the chosen copy (what a rebuild compares the new host with), or None."""
        try:
            data = read_share_file(paths, paths.layout, LAYOUT_MAX_BYTES)
            layout = json.loads(data.decode('utf-8')) if data else None
        except (confined.ConfinedError, ValueError, UnicodeDecodeError) as err:
            self.module.warn('the backup\'s layout side-car is not usable: %s' % err)
            return None
        return layout if isinstance(layout, dict) else None

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
            try:
                usable, _reason, manifest = backup_state(paths)
            except confined.ConfinedError as err:
                self.module.warn('snapshot %s skipped: %s' % (name, err))
                continue
            end = manifest_end(manifest or {}) if usable else None
            if end is not None and end <= limit and (best is None or end > best[0]):
                best = (end, name, paths)
        if best is None:
            raise JobFailed('no snapshot in %s holds a complete backup of %s that ended at or before %s' % (
                self.snapshot_dir(), self.backup_dir, self.p['as_of']))
        return best[1], best[2]

    # ------------------------------------------------------------------ copy back

    def selected_paths(self):
        """The requested paths relative to the tree root ('etc/hosts'); [] for a whole-tree restore."""
        return [p.strip('/') for p in self.p['paths'] or []]

    def transfer(self, paths):
        selected = self.selected_paths()
        extra = list(self.p['extra_args'])
        self.result['replaced_symlinks'] = []
        if selected:
            resolved = [self.resolve_path(paths.tree, p) for p in selected]
            self.result['resolved'] = dict(('/' + p, '/' + r) for p, r in zip(selected, resolved))
            srcs = [sources.anchored(paths.tree, r) for r in resolved]
            # keep the destination's existing directories and symlinks above each path (/bin -> usr/bin)
            extra.insert(0, '--no-implied-dirs')
        else:
            resolved = None
            srcs = [paths.tree.rstrip('/') + '/']
        self.resolved = resolved
        replaced_dir, protect = self.replaced_dir()

        def command(dry_run, max_delete):
            return rsync.restore_command(
                self.rsync_bin(), srcs, self.dest_root, delete=self.p['delete'], max_delete=max_delete,
                backup_dir=replaced_dir, protect=protect, acls=self.p['acls'], sparse=self.p['sparse'],
                bwlimit=self.p['bwlimit'], timeout=self.p['timeout'], dry_run=dry_run, extra_args=extra,
                excludes=self.p['excludes'])
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
        self.note_replaced_symlinks(items['paths'])
        self.result.update(restored=items['paths'], stats=stats, rsync_rc=rc, command=argv,
                           changed=bool(items['changed'] or items['deleted']))
        if self.result['replaced_symlinks']:
            self.module.warn('%s symlink(s) in %s %s replaced by what the backup holds: %s' % (
                len(self.result['replaced_symlinks']), self.dest_root, 'will be' if self.check else 'were',
                ', '.join(self.result['replaced_symlinks'][:10])))
        if replaced_dir:
            self.result['replaced_dir'] = replaced_dir
        outcome = rsync.classify(rc, stderr)
        if self.check and self.p['delete'] and items['deleted'] > self.p['max_delete']:
            self.module.warn('a real restore would stop at max_delete: it would delete %d entries, more than %d'
                             % (items['deleted'], self.p['max_delete']))
        if rc == rsync.RC_MAX_DELETE:
            raise JobFailed('the restore stopped at max_delete (%d): more deletions appeared in %s after they were '
                            'counted; check dest_root and run again' % (self.p['max_delete'], self.dest_root))
        if not outcome.ok or rc == rsync.RC_VANISHED:
            raise JobFailed('restore from %s failed: %s' % (paths.tree, outcome.message or 'rsync exit %d' % rc))

    def resolve_path(self, tree, rel):
        """Where rel is in the backup, with the backup's own symlinks resolved inside the tree (a chroot's view).

        The last component is kept as it is (a symlink is restored as a symlink). Refused: a path that
        leaves the tree, is missing, or whose destination directory resolves outside dest_root.
        """
        parent, leaf = os.path.split(rel)
        try:
            where = confined.resolve(tree, parent) if parent else ''
            resolved = os.path.join(where, leaf)
            st = confined.lstat_inside(tree, resolved)
        except confined.ConfinedError as err:
            raise JobFailed('restore not started: paths: /%s: %s' % (rel, err))
        if st is None:
            raise JobFailed('restore not started: paths: /%s is not in the backup %s' % (rel, tree))
        # bytes for the system calls: a non-ASCII name works under any locale (confined.fs_bytes)
        real_dest = os.path.realpath(fs_bytes(self.dest_root))
        target_dir = os.path.realpath(fs_bytes(os.path.join(self.dest_root, where))) if where else real_dest
        if target_dir != real_dest and not target_dir.startswith(real_dest.rstrip(b'/') + b'/'):
            raise JobFailed('restore not started: paths: /%s: its directory %s in dest_root resolves to %s, outside '
                            'dest_root %s (a symlink in the destination); fix or remove that symlink first'
                            % (rel, os.path.join(self.dest_root, where), target_dir.decode('utf-8', 'replace'),
                               self.dest_root))
        self.check_leaf(resolved, st)
        return resolved

    def check_leaf(self, resolved, backup_st):
        try:
            here = os.lstat(fs_bytes(os.path.join(self.dest_root, resolved)))
        except OSError:
            return
        if stat.S_ISLNK(here.st_mode) and not stat.S_ISLNK(backup_st.st_mode):
            self.result['replaced_symlinks'].append('/' + resolved)

    def note_replaced_symlinks(self, lines):
        """Itemized creations whose destination is a symlink today: rsync replaces it without a '*deleting' line."""
        for line in lines:
            if len(line) > 12 and line[2:11] == '+' * 9:
                name = line[12:].rstrip('/')
                try:
                    if stat.S_ISLNK(os.lstat(fs_bytes(os.path.join(self.dest_root, name))).st_mode):
                        if '/' + name not in self.result['replaced_symlinks']:
                            self.result['replaced_symlinks'].append('/' + name)
                except OSError:
                    continue

    def replaced_dir(self):
        """Directory for replaced files: created 0700 by this run (never one a local user prepared)."""
        if not self.p['backup_replaced']:
            return None, []
        directory = self.p['replaced_dir']
        if not directory:
            parent = os.path.join(self.dest_root, 'var/tmp')
            directory = os.path.join(parent, 'exalogic-restore-replaced-%s-%s' % (
                compact_utc(), binascii.hexlify(os.urandom(4)).decode('ascii')))
            if not self.check:
                try:
                    confined.make_dirs(self.dest_root, 'var/tmp', mode=0o1777, one_device=False)
                except confined.ConfinedError as err:
                    raise JobFailed('restore not started: cannot prepare the replaced-files directory: %s' % err)
        if not self.check:
            self.create_private_dir(directory)
        protect = []
        if directory.startswith(self.dest_root.rstrip('/') + '/'):
            protect.append('/' + os.path.relpath(directory, self.dest_root) + '/')
        return directory, protect

    def create_private_dir(self, directory):
        try:
            os.mkdir(directory, 0o700)
        except OSError as err:
            if err.errno != errno.EEXIST or not self.p['replaced_dir']:
                raise JobFailed('restore not started: cannot create the replaced-files directory %s: %s'
                                % (directory, err.strerror))
        st = os.lstat(directory)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
            raise JobFailed('restore not started: replaced_dir %s must be a directory owned by root and writable '
                            'only by root (it is not: a local user may have prepared it); choose a new path'
                            % directory)

    def reapply_sidecar(self, paths):
        """Apply the side-car ACLs, capabilities and user xattrs to what was restored, one confined file at a time."""
        selected = self.resolved
        applier = sidecar.Applier(
            self.module.run_command, self.dest_root,
            setfacl=self.module.get_bin_path('setfacl'), getfacl=self.module.get_bin_path('getfacl'),
            setcap=self.module.get_bin_path('setcap', opt_dirs=['/usr/sbin', '/sbin']),
            getcap=self.module.get_bin_path('getcap', opt_dirs=['/usr/sbin', '/sbin']),
            setfattr=self.module.get_bin_path('setfattr'))
        problems = []
        try:
            acls, found = sidecar.acl_entries(read_share_file(paths, paths.acls))
            problems += found
            caps, found = sidecar.capability_entries(read_share_file(paths, paths.capabilities))
            problems += found
            xattrs, found = sidecar.xattr_entries(read_share_file(paths, paths.xattrs))
            problems += found
        except confined.ConfinedError as err:
            raise JobFailed('restore done, side-car not applied: %s' % err)
        acls, caps, xattrs = sidecar.select(acls, selected), sidecar.select(caps, selected), sidecar.select(xattrs, selected)
        if acls and not applier.setfacl:
            self.module.warn('setfacl is not installed: ACLs from the backup were not reapplied (install acl)')
            acls = []
        if caps and not applier.setcap:
            self.module.warn('setcap is not installed: file capabilities were not reapplied (install libcap)')
            caps = []
        for name, text in acls:
            applier.acl(name, text)
        for name, value in caps:
            applier.capability(name, value)
        for name, pairs in xattrs:
            applier.xattrs(name, pairs)
        problems += applier.problems
        for problem in problems[:20]:
            self.module.warn(problem)
        if len(problems) > 20:
            self.module.warn('%d more side-car entries were refused or failed' % (len(problems) - 20))
        self.result['sidecar'] = dict(applier.applied, changed=applier.changed, refused=len(problems))
        if applier.changed:
            self.result['changed'] = True

    # ------------------------------------------------------------------ SELinux labels

    def relabel(self):
        whole = self.resolved is None
        config = None
        if whole:  # the backup's own config: what the restored system boots with (also known in check mode)
            paths = self.source_paths
            try:
                config = read_share_file(paths, os.path.join(paths.tree, 'etc/selinux/config'), 64 * 1024)
            except confined.ConfinedError as err:
                self.module.warn('etc/selinux/config of the backup not read: %s' % err)
        action, reason = selinux_action(self.p['selinux_relabel'], whole, config, selinux_enabled(),
                                        is_running_root(self.dest_root))
        self.result['selinux'] = dict(action=action, reason=reason)
        if self.check or action == 'none':
            return
        if action == 'autorelabel':
            confined.write_file(self.dest_root, '.autorelabel', b'', mode=0o644)
        else:
            self.restorecon()
        self.result['changed'] = True

    def restorecon(self):
        tool = self.module.get_bin_path('restorecon', opt_dirs=['/usr/sbin', '/sbin'])
        if not tool:
            self.module.warn('restorecon is not installed (policycoreutils): relabel the restored paths by hand')
            return
        targets = [os.path.join(self.dest_root, r) for r in self.resolved]
        rc, out, err = self.module.run_command([tool, '-R', '--'] + targets, expand_user_and_vars=False)
        if rc != 0:
            self.module.warn('restorecon failed (%d): %s' % (rc, (err or out).strip()))


def selinux_enabled(enforce_file='/sys/fs/selinux/enforce'):
    return os.path.exists(enforce_file)


def selinux_action(mode, whole, config, host_enabled, into_running_root):
    """(action, reason): 'autorelabel' (whole restore into a root), 'restorecon' (paths into /) or 'none'."""
    if mode == 'never':
        return 'none', 'selinux_relabel: never'
    forced = mode == 'always'
    if whole:
        state = parse_shell_assignments(sidecar.to_bytes(config or b'').decode('utf-8', 'replace')).get('SELINUX')
        found = 'restored etc/selinux/config says SELINUX=%s' % (state or 'nothing (no such file)')
        if forced or state in ('enforcing', 'permissive'):
            return 'autorelabel', 'selinux_relabel: always' if forced else found
        return 'none', found
    if not into_running_root:
        return 'none', 'a path restore outside the running system: relabel it once it runs (restorecon -R)'
    if forced or host_enabled:
        return 'restorecon', 'selinux_relabel: always' if forced else 'SELinux is enabled on this host'
    return 'none', 'SELinux is not enabled on this host'


def argument_spec():
    spec = backup_run.share_argument_spec()
    spec.update(
        snapshot=dict(type='str'),
        as_of=dict(type='str'),
        paths=dict(type='list', elements='path'),
        dest_root=dict(type='path', default='/'),
        delete=dict(type='bool', default=False),
        max_delete=dict(type='int', default=1000),
        selinux_relabel=dict(type='str', choices=['auto', 'always', 'never'], default='auto'),
        return_layout=dict(type='bool', default=False),
        backup_replaced=dict(type='bool', default=False),
        replaced_dir=dict(type='path'),
        excludes=dict(type='list', elements='str', default=[]),
        force=dict(type='bool', default=False),
        sidecar=dict(type='bool', default=True),
        acls=dict(type='bool', default=False),
        sparse=dict(type='bool', default=True),
    )
    return spec


def paths_problems(paths):
    """Messages for restore paths that are not one clean path each (operator accidents, templating)."""
    if paths is None:
        return []
    if not paths:
        return ['paths is an empty list: omit paths to restore the whole tree, or name the files to restore']
    problems = []
    for path in paths:
        parts = path.strip('/').split('/')
        if '\0' in path:
            problems.append('paths: %r contains a NUL byte' % path)
        elif not path.strip('/'):
            problems.append("paths: '%s' is the whole tree; omit paths for a whole-tree restore" % path)
        elif '..' in parts or '.' in parts or '' in parts:
            problems.append("paths: '%s' has an empty, '.' or '..' component; give the path as it is on the "
                            "backed-up server, such as /etc/hosts" % path)
    return problems


def is_running_root(path):
    """Is path this system's / under any spelling ('//', '/srv/..', a symlink or bind mount of /)?"""
    try:
        here, root = os.stat(path), os.stat('/')
    except OSError:
        return os.path.normpath(path) == '/'
    return (here.st_dev, here.st_ino) == (root.st_dev, root.st_ino)


def param_problems(params):
    problems = backup_run.param_problems(params)
    if params['as_of'] and parse_as_of(params['as_of']) is None:
        problems.append("as_of '%s' is not a UTC time: use 2026-11-24T18:00:00Z, '2026-11-24 18:00' or 2026-11-24"
                        % params['as_of'])
    if params['snapshot'] and ('/' in params['snapshot'] or params['snapshot'] in ('.', '..')):
        problems.append("snapshot '%s' must be a snapshot name, not a path" % params['snapshot'])
    if params['delete'] and params['paths']:
        problems.append('delete: true is only for whole-tree restores; a restore of paths deletes no extra files (remove delete '
                        'or paths)')
    problems += paths_problems(params['paths'])
    if params['delete'] and is_running_root(params['dest_root']):
        problems.append('delete: true into / would replace the running system; restore into an alternate root '
                        '(dest_root) from a rescue system, or restore without delete')
    problems += rsync.exclude_problems(params['excludes'])
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
