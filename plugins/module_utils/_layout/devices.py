# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Block devices: lsblk JSON, sysfs attributes, blkid export output, udev link names.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import re

from ansible_collections.exalogic.backup.plugins.module_utils._layout.values import empty_to_none, to_bool, to_int


def parse_lsblk_json(text):
    """Flatten `lsblk -J -b -O` output into a list of devices.

    lsblk nests children under their parents; a device with several parents (an LV spread over
    two PVs, a RAID member set) appears once per parent there and once here, with all parents.
    """
    data = json.loads(text)
    devices = []
    by_name = {}

    def walk(nodes, parent):
        for node in nodes or []:
            device = lsblk_device(node)
            known = by_name.get(device['name'])
            if known is None:
                by_name[device['name']] = device
                devices.append(device)
                known = device
            if parent and parent not in known['parents']:
                known['parents'].append(parent)
                known['parent'] = known['parents'][0]
            walk(node.get('children'), device['name'])

    walk(data.get('blockdevices'), None)
    return devices


def lsblk_device(node):
    """One lsblk node -> our device dict (keys differ between util-linux versions)."""
    mountpoints = node.get('mountpoints')
    if mountpoints is None:
        mountpoints = [node.get('mountpoint')]
    name = node.get('name')
    return {
        'name': name,
        'kname': node.get('kname') or name,
        'path': node.get('path') or ('/dev/' + name if name else None),
        'maj_min': node.get('maj:min'),
        'type': node.get('type'),
        'size': to_int(node.get('size')),
        'parent': None,
        'parents': [],
        'fstype': empty_to_none(node.get('fstype')),
        'uuid': empty_to_none(node.get('uuid')),
        'label': empty_to_none(node.get('label')),
        'partuuid': empty_to_none(node.get('partuuid')),
        'partlabel': empty_to_none(node.get('partlabel')),
        'pttype': empty_to_none(node.get('pttype')),
        'ptuuid': empty_to_none(node.get('ptuuid')),
        'model': empty_to_none(node.get('model')),
        'serial': empty_to_none(node.get('serial')),
        'ro': to_bool(node.get('ro')),
        'removable': to_bool(node.get('rm')),
        'mountpoints': [mp for mp in mountpoints if mp],
    }


def sysfs_device(kname, attrs):
    """A device dict from sysfs attributes of /sys/class/block/<kname>.

    attrs keys: dev ("8:1"), size (512-byte sectors, as text), partition (bool), container
    (kname of the disk holding a partition), slaves (list of knames), dm_name, dm_uuid,
    md_level, ro, removable, model, serial.
    """
    dm_name = empty_to_none(attrs.get('dm_name'))
    name = dm_name or kname
    sectors = to_int(attrs.get('size'))
    parents = list(attrs.get('slaves') or [])
    if attrs.get('container'):
        parents.insert(0, attrs['container'])
    return {
        'name': name,
        'kname': kname,
        'path': '/dev/mapper/' + dm_name if dm_name else '/dev/' + kname,
        'maj_min': empty_to_none(attrs.get('dev')),
        'type': sysfs_device_type(kname, attrs),
        'size': None if sectors is None else sectors * 512,  # sysfs counts 512-byte sectors always
        'parent': parents[0] if parents else None,
        'parents': parents,
        'fstype': None, 'uuid': None, 'label': None, 'partuuid': None, 'partlabel': None,
        'pttype': None, 'ptuuid': None,
        'model': empty_to_none(attrs.get('model')),
        'serial': empty_to_none(attrs.get('serial')),
        'ro': to_bool(attrs.get('ro')),
        'removable': to_bool(attrs.get('removable')),
        'mountpoints': [],
    }


def sysfs_device_type(kname, attrs):
    """The lsblk TYPE for a device seen only through sysfs."""
    dm_uuid = attrs.get('dm_uuid') or ''
    if attrs.get('dm_name') is not None or kname.startswith('dm-'):
        for prefix, kind in (('LVM-', 'lvm'), ('CRYPT-', 'crypt'), ('mpath-', 'mpath'), ('part', 'part')):
            if dm_uuid.startswith(prefix):
                return kind
        return 'dm'
    if attrs.get('md_level'):
        return attrs['md_level'].strip()
    if attrs.get('partition'):
        return 'part'
    if kname.startswith('loop'):
        return 'loop'
    if kname.startswith('sr'):
        return 'rom'
    return 'disk'


def name_parents(devices):
    """sysfs lists parents by kernel name (dm-0); lsblk by device name (ol-root). Use names."""
    names = dict((device['kname'], device['name']) for device in devices)
    for device in devices:
        device['parents'] = [names.get(parent, parent) for parent in device['parents']]
        device['parent'] = device['parents'][0] if device['parents'] else None
    return devices


def parse_blkid_export(text):
    """`blkid -o export` (several devices, blank-line separated) -> list of dicts.

    Keys are lower case blkid tags (devname, uuid, label, type, partuuid, partlabel, ...);
    'type' is also given as 'fstype'.
    """
    entries = []
    current = {}
    for line in text.splitlines() + ['']:
        line = line.strip()
        if not line:
            if current:
                if 'type' in current:
                    current['fstype'] = current['type']
                entries.append(current)
            current = {}
            continue
        key, sep, value = line.partition('=')
        if sep:
            current[key.strip().lower()] = unescape_blkid(value.strip())
    return entries


def unescape_blkid(value):
    # blkid -o export escapes shell specials with a backslash ("my\ label")
    return re.sub(r'\\(.)', r'\1', value)


def decode_udev_link(name):
    r"""/dev/disk/by-label names are udev-escaped: "my\x20disk" -> "my disk"."""
    return re.sub(r'\\x([0-9a-fA-F]{2})', lambda match: chr(int(match.group(1), 16)), name)
