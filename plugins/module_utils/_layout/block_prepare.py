# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""What block_prepare does to the new host's disks, decided from what is there (pure: no device access).

The data-loss gate: a device is written (pvcreate, mkfs) only when a low-level probe (`blkid -p`) finds
no signature on it at all - no filesystem, no partition table, no LVM or RAID label. A device that
already holds exactly what was asked is left alone (idempotence); anything else is refused with a
message naming the device and `force`, which the caller must set on that one entry to overwrite it.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible_collections.exalogic.backup.plugins.module_utils._layout.devices import parse_blkid_export

# mkfs program, label option, force option, longest label in bytes (mkfs.* and mkswap manuals)
MKFS = {
    'ext2': ('mkfs.ext2', '-L', '-F', 16),
    'ext3': ('mkfs.ext3', '-L', '-F', 16),
    'ext4': ('mkfs.ext4', '-L', '-F', 16),
    'xfs': ('mkfs.xfs', '-L', '-f', 12),
    'btrfs': ('mkfs.btrfs', '-L', '-f', 255),
    'swap': ('mkswap', '-L', '-f', 15),
}
# blkid -p exit codes (blkid(8)): 0 found, 2 nothing found, 8 ambivalent (several signatures)
BLKID_FOUND, BLKID_NOTHING, BLKID_AMBIVALENT = 0, 2, 8
LVM_MEMBER = 'LVM2_member'
_ABSOLUTE_SIZE = re.compile(r'^([0-9]+(?:\.[0-9]+)?)([bskmgtpe]?)$', re.IGNORECASE)
_RELATIVE_SIZE = re.compile(r'^([0-9]+)%(FREE|VG|PVS)$', re.IGNORECASE)
_UNIT_POWER = {'b': 0, 'k': 1, 'm': 2, 'g': 3, 't': 4, 'p': 5, 'e': 6}
_LVM_NAME = re.compile(r'^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$')


class PrepareError(ValueError):
    """Bad input or a refused device; the message names the parameter or device and the fix."""


def probe_signature(rc, out, device):
    """`blkid -p -o export <device>` -> None (no signature) or the tags it found (type, uuid, label, ...).

    An ambivalent result (two signatures) counts as data: it is refused like any other.
    """
    if rc == BLKID_NOTHING:
        return None
    if rc == BLKID_AMBIVALENT:
        return {'type': 'several signatures (blkid: ambivalent result)', 'usage': 'ambivalent'}
    if rc != BLKID_FOUND:
        raise PrepareError('cannot probe %s (blkid -p exit %s); is it a block device this host can read?' % (device, rc))
    entries = parse_blkid_export(out)
    tags = entries[0] if entries else {}
    if not tags.get('type') and tags.get('pttype'):
        tags['type'] = 'a %s partition table' % tags['pttype']
    return tags or {'type': 'an unknown signature'}


def describe_signature(tags):
    text = tags.get('type') or 'an unknown signature'
    if tags.get('label'):
        text += ' labelled %s' % tags['label']
    if tags.get('uuid'):
        text += ' (UUID %s)' % tags['uuid']
    return text


# ---- sizes -------------------------------------------------------------------------------------------------

def size_argument(size, where):
    """An LV size -> the lvcreate option: ['-L', '10g'] or ['-l', '100%FREE']."""
    text = ('%s' % size).strip()
    if _RELATIVE_SIZE.match(text):
        number, base = _RELATIVE_SIZE.match(text).groups()
        return ['-l', '%s%%%s' % (number, base.upper())]
    match = _ABSOLUTE_SIZE.match(text)
    if not match or float(match.group(1)) <= 0:
        raise PrepareError('%s: size %r is not an LVM size; give a number with a unit (512m, 10g, 1.5t) or a share '
                           'of the volume group (100%%FREE, 50%%VG)' % (where, size))
    return ['-L', text.lower() if match.group(2) else text + 'm']


def size_bytes(size):
    """Bytes of an absolute LVM size (units are powers of 1024; no unit is MiB), None for a % size."""
    match = _ABSOLUTE_SIZE.match(('%s' % size).strip())
    if not match:
        return None
    unit = (match.group(2) or 'm').lower()
    if unit == 's':
        return int(float(match.group(1)) * 512)
    return int(float(match.group(1)) * 1024 ** _UNIT_POWER[unit])


# ---- input ---------------------------------------------------------------------------------------------------

def check_lvm_name(name, what):
    if not name or not _LVM_NAME.match(name) or name in ('.', '..') or name.startswith('snapshot') or \
            name.startswith('pvmove'):
        raise PrepareError('%s %r is not a valid LVM name (letters, digits, + _ . -; not starting with -)' % (what, name))


def validate(volume_groups, logical_volumes, filesystems):
    """Refuse bad or contradictory input before anything is probed; the message names the entry."""
    vg_names = set()
    used = {}
    for index, vg in enumerate(volume_groups):
        where = 'volume_groups[%d]' % index
        check_lvm_name(vg['name'], where + '.name')
        if vg['name'] in vg_names:
            raise PrepareError('%s: volume group %s is listed twice' % (where, vg['name']))
        vg_names.add(vg['name'])
        if not vg['devices']:
            raise PrepareError('%s: give the devices (physical volumes) of volume group %s' % (where, vg['name']))
        for device in vg['devices']:
            claim(used, device, where)
    lv_names = set()
    for index, lv in enumerate(logical_volumes):
        where = 'logical_volumes[%d]' % index
        check_lvm_name(lv['vg'], where + '.vg')
        check_lvm_name(lv['name'], where + '.name')
        if (lv['vg'], lv['name']) in lv_names:
            raise PrepareError('%s: logical volume %s/%s is listed twice' % (where, lv['vg'], lv['name']))
        lv_names.add((lv['vg'], lv['name']))
        size_argument(lv['size'], where)
    mount_points = set()
    for index, fs in enumerate(filesystems):
        where = 'filesystems[%d]' % index
        if fs['fstype'] not in MKFS:
            raise PrepareError('%s: fstype %r is not supported; use one of %s' % (where, fs['fstype'], ', '.join(sorted(MKFS))))
        label = fs.get('label')
        if label is not None and len(label.encode('utf-8')) > MKFS[fs['fstype']][3]:
            raise PrepareError('%s: label %r is longer than %s allows (%d bytes)' % (where, label, fs['fstype'], MKFS[fs['fstype']][3]))
        claim(used, fs['device'], where)
        point = fs.get('mount_point')
        if point is not None:
            if fs['fstype'] == 'swap':
                raise PrepareError('%s: a swap area has no mount_point; remove it' % where)
            if not point.startswith('/') or '\0' in point or any(part in ('.', '..') for part in point.split('/')):
                raise PrepareError('%s: mount_point %r must be an absolute path without . or .. (the path in the new '
                                   'system, for example /u01)' % (where, point))
            point = normalize_mount_point(point)
            if point in mount_points:
                raise PrepareError('%s: mount_point %s is given twice' % (where, point))
            mount_points.add(point)


def claim(used, device, where):
    if device in used:
        raise PrepareError('%s: device %s is already used by %s; a device holds one thing' % (where, device, used[device]))
    used[device] = where


def normalize_mount_point(point):
    return '/' + '/'.join(part for part in point.split('/') if part)


# ---- decisions -----------------------------------------------------------------------------------------------

def pv_decision(device, vg_name, signature, pv_vg, force):
    """What to do with a device meant as a PV of vg_name: 'ready', 'pvcreate' (new PV) or PrepareError.

    signature: probe_signature() of the device; pv_vg: the VG LVM says the PV belongs to ('' none, None: not a PV).
    """
    if pv_vg == vg_name:
        return 'ready'
    if pv_vg:
        raise PrepareError('device %s is a physical volume of volume group %s, not %s; it is never taken from '
                           'another volume group - remove it there first (vgreduce) or name another device'
                           % (device, pv_vg, vg_name))
    if pv_vg == '':
        return 'ready'  # a physical volume of no volume group: vgcreate takes it as it is
    if signature is None or force:
        return 'pvcreate'
    raise PrepareError('device %s already holds %s; it is not made a physical volume of %s because that destroys '
                       'it. Set force: true on that volume group to overwrite it, or name an empty device'
                       % (device, describe_signature(signature), vg_name))


def vg_decision(vg, existing_pvs):
    """'exists' or 'vgcreate' for a wanted VG; existing_pvs: the PV names LVM lists in it (None: no such VG)."""
    if existing_pvs is None:
        return 'vgcreate'
    missing = [device for device in vg['devices'] if device not in existing_pvs]
    if missing:
        raise PrepareError('volume group %s exists on %s, without %s; this module does not extend volume groups '
                           '(vgextend them yourself, or list the devices it has)'
                           % (vg['name'], ', '.join(sorted(existing_pvs)) or 'no devices', ', '.join(missing)))
    return 'exists'


def lv_decision(lv, existing_size, vg_known):
    """'exists' or 'lvcreate'; existing_size: bytes of the LV when it exists (None: missing)."""
    if existing_size is None:
        if not vg_known:
            raise PrepareError('logical volume %s/%s: volume group %s neither exists nor is in volume_groups'
                               % (lv['vg'], lv['name'], lv['vg']))
        return 'lvcreate'
    wanted = size_bytes(lv['size'])
    if wanted is not None and existing_size < wanted:
        raise PrepareError('logical volume %s/%s exists with %d bytes, less than size %s; this module does not '
                           'resize (lvextend it yourself)' % (lv['vg'], lv['name'], existing_size, lv['size']))
    return 'exists'


def fs_decision(fs, signature):
    """'exists' (already what was asked), 'mkfs' or PrepareError - the data-loss gate of one device."""
    if signature is None:
        return 'mkfs'
    found = signature.get('type')
    label = fs.get('label')
    if found == fs['fstype'] and (label is None or signature.get('label') == label):
        return 'exists'
    if fs.get('force'):
        return 'mkfs'
    if found == fs['fstype']:
        problem = 'already holds %s, not the label %s asked for' % (describe_signature(signature), label)
        fix = 'relabel it yourself (e2label, xfs_admin -L, swaplabel) or set force: true on that filesystem to ' \
              're-create it (destroys its data)'
    else:
        problem = 'already holds %s' % describe_signature(signature)
        fix = 'set force: true on that filesystem to overwrite it (destroys its data), or name an empty device'
    raise PrepareError('device %s %s; nothing was written to it. To make it %s, %s' % (fs['device'], problem, fs['fstype'], fix))


# ---- commands ------------------------------------------------------------------------------------------------

def pvcreate_command(device, force):
    argv = ['pvcreate']
    if force:
        argv += ['-ff', '--yes']  # -ff: take a device that carries another signature, after the gate said so
    return argv + ['--', device]


def vgcreate_command(vg):
    argv = ['vgcreate']
    if vg.get('pesize'):
        argv += ['-s', vg['pesize']]
    return argv + ['--', vg['name']] + list(vg['devices'])


def lvcreate_command(lv):
    # --wipesignatures y --yes: stale signatures inside the newly allocated extents are wiped without a prompt
    # (the extents were free space of the volume group: nothing of the host lives there)
    return ['lvcreate', '--wipesignatures', 'y', '--yes', '-n', lv['name']] + size_argument(lv['size'], lv['name']) + \
        ['--', lv['vg']]


def mkfs_command(fs):
    program, label_option, force_option, _max = MKFS[fs['fstype']]
    argv = [program]
    if fs.get('force'):
        argv.append(force_option)
    if fs.get('label') is not None:
        argv += [label_option, fs['label']]
    argv += list(fs.get('opts') or [])
    return argv + [fs['device']]


def lv_path(vg_name, lv_name):
    return '/dev/%s/%s' % (vg_name, lv_name)


def mount_order(filesystems):
    """Filesystems with a mount point, parents before children (/u01 before /u01/app)."""
    with_point = [fs for fs in filesystems if fs.get('mount_point')]
    return sorted(with_point, key=lambda fs: (normalize_mount_point(fs['mount_point']).count('/'),
                                              normalize_mount_point(fs['mount_point'])))


def fstab_entry(fs, uuid):
    """The new host's fstab entry for a prepared filesystem, as layout_info reports fstab entries."""
    spec = 'UUID=%s' % uuid if uuid else fs['device']
    if fs['fstype'] == 'swap':
        return {'spec': spec, 'file': 'none', 'vfstype': 'swap', 'mntops': 'defaults', 'freq': 0, 'passno': 0}
    return {'spec': spec, 'file': normalize_mount_point(fs['mount_point']), 'vfstype': fs['fstype'],
            'mntops': fs.get('mount_options') or 'defaults', 'freq': 0, 'passno': 2}


def layout_filesystem(item):
    """A filesystem block_prepare mounted, as layout_info lists mounted filesystems (for a check-mode fit check)."""
    return {'device': item['device'], 'source': item['device'], 'fstype': item['fstype'], 'kind': 'local',
            'mount_point': item['mounted_at'], 'size': item['size'], 'used': None, 'uuid': item['uuid'],
            'label': item['label'], 'overmounted': False}
