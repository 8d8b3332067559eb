#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: rsync_backup
short_description: Back a server up into a ZFS appliance share with rsync, behind data-loss gates
version_added: 0.1.0
description:
  - Runs one complete backup of the host as one task, in this order, unmounting in every case
    lock, mount the share (NFSv3 by default), verify it, check the gates, rsync, side-car files,
    manifest, unmount, unlock.
  - B(Verification before any write.) The mount point must be a real mount in the mount table
    (not just an existing directory) of exactly the asked source, and the share must hold the
    marker file C(.exalogic-backup-share) that the appliance role writes. A missing or wrong mount
    fails with a message saying what was found; nothing is written to the local disk.
  - B(Gates), all decided before anything is deleted. One run per host and per mount point (locks
    that the kernel releases when the last holder dies, rsync included, so they never go stale);
    every local filesystem that C(/etc/fstab) mounts at boot must be mounted; every filesystem of the
    last complete backup must be a source again (or be retired with O(retire_sources)); no source may
    hold much fewer entries than in the last complete backup (O(min_source_ratio), per filesystem);
    the number of deletions is capped (O(max_delete), O(max_delete_ratio)) and a run over the cap
    deletes B(nothing); the share must let root set owners (root access for this host), probed before
    rsync starts.
  - The mirror is written to C(<share>/<backup_dir>/root/) with C(-aH --numeric-ids --relative
    --one-file-system --delete --delete-excluded) and one source per local mount point;
    C(--inplace --no-whole-file) on copy-on-write shares; never C(-X) (NFSv3 has no extended
    attributes) and C(-A) only with O(acls=true).
  - rsync exit codes are classified - 24 (files vanished) succeeds with a warning, 23 is classified
    from rsync's messages (root squash and unsupported ACLs/xattrs fail with the fix; unreadable
    source files succeed with a warning and their list), 25 (deletion cap reached) fails.
  - Side-car files in C(<share>/<backup_dir>/meta/) keep what NFSv3 cannot (POSIX ACLs from
    C(getfacl), file capabilities from C(getcap)) and the layout of the host
    (M(exalogic.backup.layout_info)), then the manifest C(manifest.json) is written B(last) with
    C(status=complete). A failed run records C(failure.json) and leaves the manifest of the last
    complete run in place; C(run.json) says whether a run was in progress, so a snapshot taken
    in the middle of a run is recognised as incomplete by M(exalogic.backup.rsync_restore).
  - Works with Python 2.7 and 3.6+ on the target (Oracle Linux 6, 7, 8 and 9); needs C(rsync) and
    C(mount) on the host.
author:
  - exalogic.backup developers (!UNKNOWN)
extends_documentation_fragment:
  - exalogic.backup.backup_share
options:
  init:
    description:
      - Write the marker file C(.exalogic-backup-share) on a verified mount that has none. Use once
        for a share that was not prepared by the appliance role.
    type: bool
    default: false
  root:
    description:
      - Directory that is the root of the system being backed up. V(/) for the running server; another
        directory for a system mounted elsewhere (a disk of a server being migrated, a chroot).
    type: path
    default: /
  sources:
    description:
      - Paths to back up, as seen from O(root). Default - every mount point of a local (disk)
        filesystem at or below O(root), each passed explicitly so that C(--one-file-system) skips
        nothing. Network, memory and pseudo filesystems and the share itself are never included.
    type: list
    elements: path
  default_excludes:
    description:
      - Exclude the contents of C(/proc /sys /dev /run /tmp /mnt /media), swap files, package caches,
        crash dumps and regenerable SSSD caches (the list is in the module documentation page).
    type: bool
    default: true
  excludes:
    description:
      - More rsync exclude patterns. A leading C(/) anchors a pattern at the server's root; exclude
        contents (C(/data/tmp/*)) rather than directories so that mount points come back.
    type: list
    elements: str
    default: []
  exclude_from:
    description:
      - A file on the host with more exclude patterns, one per line.
    type: path
  cow_target:
    description:
      - The share is copy-on-write (ZFS). Adds C(--inplace --no-whole-file) so that a changed block,
        not the whole file, reaches the next snapshot. Never combined with C(--sparse).
    type: bool
    default: true
  acls:
    description:
      - Send POSIX ACLs with rsync C(-A). Only for shares that store them; over NFSv3 leave this off,
        the side-car file keeps them.
    type: bool
    default: false
  sidecar:
    description:
      - Side-car files to write next to the mirror after rsync, for what an NFSv3 share cannot store -
        V(acls) (POSIX ACLs, C(getfacl)), V(capabilities) (file capabilities, C(getcap)), V(xattrs)
        (C(user.*) extended attributes, C(getfattr) from the C(attr) package) - and V(layout) (the
        host's disks, filesystems and network for a rebuild). SELinux labels are not kept; a restore
        relabels instead.
    type: list
    elements: str
    choices: [acls, capabilities, layout, xattrs]
    default: [acls, capabilities, layout, xattrs]
  expected_mounts:
    description:
      - Mount points (as seen from O(root)) that must be mounted before the backup starts. Default -
        the local filesystems in C(<root>/etc/fstab) that are mounted at boot (not C(noauto), not swap).
        Set to C([]) to skip the check.
    type: list
    elements: path
  min_source_ratio:
    description:
      - Fail before rsync when a source holds fewer entries than this fraction of its entries in the
        last complete backup (an unmounted or emptied filesystem would otherwise be deleted from the
        mirror). Counted per source filesystem, so that a small filesystem that empties is caught on a
        big host - a whole filesystem by its used inodes (C(statvfs)), other sources by a walk.
        Manifests of older versions without per-filesystem counts are compared by the total.
        V(0) turns the gate off.
    type: float
    default: 0.5
  retire_sources:
    description:
      - Source filesystems (as seen from O(root), such as V(/data)) of the last complete backup that are
        gone on purpose. Without this a filesystem that was backed up and is not mounted now fails the run
        with its name, instead of being mirrored as empty. Name it for one run; the new manifest no
        longer lists it.
    type: list
    elements: path
    default: []
  takeover:
    description:
      - The first run into a O(backup_dir) records which host (its machine-id, or its FQDN when it has
        none) and which O(root) write it (C(meta/owner.json)). A later run from another host or root is
        refused before anything is written, with a message naming both, so that two hosts with the
        same short name never mirror over each other with C(--delete).
      - V(true) lets this host take the O(backup_dir) over (once, after a rebuild onto a new server, or
        when moving a backup to another root); the previous owner is kept in the record.
    type: bool
    default: false
  progress_file:
    description:
      - Status file on the host that says how far a running backup is (phase, files and bytes done,
        status running, complete or failed), rewritten while rsync runs. Read it, or the result of
        M(ansible.builtin.async_status), while the task runs under C(async). Default
        C(/var/lib/exalogic-backup/progress/<backup_dir>.json). Not written in check mode.
    type: path
  max_delete:
    description:
      - Most entries a run may delete from the mirror. Overrides O(max_delete_ratio).
      - The cap is atomic - rsync first transfers with deletions held back, the deletions left are
        counted (a dry run) and carried out only when they fit under the cap. A run over the cap deletes
        nothing and fails; repeating it does not erode the mirror.
    type: int
  max_delete_ratio:
    description:
      - Deletion cap as a fraction of the files of the last B(complete) backup (failed runs do not
        change it), and at least 10 entries - on trees under 100 entries (with the default 0.1) up to
        10 deletions pass per run. Not applied to the first backup. V(0) turns it off (O(max_delete)
        still applies).
    type: float
    default: 0.1
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details:
      - Mounts the share read-only (with O(mount=auto)) and runs C(rsync --dry-run --itemize-changes);
        returns what would be transferred and deleted. Nothing is written anywhere, no lock is taken.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
notes:
  - Run as root. The share needs a root access exception for this host; without it root is mapped to the
    anonymous user and the module fails before rsync with the message to grant root access.
  - Put the share on its own mount point; never point O(mount_point) at a directory that holds data.
  - Schedule appliance snapshots after the backup window, or take one after a successful run
    (M(exalogic.backup.zfssa_snapshot)); M(exalogic.backup.rsync_restore) refuses snapshots of a run in
    progress.
seealso:
  - module: exalogic.backup.rsync_restore
  - module: exalogic.backup.layout_info
  - module: exalogic.backup.zfssa_filesystem
'''

EXAMPLES = r'''
- name: Hourly backup of a vServer onto its appliance share
  exalogic.backup.rsync_backup:
    nfs_server: 192.168.10.50
    nfs_export: /export/backups/{{ inventory_hostname }}
    backup_dir: "{{ inventory_hostname }}"
  register: backup

- name: First backup onto a share that was created by hand (writes the marker)
  exalogic.backup.rsync_backup:
    nfs_server: zfssa-data.example.com
    nfs_export: /export/backups/db01
    backup_dir: db01
    init: true

- name: Backup without database files (a pre-backup hook dumps them) and with a bandwidth limit
  exalogic.backup.rsync_backup:
    nfs_server: 192.168.10.50
    nfs_export: /export/backups/{{ inventory_hostname }}
    backup_dir: "{{ inventory_hostname }}"
    excludes:
      - /var/lib/mysql/*
    bwlimit: 50000
    timeout: 600

- name: Use a share that is mounted permanently (fstab) instead of mounting it for the run
  exalogic.backup.rsync_backup:
    nfs_server: 192.168.10.50
    nfs_export: /export/backups/app01
    mount: present
    mount_point: /backup
    backup_dir: app01

- name: Preview what the next backup would change
  exalogic.backup.rsync_backup:
    nfs_server: 192.168.10.50
    nfs_export: /export/backups/{{ inventory_hostname }}
    backup_dir: "{{ inventory_hostname }}"
  check_mode: true
  register: preview
'''

RETURN = r'''
owner:
  description:
    - The owner record of O(backup_dir) (host_id, hostname, root, since), and under C(previous) the owner
      it replaced when O(takeover) took it over.
  returned: always, once the share was verified
  type: dict
  sample: {host_id: 'machine-id:4c4c4544004a3910', hostname: vs01.example.com, root: /, since: '2026-12-07T01:15:02Z'}
manifest:
  description: The manifest of this run (also written to RV(manifest_path)). Not returned in check mode.
  returned: success and not check mode
  type: dict
  sample:
    status: complete
    run_id: 20261125T061502Z-4711
    host: vs01
    start: '2026-11-25T06:15:02Z'
    end: '2026-11-25T06:15:40Z'
    duration: 38.2
    rsync_rc: 24
    rsync_result: vanished
    files_total: 138200
    files_transferred: 464
    files_deleted: 12
    bytes_total: 5300000000
    bytes_transferred: 3700000
    vanished: 2
    sources: [/, /boot, /var]
    filesystems:
      - {source: /, mount_point: /, device: /dev/mapper/ol-root, maj_min: '252:0', uuid: 3e1c..., fstype: xfs,
         entries: 120345, counted_by: inodes}
    exclude_sha256: 3b0c...
    collection_version: 0.1.0
manifest_path:
  description: Path of the manifest on the host (below the mount point, valid while it is mounted).
  returned: always
  type: str
  sample: /mnt/backups/vs01/meta/manifest.json
stats:
  description: rsync's counters of this run (C(--stats)) and the itemized counts.
  returned: when rsync ran
  type: dict
  sample: {files_total: 138200, files_transferred: 464, files_deleted: 12, bytes_transferred: 3700000, changed: 476}
rsync_rc:
  description: Exit code of rsync.
  returned: when rsync ran
  type: int
  sample: 0
rsync_result:
  description: What the exit code means - ok, vanished, source_unreadable, xattr_unsupported, root_squash, max_delete or failed.
  returned: when rsync ran
  type: str
  sample: ok
changes:
  description: The first 50 changed or deleted paths (itemized), most useful in check mode.
  returned: when rsync ran
  type: list
  elements: str
  sample: ['>f.st...... etc/hosts', '*deleting   tmp/old']
sources:
  description: Root-relative paths that were backed up.
  returned: always
  type: list
  elements: str
  sample: [/, /boot, /var]
deletions_counted:
  description: Deletions counted (dry run) before any was made, when deletions were pending under a cap.
  returned: when deletions were pending
  type: int
  sample: 12
max_delete:
  description: The deletion cap of this run (null when none applied).
  returned: when rsync ran
  type: int
  sample: 13820
vanished:
  description: Source files that disappeared during the run (first 50).
  returned: when rsync ran
  type: list
  elements: str
unreadable:
  description: Source paths rsync could not read (first 50).
  returned: when rsync ran
  type: list
  elements: str
command:
  description:
    - The last rsync command of the run, with the mirror's path as target (rsync itself writes through the
      descriptor of the directory the run verified, C(/proc/<pid>/fd/<n>)).
  returned: when rsync ran
  type: list
  elements: str
  sample: [/usr/bin/rsync, -aH, --numeric-ids, --relative, --one-file-system, --delete, '/./', /mnt/backups/vs01/root/]
initialised:
  description: True when this run wrote the share marker (O(init=true) on a share that had none).
  returned: when the marker was written
  type: bool
  sample: true
timings:
  description: Seconds per phase (lock, mount, verify, gates, rsync, sidecar, unmount).
  returned: always
  type: dict
  sample: {mount: 0.21, verify: 0.01, gates: 0.4, rsync: 35.1, sidecar: 2.3, unmount: 0.1}
'''

import errno
import os
import stat
from collections import namedtuple

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.exalogic.backup.plugins.module_utils._backup import run as backup_run
from ansible_collections.exalogic.backup.plugins.module_utils._backup import confined, gates, mounts, rsync, sidecar, sources
from ansible_collections.exalogic.backup.plugins.module_utils._backup.run import JobFailed
from ansible_collections.exalogic.backup.plugins.module_utils._host.fstab import fstab_entries, parse_fstab
from ansible_collections.exalogic.backup.plugins.module_utils._layout.collect import collect_layout, layout_json
from ansible_collections.exalogic.backup.plugins.module_utils._layout.procfs import fstype_kind, parse_proc_swaps
from ansible_collections.exalogic.backup.plugins.module_utils._backup.manifest import (
    BackupPaths, complete_manifest, count_field, describe_owner, failed_run_record, interrupted_run, new_run_record,
    owner_record, read_json, same_owner, write_json, write_marker)

FSTAB_MAX_BYTES = 1024 * 1024
PROBE_UID = 12345


class NothingToPreview(backup_run.EndEarly):
    pass


BackupPlan = namedtuple('BackupPlan', 'sources excludes last max_delete filesystems')


class Backup(backup_run.ShareJob):
    what = 'backup'

    def __init__(self, module):
        super(Backup, self).__init__(module, read_only=module.check_mode)
        self.root = os.path.normpath(self.p['root'])
        self.paths = BackupPaths(self.p['mount_point'], self.backup_dir)
        self.result.update(sources=[], manifest_path=self.paths.manifest)
        self.run_started = False
        self.run_record = None
        self.plan = None
        self.outcome = None
        self.target = None
        self.new_owner = None
        self.progress = None if self.check else backup_run.ProgressFile(
            self.p['progress_file'] or backup_run.default_progress_file(self.backup_dir), self.backup_dir)

    # ------------------------------------------------------------------ the run, in order

    def phases(self):
        steps = [('lock', self.take_locks), ('mount', self.mount), ('verify', self.verify), ('gates', self.gates),
                 ('rsync', self.transfer)]
        if not self.check:
            steps += [('sidecar', self.write_sidecar), ('finish', self.finish)]
        return steps

    def timed(self, phase, func):
        if self.progress is not None and phase not in ('lock', 'unmount'):
            self.progress.update(phase=phase)
        return super(Backup, self).timed(phase, func)

    def take_locks(self):
        super(Backup, self).take_locks()
        if self.progress is not None:
            self.progress.update(phase='lock')

    def mount(self):
        if self.check and self.p['mount'] == 'auto' and not os.path.isdir(self.p['mount_point']):
            raise NothingToPreview('mount point %s does not exist yet: a real run creates it and mounts the share; '
                                   'nothing to compare in check mode' % self.p['mount_point'])
        problem = self.share.ensure()
        if problem:
            raise JobFailed('backup not started, nothing was written: %s' % problem)

    def verify(self):
        problem = self.share.marker_problem()
        if problem and not self.p['init']:
            raise JobFailed('backup not started, nothing was written: %s' % problem)
        if not self.check:
            self.probe_root_access()
        if problem:
            if not self.check:
                write_marker(self.paths, 'exalogic.backup share, initialised by rsync_backup for %s' % self.backup_dir)
            self.result['changed'] = True
            self.result['initialised'] = True

    def probe_root_access(self):
        """Create and fchown a file on the share: root squash shows here, before rsync writes anything.

        The name is unpredictable and the file is created O_EXCL, so nothing planted on the share is
        followed; the owner is set on the descriptor, never on a path.
        """
        root = self.paths.share_root
        try:
            fd, name = confined.create_temp(root, '', prefix='.exalogic-probe-')
        except confined.ConfinedError as err:
            if err.errno in (errno.EACCES, errno.EPERM):  # root squashed to a user who may not write there
                raise JobFailed(root_squash_message(root, err))
            raise JobFailed('backup not started, nothing was written: %s' % err)
        try:
            os.write(fd, b'probe\n')
            os.fchown(fd, PROBE_UID, PROBE_UID)
        except (IOError, OSError) as err:
            raise JobFailed(root_squash_message(os.path.join(root, name), err.strerror or err))
        finally:
            os.close(fd)
            confined.remove_file(root, name)

    def prepare_share_dirs(self):
        """<backup_dir>, root/ and meta/ as real, private directories on the verified mount (never symlinks)."""
        root, name = self.paths.share_root, self.backup_dir
        try:
            for sub in ('root', 'meta'):
                confined.make_dirs(root, '%s/%s' % (name, sub), mode=0o700)
            fd = confined.open_dir(root, name)
            try:
                os.fchmod(fd, 0o700)  # the mirror holds every secret of the host: no other NFS client reads it
            finally:
                os.close(fd)
            return confined.open_dir(root, name + '/root')
        except confined.ConfinedError as err:
            raise JobFailed('backup not started, nothing was written: %s. Something on the share is not what a '
                            'backup wrote; inspect it on the appliance and remove it' % err)

    def share_write(self, path, data):
        """Write a side-car or log file below <backup_dir>/meta through the confined layer."""
        content = data if hasattr(data, 'read') else sidecar.to_bytes(data)  # a file object is streamed
        confined.write_file(self.paths.share_root, self.paths.relpath(path), content)

    def keep_log_on_share(self, data):
        try:
            self.share_write(self.paths.log, data)
        except confined.ConfinedError as err:
            self.module.warn('could not keep the rsync log: %s' % err)

    def gates(self):
        self.check_owner()
        table = mounts.read_mount_table()
        chosen = self.source_list(table)
        excludes = self.exclude_list()
        self.result['sources'] = chosen
        self.check_expected_mounts(table)
        last = self.last_complete_manifest()
        problem = gates.missing_sources_problem(gates.missing_sources(last, chosen, self.retired_sources()))
        if problem:
            raise JobFailed(problem)
        filesystems = [self.filesystem_record(source, table, excludes) for source in chosen]
        if gates.last_filesystems(last):
            counts = dict((r['source'], (r['entries'], r['counted_by'])) for r in filesystems)
            problem = gates.source_shrink_problem(last, counts, self.p['min_source_ratio'])
            if problem:
                raise JobFailed(problem)
        else:  # a manifest written before per-filesystem counts: the global count
            self.check_source_size(chosen, excludes, last)
        cap = gates.delete_cap(self.p['max_delete'], self.p['max_delete_ratio'], last)
        self.plan = BackupPlan(chosen, excludes, last, cap, filesystems)
        return self.plan

    def check_owner(self):
        """Refuse a backup_dir another host (or root) writes, unless takeover (security.md M10)."""
        current = owner_record(self.root)
        try:
            recorded = read_json(self.paths.owner, self.paths)
        except confined.ConfinedError as err:
            raise JobFailed('backup not started, nothing was written: the owner record is not usable: %s. Inspect it '
                            'on the appliance and remove it (the next run records this host)' % err)
        if recorded is not None and same_owner(recorded, current):
            self.result['owner'] = recorded
            return
        if recorded is not None and not self.p['takeover']:
            raise JobFailed(
                'backup not started, nothing was written: backup_dir %s on the share belongs to %s, and this run is '
                '%s. Two hosts (or two roots) must never mirror into one backup_dir: give this host its own '
                'backup_dir, or set takeover: true once when this host replaces that one (after a rebuild)'
                % (self.backup_dir, describe_owner(recorded), describe_owner(current)))
        if recorded is not None:
            current['previous'] = recorded
            self.module.warn('backup_dir %s taken over from %s' % (self.backup_dir, describe_owner(recorded)))
        self.new_owner = current
        self.result['owner'] = current
        self.result['changed'] = True

    def last_complete_manifest(self):
        """The manifest of the last COMPLETE run (failed runs never replace it), or {}."""
        try:
            last = read_json(self.paths.manifest, self.paths) or {}
        except confined.ConfinedError as err:
            raise JobFailed('backup not started, nothing was written: the last manifest is not usable: %s' % err)
        return last if last.get('status') == 'complete' else {}

    def retired_sources(self):
        return ['/' + s.strip('/') if s.strip('/') else '/' for s in self.p['retire_sources']]

    def transfer(self):
        plan = self.plan
        problem = self.share.still_mounted_problem()
        if problem:
            raise JobFailed('backup of %s stopped before rsync, nothing was written: %s' % (self.backup_dir, problem))
        if self.check:
            self.target = self.paths.tree
            return self.preview(plan)
        tree_fd = self.prepare_share_dirs()
        # rsync writes into the directory just verified, whatever is renamed on the share meanwhile
        self.target = '/proc/%d/fd/%d' % (os.getpid(), tree_fd)
        try:
            self.start_run_record()
            return self.transfer_with_cap(plan)
        finally:
            os.close(tree_fd)

    def preview(self, plan):
        run = self.rsync_pass(dry_run=True)
        if gates.delete_cap_problem(run.items['deleted'], plan.max_delete):
            self.module.warn('a real run would stop at the deletion gate: ' +
                             gates.delete_cap_problem(run.items['deleted'], plan.max_delete))
        return self.judge(run, run)

    def transfer_with_cap(self, plan):
        if plan.max_delete is None:
            run = self.rsync_pass(keep_log=True)
            return self.judge(run, run)
        # The atomic deletion cap: transfer with deletions held back, count what is left to delete
        # (dry run), and delete only when the count fits under the cap (--max-delete stays as a backstop
        # for files that vanish between the count and the deletion pass).
        first = self.rsync_pass(max_delete=0, keep_log=True)
        pending = rsync.deletions_skipped(first.stderr)
        if not pending:
            return self.judge(first, first)
        counted = self.rsync_pass(dry_run=True, deletions_only=True)
        self.result['deletions_counted'] = counted.items['deleted']
        problem = gates.delete_cap_problem(counted.items['deleted'], plan.max_delete)
        if problem:
            self.result.update(rsync_rc=first.rc, rsync_result='max_delete', max_delete=plan.max_delete)
            raise JobFailed('backup of %s failed: %s' % (self.backup_dir, problem))
        final = self.rsync_pass(max_delete=plan.max_delete, keep_log=True)
        return self.judge(final, first)

    def rsync_pass(self, max_delete=None, dry_run=False, deletions_only=False, keep_log=False):
        plan = self.plan
        argv = rsync.backup_command(
            self.rsync_bin(), [sources.anchored(self.root, s) for s in plan.sources], self.target,
            excludes=plan.excludes, exclude_from=self.p['exclude_from'], cow_target=self.p['cow_target'],
            acls=self.p['acls'], bwlimit=self.p['bwlimit'], timeout=self.p['timeout'], max_delete=max_delete,
            dry_run=dry_run or self.check, extra_args=self.p['extra_args'], deletions_only=deletions_only)
        # shown with the mirror's path: rsync itself writes through /proc/<pid>/fd/<n>, the directory verified
        self.result['command'] = [self.paths.tree + '/' if arg.rstrip('/') == self.target.rstrip('/') else arg
                                  for arg in argv]
        progress = self.progress.rsync_callback(self.source_size) if self.progress is not None and not dry_run else None
        return self.rsync(argv, keep_log_at=self.keep_log_on_share if keep_log and not self.check else None,
                          progress=progress)

    def source_size(self, path):
        """Bytes of a file rsync names in its itemized output (relative to root), 0 when it is gone."""
        try:
            return os.lstat(os.path.join(self.root, path)).st_size
        except OSError:
            return 0

    def judge(self, run, first):
        """The outcome of the last rsync pass; `first` is the transfer pass when deletions came after it."""
        outcome = rsync.classify(run.rc, run.stderr, acls=self.p['acls'])
        stats = dict(run.stats)
        if first is not run:
            for key in ('files_transferred', 'bytes_transferred', 'changed'):
                stats[key] = (stats.get(key) or 0) + (first.stats.get(key) or 0)
        self.result.update(rsync_rc=run.rc, rsync_result=outcome.result, stats=stats,
                           changes=(first.items['paths'] + run.items['paths'])[:rsync.LIST_CAP] if first is not run
                           else run.items['paths'], vanished=outcome.vanished, unreadable=outcome.unreadable,
                           max_delete=self.plan.max_delete)
        for warning in outcome.warnings:
            self.module.warn(warning)
        if not outcome.ok:
            raise JobFailed('backup of %s failed: %s' % (self.backup_dir, outcome.message))
        if stats.get('changed') or run.items['deleted'] or stats.get('files_deleted'):
            self.result['changed'] = True
        self.outcome = rsync.RsyncOutcome(outcome.rc, outcome.result, stats, outcome.vanished_count,
                                          outcome.unreadable_count)
        return self.outcome

    def start_run_record(self):
        try:
            previous = read_json(self.paths.run, self.paths)
        except confined.ConfinedError as err:  # not a record a run wrote: it is replaced below, never followed
            self.module.warn('the last run record is not usable and is replaced: %s' % err)
            previous = None
        interrupted = interrupted_run(previous)
        if interrupted:  # we hold the lock, so the run that wrote 'running' is dead: say so
            self.module.warn('the previous run did not record its end: %s' % interrupted['error'])
            write_json(self.paths.failure, interrupted, self.paths)
        if self.new_owner is not None:
            write_json(self.paths.owner, self.new_owner, self.paths)
        self.run_record = new_run_record(self.backup_dir)
        write_json(self.paths.run, self.run_record, self.paths)
        self.run_started = True

    def finish(self):
        plan, outcome = self.plan, self.outcome
        problem = self.share.still_mounted_problem()
        if problem:
            raise JobFailed('backup of %s not recorded as complete: %s' % (self.backup_dir, problem))
        stats = outcome.stats
        manifest = complete_manifest(
            self.run_record, rsync_rc=outcome.rc, rsync_result=outcome.result,
            files_total=stats.get('files_total'), files_transferred=stats.get('files_transferred'),
            files_deleted=stats.get('deleted', 0), bytes_total=stats.get('bytes_total'),
            bytes_transferred=stats.get('bytes_transferred'), vanished=outcome.vanished,
            unreadable=outcome.unreadable, sources=plan.sources, root=self.root,
            exclude_sha256=sources.exclude_digest(plan.excludes, backup_run.read_text(self.p['exclude_from'])),
            max_delete=plan.max_delete, sidecar=self.p['sidecar'], filesystems=plan.filesystems,
            retired_sources=[s for s in self.retired_sources() if s in gates.last_filesystems(plan.last)])
        write_json(self.paths.manifest, manifest, self.paths)  # last: only now is this backup complete
        self.run_record.update(status='complete', end=manifest['end'])
        write_json(self.paths.run, self.run_record, self.paths)
        self.result['manifest'] = manifest
        if self.progress is not None:
            self.progress.update(phase='finish', status='complete', files_done=stats.get('changed'),
                                 bytes_done=stats.get('bytes_transferred'))

    # ------------------------------------------------------------------ gates and plan

    def source_list(self, table):
        if self.p['sources']:
            chosen = ['/' + s.strip('/') if s.strip('/') else '/' for s in self.p['sources']]
            missing = [s for s in chosen if not os.path.lexists(sources.on_host(self.root, s))]
            if missing:
                raise JobFailed('sources not found below root %s: %s; fix the sources option' % (
                    self.root, ', '.join(missing)))
            return chosen
        skip = [self.p['mount_point']]
        points = mounts.local_mount_points(table, self.root, skip=skip)
        chosen = [sources.relative_to_root(self.root, point) for point in points]
        if '/' not in chosen:
            chosen.insert(0, '/')  # the root itself, also when it is only a directory (an alternate root)
        return chosen

    def exclude_list(self):
        patterns = list(rsync.DEFAULT_EXCLUDES) if self.p['default_excludes'] else []
        if self.p['default_excludes']:
            # active swap files: large, their content is useless, mkswap recreates them
            swaps = parse_proc_swaps(backup_run.read_text('/proc/swaps'))
            swap_files = [self.below_root(swap['device']) for swap in swaps if swap['type'] == 'file']
            patterns += [path for path in swap_files if path]
        share = self.below_root(self.p['mount_point'])
        if share:
            patterns.append(share.rstrip('/') + '/*')
        return patterns + list(self.p['excludes'])

    def below_root(self, host_path):
        """The root-relative path of a path on this machine, or None when it is outside root."""
        path = os.path.normpath(host_path)
        if path == self.root or path.startswith(self.root.rstrip('/') + '/'):
            return sources.relative_to_root(self.root, path)
        return None

    def filesystem_record(self, source, table, excludes):
        """What the manifest keeps of one source: where it is mounted from and how many entries it holds.

        A source that is a whole filesystem is counted by its used inodes (statvfs, no walk); any other
        source (a directory, a bind mount of a subdirectory, a filesystem without inode counts) by a walk.
        """
        host_path = sources.on_host(self.root, source)
        entry = mounts.mount_at(host_path, table) or mounts.mount_containing(host_path, table) or {}
        record = dict(source=source, mount_point=host_path, device=entry.get('source'), maj_min=entry.get('maj_min'),
                      fstype=entry.get('fstype'), uuid=uuid_of(entry.get('source')))
        whole = entry.get('mount_point') == mounts.canonical(host_path) and entry.get('fs_root') == '/'
        used = used_inodes(host_path) if whole else None
        if used:
            record.update(entries=used, counted_by='inodes')
        else:
            count = sum(1 for _entry in sources.walk(self.root, [source], excludes))
            record.update(entries=count, counted_by='walk')
        return record

    def expected_mount_points(self):
        if self.p['expected_mounts'] is not None:
            return ['/' + m.strip('/') for m in self.p['expected_mounts']]
        text = read_fstab(self.root)
        return gates.expected_mount_points(fstab_entries(parse_fstab(text or '')), fstype_kind)

    def check_expected_mounts(self, table):
        missing = gates.missing_mounts(
            self.expected_mount_points(),
            lambda point: mounts.mount_at(sources.on_host(self.root, point), table) is not None,
            alternate_root=self.root != '/')
        if missing:
            raise JobFailed(
                'backup not started, nothing was written: filesystems listed in %s/etc/fstab are not mounted: %s. '
                'Mount them (mount -a) or, if they are gone for good, set expected_mounts to the ones that must be '
                'there' % (self.root.rstrip('/'), ', '.join(missing)))

    def check_source_size(self, chosen, excludes, last):
        ratio = self.p['min_source_ratio']
        last_total = count_field(last, 'files_total') or 0  # the manifest is share input: any type
        if not ratio or not last_total:
            return
        wanted = int(last_total * ratio)
        found = sources.count_at_least(self.root, chosen, excludes, wanted)
        if found < wanted:
            raise JobFailed(
                'backup not started, the mirror was left alone: the sources hold %d entries, the last complete backup '
                '(%s) had %d and at least %d (min_source_ratio %s) are expected. A filesystem may be unmounted or '
                'emptied; if the shrink is intended, run once with min_source_ratio: 0'
                % (found, last.get('end'), last_total, wanted, ratio))

    # ------------------------------------------------------------------ side-car and records

    def write_sidecar(self):
        wanted = self.p['sidecar']
        if 'layout' in wanted:
            layout = collect_layout(self.module, root=self.root)
            self.share_write(self.paths.layout, layout_json(layout))
        if set(wanted) & set(['acls', 'capabilities', 'xattrs']):
            entries = list(sources.walk(self.root, self.result['sources'], self.exclude_list()))
            scan = sidecar.scan_attributes(self.root, entries) or sidecar.AttributeScan(
                not_symlinks(entries), regular_files(entries), None)  # Python 2: the tools look at everything
            if 'acls' in wanted:
                self.dump_acls(scan.acl_names)
            if 'capabilities' in wanted:
                self.dump_capabilities(scan.cap_names)
            if 'xattrs' in wanted:
                self.dump_xattrs(not_symlinks(entries) if scan.xattrs is None else scan.xattrs)

    def dump_acls(self, names):
        names = [n for n in names if '\n' not in n]  # getfacl reads one name per line
        getfacl = self.tool('getfacl', 'POSIX ACLs', 'acl') if names else None
        out = b''
        if getfacl:
            listing = b''.join(sidecar.to_bytes(name) + b'\n' for name in names)
            rc, out, err = self.module.run_command([getfacl, '--skip-base', '--numeric', '--physical', '-'],
                                                   data=listing, cwd=self.root, binary_data=True, encoding=None)
            if rc not in (0, 1):
                self.module.warn('getfacl failed (%d): %s' % (rc, err.decode('utf-8', 'replace').strip()))
        self.share_write(self.paths.acls, out)

    def dump_capabilities(self, files):
        getcap = self.tool('getcap', 'file capabilities', 'libcap', opt_dirs=['/usr/sbin', '/sbin']) if files else None
        lines = sidecar.parse_getcap_output(b''.join(self.batched([getcap], files)), files) if getcap else []
        self.share_write(self.paths.capabilities, b''.join(line + b'\n' for line in lines))

    def dump_xattrs(self, found):
        """found: the dump itself (Python 3 scan), or the names getfattr must look at (Python 2)."""
        if isinstance(found, bytes):
            self.share_write(self.paths.xattrs, found)
            return
        getfattr = self.tool('getfattr', 'user extended attributes', 'attr') if found else None
        argv = [getfattr, '--no-dereference', '--dump', '--match=^user\\.', '--encoding=base64', '--']
        self.share_write(self.paths.xattrs, b''.join(self.batched(argv, found)) if getfattr else b'')

    def tool(self, name, what, package, opt_dirs=None):
        path = self.module.get_bin_path(name, opt_dirs=opt_dirs or [])
        if not path:
            self.module.warn('%s is not installed: %s are not kept in the side-car (install %s)' % (name, what, package))
        return path

    def batched(self, argv, names, size=500):
        """Outputs of argv + names, 500 names at a time, run in the backed-up root (names are relative)."""
        outs = []
        for start in range(0, len(names), size):
            rc, out, err = self.module.run_command(argv + names[start:start + size], cwd=self.root, encoding=None,
                                                   expand_user_and_vars=False)
            outs.append(out)
        return outs

    def on_failure(self, message):
        if self.progress is not None and self.progress.started:
            self.progress.update(status='failed')
        if not self.run_started:
            return  # failed before anything was written to the share: leave it as it was
        record = failed_run_record(self.run_record, message, rsync_rc=self.result.get('rsync_rc'),
                                   rsync_result=self.result.get('rsync_result'))
        try:
            write_json(self.paths.failure, record, self.paths)
            write_json(self.paths.run, record, self.paths)
        except (IOError, OSError, confined.ConfinedError) as err:
            self.module.warn('could not record the failure on the share: %s' % err)


def used_inodes(path):
    """Used inodes of the filesystem at path, or None when it reports none (btrfs, some FUSE)."""
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    used = st.f_files - st.f_ffree
    return used if st.f_files > 0 and used > 0 else None


def uuid_of(device, by_uuid='/dev/disk/by-uuid'):
    """The filesystem UUID of a block device from udev's links, or None."""
    if not device or not device.startswith('/dev/'):
        return None
    try:
        names = os.listdir(by_uuid)
    except OSError:
        return None
    wanted = os.path.realpath(device)
    for name in names:
        if os.path.realpath(os.path.join(by_uuid, name)) == wanted:
            return name
    return None


def read_fstab(root):
    """<root>/etc/fstab as text; bytes that are not UTF-8 survive as surrogate escapes."""
    try:
        with open(os.path.join(root, 'etc/fstab'), 'rb') as handle:
            data = handle.read(FSTAB_MAX_BYTES)
    except (IOError, OSError):
        return ''
    return data.decode('utf-8', 'surrogateescape') if str is not bytes else data


def root_squash_message(where, error):
    return ('backup not started, nothing was written: root on this host cannot set owners on the share (%s: %s). '
            'The appliance maps root to the anonymous user (root squash) for this host: grant root access to this '
            'host on the share (zfssa_filesystem nfs_exceptions with root: true for its address), then run again'
            % (where, error))


def regular_files(entries):
    return [rel.lstrip('/') for rel, st in entries if is_regular(st) and rel.strip('/') and '\n' not in rel]


def not_symlinks(entries):
    return [rel.lstrip('/') or '.' for rel, st in entries if not is_symlink(st)]


def is_regular(st):
    return stat.S_ISREG(st.st_mode)


def is_symlink(st):
    return stat.S_ISLNK(st.st_mode)


def argument_spec():
    spec = backup_run.share_argument_spec()
    spec.update(
        init=dict(type='bool', default=False),
        root=dict(type='path', default='/'),
        sources=dict(type='list', elements='path'),
        default_excludes=dict(type='bool', default=True),
        excludes=dict(type='list', elements='str', default=[]),
        exclude_from=dict(type='path'),
        cow_target=dict(type='bool', default=True),
        acls=dict(type='bool', default=False),
        sidecar=dict(type='list', elements='str', choices=['acls', 'capabilities', 'layout', 'xattrs'],
                     default=['acls', 'capabilities', 'layout', 'xattrs']),
        expected_mounts=dict(type='list', elements='path'),
        min_source_ratio=dict(type='float', default=0.5),
        max_delete=dict(type='int'),
        max_delete_ratio=dict(type='float', default=0.1),
        retire_sources=dict(type='list', elements='path', default=[]),
        progress_file=dict(type='path'),
        takeover=dict(type='bool', default=False),
    )
    return spec


def param_problems(params):
    problems = backup_run.param_problems(params)
    if not os.path.isdir(params['root']):
        problems.append('root %s is not a directory' % params['root'])
    if not 0 <= params['min_source_ratio'] <= 1:
        problems.append('min_source_ratio must be between 0 (off) and 1')
    if not 0 <= params['max_delete_ratio'] <= 1:
        problems.append('max_delete_ratio must be between 0 (off) and 1')
    if params['max_delete'] is not None and params['max_delete'] < 0:
        problems.append('max_delete must be 0 (no deletions) or more')
    problems += rsync.exclude_problems(params['excludes'])
    if params['exclude_from'] and not os.path.isfile(params['exclude_from']):
        problems.append('exclude_from %s is not a file on the host' % params['exclude_from'])
    return problems


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           **backup_run.share_constraints())
    backup_run.run_job(module, param_problems, Backup)


if __name__ == '__main__':
    main()
