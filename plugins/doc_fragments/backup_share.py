# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """Share, mount, lock and rsync options of rsync_backup and rsync_restore (spec: module_utils/_backup/run.py)."""

    # Use with: extends_documentation_fragment: [exalogic.backup.backup_share]
    DOCUMENTATION = r'''
options:
  nfs_server:
    description:
      - Address or name of the appliance's data interface. Use with O(nfs_export).
      - Mutually exclusive with O(src).
    type: str
  nfs_export:
    description:
      - The share's export path on the appliance, for example C(/export/backups/vs1).
    type: str
  src:
    description:
      - Generic mount source instead of O(nfs_server)/O(nfs_export), for example a device or, with
        O(opts=bind), a directory. Used with O(fstype) and O(opts).
    type: str
  fstype:
    description:
      - Filesystem type for O(src) (C(nfs), C(xfs), C(none) for a bind mount ...).
    type: str
  opts:
    description:
      - Mount options for O(src), comma separated.
    type: str
  mount_point:
    description:
      - Where the share is mounted on the host. It is created when missing (and removed again after
        a run that created it).
    type: path
    default: /mnt/backups
  mount_options:
    description:
      - NFS mount options used with O(nfs_server). NFSv3 over TCP, hard mount, 128 KiB transfers,
        no locking (rsync takes none), and C(nosuid,nodev) on the client side.
    type: str
    default: vers=3,proto=tcp,hard,rsize=131072,wsize=131072,timeo=600,retrans=2,noatime,nolock,nosuid,nodev
  mount:
    description:
      - V(auto) mounts the share for the run and unmounts it afterwards, also when the run fails. A
        share that is already mounted there is verified and left mounted.
      - V(present) requires the share to be mounted already and never mounts or unmounts.
    type: str
    choices: [auto, present]
    default: auto
  backup_dir:
    description:
      - Directory for this host on the share. Defaults to the short hostname; set it to
        C({{ inventory_hostname }}) so that a rebuilt server with another hostname finds its backup.
    type: str
  bwlimit:
    description:
      - Bandwidth limit in KiB per second (rsync C(--bwlimit)).
    type: int
  timeout:
    description:
      - rsync I/O timeout in seconds (rsync C(--timeout)). A process blocked in a hard NFS mount cannot
        be interrupted.
      - A task C(timeout) makes Ansible report the task as failed when it expires; the module process on
        the host gets SIGTERM or SIGHUP only when the connection closes, and then stops rsync, records the
        run as failed and unmounts. If the connection stays open the run may still finish on the host.
        For long runs use C(async) with C(poll) (or C(poll=0) and M(ansible.builtin.async_status)) instead
        of a task C(timeout); the progress file shows how far rsync got.
    type: int
  rsync_path:
    description:
      - Path of the rsync program. Default - found in the PATH.
    type: path
  extra_args:
    description:
      - More rsync arguments, added before the sources, such as C(--checksum) or C(-v).
      - Refused, with the reason, are options that defeat the gates or write outside the mirror -
        C(--remove-source-files), C(-L)/C(-K)/C(-k) and their long forms, C(--log-file), every
        C(--delete*) option, C(--max-delete), C(--force), C(--ignore-errors), C(-X)/C(--xattrs) (fails on
        NFSv3), C(--files-from), filter options (use C(excludes)), C(--no-*) forms of the mirror's flags,
        C(--backup-dir), C(--temp-dir), C(--partial-dir), C(--*-dest), C(--dry-run) (use check mode) and
        words that are not options.
    type: list
    elements: str
    default: []
  lock_file:
    description:
      - Local lock file. Default C(/var/lock/exalogic-backup-<backup_dir>.lock), shared with
        the backup and restore modules so that a backup never runs during a restore of the same host.
      - A second lock C(exalogic-backup-mount-<mount point>.lock) in the same directory keeps jobs with
        different O(backup_dir) values that use the same O(mount_point) from unmounting under each other.
      - rsync holds both locks too (inherited descriptors) and is stopped when the module process dies,
        so a new run never starts while anything of an earlier run still writes.
    type: path
  lock_timeout:
    description:
      - Seconds to wait for another run on this host to finish. V(0) fails at once.
    type: int
    default: 0
'''
