# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Mounts and filesystems from /proc: mountinfo, swaps, filesystem kinds, statvfs usage.

The backup path (mount checks, swap-file excludes) imports only this file, never the gatherer.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.module_utils._host.fstab import decode_field
from ansible_collections.exalogic.backup.plugins.module_utils._layout.values import ID_KEYS, fill_missing, to_int


PSEUDO_FSTYPES = frozenset((
    'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'cpuset', 'debugfs', 'devpts',
    'devtmpfs', 'efivarfs', 'fusectl', 'hugetlbfs', 'mqueue', 'nfsd', 'nsfs', 'proc', 'pstore',
    'rpc_pipefs', 'securityfs', 'selinuxfs', 'sysfs', 'tracefs', 'xenfs', 'rootfs',
))
NETWORK_FSTYPES = frozenset((
    'nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'ncpfs', 'glusterfs', 'ceph', 'ocfs2_dlmfs', '9p',
    'afs', 'lustre', 'gpfs', 'fuse.sshfs', 'fuse.glusterfs', 'fuse.nfs',
))
MEMORY_FSTYPES = frozenset(('tmpfs', 'ramfs'))


def parse_mountinfo(text):
    """/proc/self/mountinfo -> list of mounts (proc(5) field layout, octal escapes decoded)."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if ' - ' not in line or len(fields) < 7:
            continue
        separator = fields.index('-', 6)
        tail = fields[separator + 1:]
        mounts.append({
            'mount_id': int(fields[0]),
            'parent_id': int(fields[1]),
            'maj_min': fields[2],
            'fs_root': decode_field(fields[3]),
            'mount_point': decode_field(fields[4]),
            'mount_options': fields[5],
            'optional_fields': fields[6:separator],
            'fstype': tail[0] if tail else None,
            'source': decode_field(tail[1]) if len(tail) > 1 else None,
            'super_options': tail[2] if len(tail) > 2 else '',
        })
    return mounts


def fstype_kind(fstype):
    """local, network, memory, fuse or pseudo."""
    if fstype in PSEUDO_FSTYPES:
        return 'pseudo'
    if fstype in NETWORK_FSTYPES:
        return 'network'
    if fstype in MEMORY_FSTYPES:
        return 'memory'
    if fstype == 'fuseblk':
        return 'local'  # a FUSE driver on a local block device (ntfs-3g, exfat-fuse)
    if fstype.startswith('fuse'):
        return 'fuse'
    return 'local'


def filesystems_from_mounts(mounts, ids_by_majmin, ids_by_path, path_by_majmin):
    """Mounts -> filesystem entries (pseudo filesystems dropped) with UUID/LABEL attached.

    ids_by_majmin / ids_by_path: identity dicts (fstype, uuid, label, ...) of block devices,
    keyed by "major:minor" and by device path; path_by_majmin: "254:1" -> "/dev/vda1" (resolves
    sources such as /dev/root).
    """
    filesystems = []
    hidden = overmounted_ids(mounts)
    for mount in mounts:
        kind = fstype_kind(mount['fstype'] or '')
        if kind == 'pseudo':
            continue
        device = None
        if not mount['maj_min'].startswith('0:'):
            device = path_by_majmin.get(mount['maj_min'])
        if device is None and (mount['source'] or '').startswith('/dev/'):
            device = mount['source']
        ids = dict(ids_by_majmin.get(mount['maj_min']) or {})
        fill_missing(ids, ids_by_path.get(device) or {}, ID_KEYS)
        options = mount['mount_options'].split(',')
        options += [opt for opt in mount['super_options'].split(',') if opt and opt not in options]
        filesystems.append({
            'device': device,
            'source': mount['source'],
            'maj_min': mount['maj_min'],
            'fstype': mount['fstype'],
            'kind': kind,
            'mount_point': mount['mount_point'],
            'fs_root': mount['fs_root'],
            'options': ','.join(options),
            'uuid': ids.get('uuid'),
            'label': ids.get('label'),
            'partuuid': ids.get('partuuid'),
            'overmounted': mount['mount_id'] in hidden,
            'size': None, 'used': None, 'avail': None, 'inodes': None, 'inodes_used': None,
        })
    return filesystems


def overmounted_ids(mounts):
    """mount ids hidden by a later mount on the same mount point (not reachable by path)."""
    hidden = set()
    seen = {}
    for mount in mounts:
        if mount['mount_point'] in seen:
            hidden.add(seen[mount['mount_point']])
        seen[mount['mount_point']] = mount['mount_id']
    return hidden


def statvfs_usage(st):
    """os.statvfs result -> size/used/avail in bytes and inode counts (df's arithmetic)."""
    unit = st.f_frsize or st.f_bsize
    return {
        'size': st.f_blocks * unit,
        'used': (st.f_blocks - st.f_bfree) * unit,
        'avail': st.f_bavail * unit,
        'inodes': st.f_files,
        'inodes_used': st.f_files - st.f_ffree,
    }


def parse_proc_swaps(text):
    """/proc/swaps -> list of swap areas, sizes in bytes (the file counts KiB)."""
    swaps = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 5:
            continue
        swaps.append({
            'device': decode_field(fields[0]),
            'type': fields[1],
            'size': to_int(fields[2]) * 1024,
            'used': to_int(fields[3]) * 1024,
            'priority': to_int(fields[4]),
            'uuid': None,
            'label': None,
        })
    return swaps
