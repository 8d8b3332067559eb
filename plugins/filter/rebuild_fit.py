# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r'''
name: rebuild_fit
short_description: Does the backed-up data fit the new host's filesystems?
version_added: 0.3.0
description:
  - Compares the filesystems a backup recorded (RV(exalogic.backup.rsync_restore#module:layout), from the old
    host's M(exalogic.backup.layout_info) at backup time) with the new host's layout, and says for each new
    filesystem whether the data that will land on it fits.
  - Each old local filesystem lands on the new filesystem that will hold its mount point below O(root) (the
    longest mount point prefix); several old filesystems may land on one new one (their used bytes add up).
  - Network, memory and pseudo filesystems and hidden (over-mounted) mounts are left out; a new filesystem that
    receives an old one without usage figures is listed with C(fits=null).
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  _input:
    description: The old host's layout (needs its C(filesystems) section).
    type: dict
    required: true
  new_layout:
    description: The new host's layout (M(exalogic.backup.layout_info) with C(filesystems)).
    type: dict
    required: true
  root:
    description: Where the new system lives on the new host (C(/), or for example C(/mnt/sysimage)).
    type: str
    default: /
  headroom:
    description: Fraction of each new filesystem kept free (the restore also needs room for metadata and logs).
    type: float
    default: 0.05
'''

EXAMPLES = r'''
- name: Stop before the restore when the data cannot fit
  ansible.builtin.assert:
    that: rows | selectattr('fits', 'false') | list | length == 0
    fail_msg: "{{ rows | selectattr('fits', 'false') | map(attribute='problem') | join('; ') }}"
  vars:
    rows: "{{ preview.layout | exalogic.backup.rebuild_fit(new_host.layout, root='/mnt/sysimage') }}"
'''

RETURN = r'''
_value:
  description:
    - One row per new filesystem that receives data, sorted by mount point - C(mount_point) (on the new host),
      C(size) (bytes), C(needed) (bytes the old filesystems use), C(sources) (their mount points on the old
      host), C(fits) (true, false, or null when a source has no usage figures) and C(problem) (a sentence, or null).
  type: list
  elements: dict
  sample:
    - {mount_point: /mnt/sysimage, size: 21474836480, needed: 3221225472, sources: [/, /var], fits: true, problem: null}
    - mount_point: /mnt/sysimage/u01
      size: 10737418240
      needed: 16106127360
      sources: [/u01]
      fits: false
      problem: /u01 (15.0 GiB used on the old host) does not fit /mnt/sysimage/u01 (10.0 GiB, 9.5 GiB usable)
'''

import posixpath

from ansible.errors import AnsibleFilterError

SKIPPED_KINDS = ('network', 'memory', 'pseudo')
NETWORK_FSTYPES = ('nfs', 'nfs4', 'cifs', 'smbfs', 'glusterfs', 'ceph', 'fuse.sshfs')
MEMORY_FSTYPES = ('tmpfs', 'ramfs', 'devtmpfs')


def human(size):
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if abs(size) < 1024 or unit == 'TiB':
            return '%.1f %s' % (size, unit) if unit != 'B' else '%d B' % size
        size /= 1024.0
    return '%d B' % size


def local_filesystems(layout, what):
    if not isinstance(layout, dict) or not isinstance(layout.get('filesystems'), list):
        raise AnsibleFilterError('rebuild_fit: %s has no filesystems section; gather it with layout_info '
                                 '(gather: [filesystems])' % what)
    return [fs for fs in layout['filesystems'] if isinstance(fs, dict) and fs.get('mount_point')
            and (fs.get('fstype') or '') not in NETWORK_FSTYPES + MEMORY_FSTYPES
            and fs.get('kind') not in SKIPPED_KINDS and not fs.get('overmounted')]


def holder(path, filesystems):
    """The filesystem whose mount point is the longest prefix of path."""
    best = None
    for fs in filesystems:
        point = fs['mount_point'].rstrip('/') or '/'
        if path == point or path.startswith(point.rstrip('/') + '/'):
            if best is None or len(point) > len(best['mount_point'].rstrip('/') or '/'):
                best = fs
    return best


def rebuild_fit(old_layout, new_layout, root='/', headroom=0.05):
    if not 0 <= headroom < 1:
        raise AnsibleFilterError('rebuild_fit: headroom must be a fraction from 0 to below 1, got %r' % headroom)
    new = local_filesystems(new_layout, 'the new host\'s layout')
    rows = {}
    for fs in sorted(local_filesystems(old_layout, 'the backup\'s layout'), key=lambda f: f['mount_point']):
        target = posixpath.normpath(posixpath.join(root, fs['mount_point'].lstrip('/')))
        into = holder(target, new)
        if into is None:
            raise AnsibleFilterError('rebuild_fit: nothing on the new host holds %s (old %s); mount the new '
                                     'filesystems below %s first' % (target, fs['mount_point'], root))
        row = rows.setdefault(into['mount_point'], dict(mount_point=into['mount_point'], size=into.get('size'),
                                                        needed=0, sources=[], unknown=False))
        row['sources'].append(fs['mount_point'])
        if isinstance(fs.get('used'), int):
            row['needed'] += fs['used']
        else:
            row['unknown'] = True
    return [judged(row, headroom) for _point, row in sorted(rows.items())]


def judged(row, headroom):
    unknown = row.pop('unknown')
    size = row['size']
    if unknown or not isinstance(size, int):
        row.update(fits=None, problem=None)
        return row
    usable = int(size * (1 - headroom))
    fits = row['needed'] <= usable
    row.update(fits=fits, problem=None if fits else '%s (%s used on the old host) does not fit %s (%s, %s usable)' % (
        ', '.join(row['sources']), human(row['needed']), row['mount_point'], human(size), human(usable)))
    return row


class FilterModule:
    """The fit check of a rebuild."""

    def filters(self):
        return {'rebuild_fit': rebuild_fit}
