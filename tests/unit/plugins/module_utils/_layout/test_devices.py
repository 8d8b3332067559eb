# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import pytest
from ansible_collections.exalogic.backup.plugins.module_utils._layout.devices import (
    decode_udev_link, parse_blkid_export, parse_lsblk_json, sysfs_device_type)


LSBLK_NEW = json.dumps({"blockdevices": [
    {"name": "sda", "kname": "sda", "path": "/dev/sda", "maj:min": "8:0", "type": "disk", "size": 53687091200,
     "fstype": None, "uuid": None, "label": None, "pttype": "dos", "ptuuid": "0a1b2c3d", "ro": False, "rm": False,
     "model": "QEMU HARDDISK", "serial": "QM0001", "mountpoints": [None],
     "children": [
         {"name": "sda1", "kname": "sda1", "path": "/dev/sda1", "maj:min": "8:1", "type": "part",
          "size": 1073741824, "fstype": "xfs", "uuid": "0b2b9b4e-5f33-4c3c-9e4b-8a0f1c2d3e4f", "label": None,
          "partuuid": "0a1b2c3d-01", "ro": False, "rm": False, "mountpoints": ["/boot"]},
         {"name": "sda2", "kname": "sda2", "path": "/dev/sda2", "maj:min": "8:2", "type": "part",
          "size": 52612349952, "fstype": "LVM2_member", "uuid": "PvUuId-1", "ro": False, "rm": False,
          "mountpoints": [None],
          "children": [
              {"name": "ol-root", "kname": "dm-0", "path": "/dev/mapper/ol-root", "maj:min": "252:0",
               "type": "lvm", "size": 48318382080, "fstype": "xfs", "uuid": "6a3b2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0",
               "ro": False, "rm": False, "mountpoints": ["/", "/export"]}]}]},
    {"name": "sdb", "kname": "sdb", "path": "/dev/sdb", "maj:min": "8:16", "type": "disk", "size": 10737418240,
     "ro": False, "rm": False, "mountpoints": [None],
     "children": [
         {"name": "ol-root", "kname": "dm-0", "path": "/dev/mapper/ol-root", "maj:min": "252:0",
          "type": "lvm", "size": 48318382080, "fstype": "xfs", "uuid": "6a3b2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0",
          "ro": False, "rm": False, "mountpoints": ["/", "/export"]}]},
]})


# util-linux 2.32 (OL8): numbers and booleans as strings, a single "mountpoint"
LSBLK_OLD = """{
   "blockdevices": [
      {"name": "vda", "kname": "vda", "maj:min": "252:0", "fstype": null, "mountpoint": null, "label": null,
       "uuid": null, "ro": "0", "rm": "0", "size": "21474836480", "type": "disk",
       "children": [
          {"name": "vda1", "kname": "vda1", "maj:min": "252:1", "fstype": "ext4", "mountpoint": "/",
           "label": "root", "uuid": "1111-2222", "ro": "0", "rm": "0", "size": "21473787904", "type": "part"}
       ]}
   ]
}"""


BLKID_EXPORT = """\
DEVNAME=/dev/sda1
UUID=0b2b9b4e-5f33-4c3c-9e4b-8a0f1c2d3e4f
TYPE=xfs
PARTUUID=0a1b2c3d-01

DEVNAME=/dev/sdb1
LABEL=my\\ data
UUID=5e5e5e5e-aaaa-bbbb-cccc-dddddddddddd
BLOCK_SIZE=4096
TYPE=ext4

DEVNAME=/dev/mapper/ol-swap
UUID=1c2d3e4f-0000-1111-2222-333344445555
TYPE=swap
"""


def test_lsblk_new_format_flattens_tree_and_keeps_every_parent():
    devices = parse_lsblk_json(LSBLK_NEW)
    by_name = dict((device['name'], device) for device in devices)
    assert [device['name'] for device in devices] == ['sda', 'sda1', 'sda2', 'ol-root', 'sdb']
    assert by_name['ol-root']['parents'] == ['sda2', 'sdb']  # an LV spread over two PVs appears once
    assert by_name['ol-root']['parent'] == 'sda2'
    assert by_name['ol-root']['kname'] == 'dm-0'
    assert by_name['ol-root']['mountpoints'] == ['/', '/export']
    assert by_name['sda1']['size'] == 1073741824
    assert by_name['sda']['parent'] is None
    assert by_name['sda']['mountpoints'] == []
    assert by_name['sda']['pttype'] == 'dos'


def test_lsblk_old_format_strings_are_normalised():
    devices = parse_lsblk_json(LSBLK_OLD)
    vda1 = devices[1]
    assert vda1['size'] == 21473787904
    assert vda1['ro'] is False and vda1['removable'] is False
    assert vda1['mountpoints'] == ['/']
    assert vda1['path'] == '/dev/vda1'
    assert (vda1['uuid'], vda1['label'], vda1['parent']) == ('1111-2222', 'root', 'vda')


@pytest.mark.parametrize('kname, attrs, expected', [
    ('sda', {}, 'disk'),
    ('sda1', {'partition': True}, 'part'),
    ('dm-0', {'dm_name': 'ol-root', 'dm_uuid': 'LVM-abcdef'}, 'lvm'),
    ('dm-3', {'dm_name': 'luks-1', 'dm_uuid': 'CRYPT-LUKS2-abc'}, 'crypt'),
    ('dm-4', {'dm_name': 'mpatha', 'dm_uuid': 'mpath-3600'}, 'mpath'),
    ('md0', {'md_level': 'raid1\n'}, 'raid1'),
    ('loop0', {}, 'loop'),
    ('sr0', {}, 'rom'),
])
def test_sysfs_device_types(kname, attrs, expected):
    assert sysfs_device_type(kname, attrs) == expected


def test_blkid_export_and_udev_link_names():
    entries = parse_blkid_export(BLKID_EXPORT)
    assert [entry['devname'] for entry in entries] == ['/dev/sda1', '/dev/sdb1', '/dev/mapper/ol-swap']
    assert entries[1]['label'] == 'my data'
    assert entries[0]['fstype'] == 'xfs' and entries[0]['partuuid'] == '0a1b2c3d-01'
    assert decode_udev_link('my\\x20data') == 'my data'
