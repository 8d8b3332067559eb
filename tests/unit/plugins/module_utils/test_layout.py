# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import collections

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils import layout as lay

# ---------------------------------------------------------------- fixtures (real tool output shapes)

# /proc/self/mountinfo of an OL7 vServer: LVM root, /boot partition, a bind mount, an NFS backup
# mount, a mount point with a space, an overmounted /mnt/data and kernel pseudo filesystems
MOUNTINFO = """\
18 41 0:17 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw
19 41 0:3 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw
20 41 0:5 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,size=3993412k,nr_inodes=998353,mode=755
41 1 252:0 / / rw,relatime shared:1 - xfs /dev/mapper/ol-root rw,attr2,inode64,noquota
42 41 8:1 / /boot rw,relatime shared:30 - xfs /dev/sda1 rw,attr2,inode64,noquota
43 41 0:36 / /run rw,nosuid,nodev shared:22 - tmpfs tmpfs rw,mode=755
44 41 252:0 /srv/exports /export rw,relatime shared:1 - xfs /dev/mapper/ol-root rw,attr2,inode64,noquota
45 41 0:44 / /mnt/backups rw,nosuid,nodev,relatime shared:40 - nfs 192.168.10.5:/export/backups/vs1 rw,vers=3,hard,proto=tcp
46 41 8:17 / /srv/my\\040data rw,relatime shared:41 - ext4 /dev/sdb1 rw,data=ordered
47 41 8:33 / /mnt/data rw,relatime shared:42 - ext4 /dev/sdc1 rw
48 47 8:34 / /mnt/data rw,relatime shared:43 - ext4 /dev/sdc2 rw
49 41 254:0 / /home rw,relatime - ext4 /dev/root rw
"""

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

VGS_JSON = """  {
      "report": [
          {
              "vg": [
                  {"vg_name":"ol", "vg_uuid":"AbCdEf-gHiJ-kLmN", "vg_size":"52609155072", "vg_free":"0",
                   "vg_extent_size":"4194304", "pv_count":"1", "lv_count":"2"}
              ]
          }
      ]
  }
"""
LVS_JSON = """  {
      "report": [
          {
              "lv": [
                  {"lv_name":"root", "vg_name":"ol", "lv_uuid":"XyZ-1", "lv_size":"48318382080", "lv_attr":"-wi-ao----",
                   "segtype":"linear", "pool_lv":"", "origin":"", "lv_path":"/dev/ol/root"},
                  {"lv_name":"swap-1", "vg_name":"ol-data", "lv_uuid":"XyZ-2", "lv_size":"4290772992",
                   "lv_attr":"-wi-ao----", "segtype":"linear", "pool_lv":"", "origin":"", "lv_path":"/dev/ol-data/swap-1"}
              ]
          }
      ]
  }
"""
PVS_JSON = """{"report": [{"pv": [{"pv_name":"/dev/sda2", "vg_name":"ol", "pv_uuid":"PvUuId-1",
                                  "pv_size":"52609155072", "pv_free":"0"}]}]}"""

# LVM 2.02.143 (OL6) has no JSON: --noheadings --separator '|'
VGS_SEPARATED = "  VolGroup|Qw3-rT|21470642176|0|4194304|1|2\n"

PROC_SWAPS = """\
Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority
/dev/dm-1                               partition\t4190204\t\t1024\t\t-2
/swap\\040file                           file\t\t1048572\t\t0\t\t-3
"""

IP_ADDR_JSON = json.dumps([
    {"ifindex": 1, "ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "mtu": 65536, "operstate": "UNKNOWN",
     "link_type": "loopback", "address": "00:00:00:00:00:00",
     "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8, "scope": "host", "label": "lo"},
                   {"family": "inet6", "local": "::1", "prefixlen": 128, "scope": "host"}]},
    {"ifindex": 2, "ifname": "eth0", "flags": ["BROADCAST", "MULTICAST", "SLAVE", "UP"], "mtu": 9000,
     "master": "bond0", "operstate": "UP", "link_type": "ether", "address": "00:21:f6:00:00:01",
     "permaddr": "00:21:f6:00:00:09", "addr_info": []},
    {"ifindex": 4, "ifname": "bond0", "flags": ["BROADCAST", "MASTER", "UP"], "mtu": 9000, "operstate": "UP",
     "link_type": "ether", "address": "00:21:f6:00:00:01",
     "addr_info": [{"family": "inet", "local": "10.0.0.21", "prefixlen": 24, "broadcast": "10.0.0.255",
                    "scope": "global", "label": "bond0"},
                   {"family": "inet", "local": "10.0.0.99", "prefixlen": 24, "scope": "global", "secondary": True,
                    "label": "bond0:1"},
                   {"family": "inet6", "local": "fe80::221:f6ff:fe00:1", "prefixlen": 64, "scope": "link"}]},
])

# iproute 3.10 (OL7) / 2.6.32 (OL6): `ip -o addr show`
IP_ADDR_ONELINE = """\
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever
2: eth0    inet 10.0.0.21/24 brd 10.0.0.255 scope global noprefixroute eth0\\       valid_lft forever preferred_lft forever
2: eth0    inet 10.0.0.99/24 brd 10.0.0.255 scope global secondary eth0:1\\       valid_lft forever preferred_lft forever
3: eth1.100@eth1    inet 172.16.0.5/16 brd 172.16.255.255 scope global dynamic eth1.100\\       valid_lft 3000sec preferred_lft 3000sec
2: eth0    inet6 fe80::221:f6ff:fe00:1/64 scope link \\       valid_lft forever preferred_lft forever
"""

IP_ROUTE_JSON = '[{"dst":"default","gateway":"10.0.0.1","dev":"bond0","protocol":"static","metric":100,"flags":[]},' \
                '{"dst":"10.0.0.0/24","dev":"bond0","protocol":"kernel","scope":"link","prefsrc":"10.0.0.21","flags":[]}]'

PROC_NET_ROUTE = """\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
"""

IF_INET6 = """\
fd000000000000000000000000000002 04 40 00 82     eth0
fe8000000000000000fc00fffe000001 04 40 20 80     eth0
00000000000000000000000000000001 01 80 10 80       lo
"""

OL8_OS_RELEASE = """\
NAME="Oracle Linux Server"
VERSION="8.9"
ID="ol"
ID_LIKE="fedora"
VARIANT="Server"
VERSION_ID="8.9"
PLATFORM_ID="platform:el8"
PRETTY_NAME="Oracle Linux Server 8.9"
ANSI_COLOR="0;31"
HOME_URL="https://linux.oracle.com/"
"""

SELINUX_CONFIG = """\
# This file controls the state of SELinux on the system.
# SELINUX= can take one of these three values:
SELINUX=enforcing
# SELINUXTYPE= can take one of these three values:
SELINUXTYPE=targeted
"""


# ---------------------------------------------------------------- block devices

def test_lsblk_new_format_flattens_tree_and_keeps_every_parent():
    devices = lay.parse_lsblk_json(LSBLK_NEW)
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
    devices = lay.parse_lsblk_json(LSBLK_OLD)
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
    assert lay.sysfs_device_type(kname, attrs) == expected


def write_tree(base, files):
    for rel, content in files.items():
        path = os.path.join(str(base), rel)
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path))
        if content is not None:
            with open(path, 'w') as handle:
                handle.write(content)


class QuietCollector(object):
    read = staticmethod(lay._Collector.read)

    def __init__(self):
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


def test_read_sysfs_block_sizes_parents_and_mapper_names(tmp_path):
    devices_dir = tmp_path / 'devices' / 'pci0' / 'block'
    write_tree(devices_dir, {
        'sda/dev': '8:0\n', 'sda/size': '104857600\n', 'sda/ro': '0\n', 'sda/removable': '0\n',
        'sda/device/model': 'VBOX HARDDISK   \n',
        'sda/sda2/dev': '8:2\n', 'sda/sda2/size': '2048\n', 'sda/sda2/partition': '2\n',
    })
    write_tree(tmp_path / 'devices' / 'virtual' / 'block', {
        'dm-0/dev': '252:0\n', 'dm-0/size': '1024\n', 'dm-0/dm/name': 'ol-root\n', 'dm-0/dm/uuid': 'LVM-xyz\n',
        'dm-0/slaves/sda2': '',
        'ram0/dev': '1:0\n', 'ram0/size': '8192\n',
    })
    block = tmp_path / 'class' / 'block'
    block.mkdir(parents=True)
    for name, target in (('sda', 'devices/pci0/block/sda'), ('sda2', 'devices/pci0/block/sda/sda2'),
                         ('dm-0', 'devices/virtual/block/dm-0'), ('ram0', 'devices/virtual/block/ram0')):
        os.symlink(str(tmp_path / target), str(block / name))
    devices = lay.read_sysfs_block(QuietCollector(), str(tmp_path))
    by_name = dict((device['name'], device) for device in devices)
    assert sorted(by_name) == ['ol-root', 'sda', 'sda2']  # RAM disks left out, as lsblk does
    assert by_name['sda']['size'] == 104857600 * 512
    assert by_name['sda']['model'] == 'VBOX HARDDISK'
    assert by_name['sda2']['type'] == 'part' and by_name['sda2']['parent'] == 'sda'
    root = by_name['ol-root']
    assert (root['kname'], root['type'], root['path'], root['parents']) == ('dm-0', 'lvm', '/dev/mapper/ol-root', ['sda2'])
    assert lay.path_by_majmin_index(devices) == {
        '8:0': '/dev/sda', '8:2': '/dev/sda2', '252:0': '/dev/mapper/ol-root'}


def test_blkid_export_and_udev_link_names():
    entries = lay.parse_blkid_export(BLKID_EXPORT)
    assert [entry['devname'] for entry in entries] == ['/dev/sda1', '/dev/sdb1', '/dev/mapper/ol-swap']
    assert entries[1]['label'] == 'my data'
    assert entries[0]['fstype'] == 'xfs' and entries[0]['partuuid'] == '0a1b2c3d-01'
    assert lay.decode_udev_link('my\\x20data') == 'my data'


# ---------------------------------------------------------------- mounts, filesystems, swap

def test_mountinfo_fields_and_escapes():
    mounts = lay.parse_mountinfo(MOUNTINFO)
    assert len(mounts) == 12
    root = mounts[3]
    assert (root['mount_point'], root['fstype'], root['source'], root['maj_min']) == ('/', 'xfs', '/dev/mapper/ol-root', '252:0')
    assert root['optional_fields'] == ['shared:1']
    assert mounts[8]['mount_point'] == '/srv/my data'
    assert mounts[6]['fs_root'] == '/srv/exports'


def test_filesystems_drop_pseudo_attach_ids_and_resolve_dev_root():
    ids = {'252:0': {'uuid': 'ROOT-UUID', 'fstype': 'xfs'}, '8:1': {'uuid': 'BOOT-UUID'}}
    by_path = {'/dev/sdb1': {'uuid': 'DATA-UUID', 'label': 'my data'}}
    paths = {'252:0': '/dev/mapper/ol-root', '8:1': '/dev/sda1', '8:17': '/dev/sdb1', '254:0': '/dev/vda1'}
    filesystems = lay.filesystems_from_mounts(lay.parse_mountinfo(MOUNTINFO), ids, by_path, paths)
    by_point = collections.OrderedDict((fs['mount_point'] + ('#%d' % i), fs) for i, fs in enumerate(filesystems))
    points = [fs['mount_point'] for fs in filesystems]
    assert points == ['/', '/boot', '/run', '/export', '/mnt/backups', '/srv/my data', '/mnt/data', '/mnt/data', '/home']
    assert by_point['/#0']['uuid'] == 'ROOT-UUID' and by_point['/#0']['kind'] == 'local'
    assert 'attr2' in by_point['/#0']['options'].split(',')
    assert by_point['/boot#1']['uuid'] == 'BOOT-UUID'
    assert by_point['/run#2']['kind'] == 'memory' and by_point['/run#2']['device'] is None
    assert by_point['/export#3']['fs_root'] == '/srv/exports'
    nfs = by_point['/mnt/backups#4']
    assert (nfs['kind'], nfs['device'], nfs['source']) == ('network', None, '192.168.10.5:/export/backups/vs1')
    assert by_point['/srv/my data#5']['label'] == 'my data'
    assert [fs['overmounted'] for fs in filesystems if fs['mount_point'] == '/mnt/data'] == [True, False]
    assert by_point['/home#8']['device'] == '/dev/vda1'  # "/dev/root" resolved through major:minor


@pytest.mark.parametrize('fstype, kind', [
    ('xfs', 'local'), ('btrfs', 'local'), ('fuseblk', 'local'), ('nfs', 'network'), ('nfs4', 'network'),
    ('fuse.sshfs', 'network'), ('fuse.gvfsd-fuse', 'fuse'), ('tmpfs', 'memory'), ('cgroup2', 'pseudo'),
])
def test_fstype_kind(fstype, kind):
    assert lay.fstype_kind(fstype) == kind


def test_statvfs_usage_matches_df_arithmetic():
    Stat = collections.namedtuple('Stat', 'f_bsize f_frsize f_blocks f_bfree f_bavail f_files f_ffree')
    usage = lay.statvfs_usage(Stat(4096, 4096, 1000, 400, 300, 50, 20))
    assert usage == {'size': 4096000, 'used': 600 * 4096, 'avail': 300 * 4096, 'inodes': 50, 'inodes_used': 30}


def test_proc_swaps_in_bytes_with_escaped_names():
    swaps = lay.parse_proc_swaps(PROC_SWAPS)
    assert swaps[0] == {'device': '/dev/dm-1', 'type': 'partition', 'size': 4190204 * 1024, 'used': 1024 * 1024,
                        'priority': -2, 'uuid': None, 'label': None}
    assert swaps[1]['device'] == '/swap file'


# ---------------------------------------------------------------- LVM

def test_lvm_json_reports():
    lvm = lay.normalize_lvm(lay.parse_lvm_json(VGS_JSON, 'vg'), lay.parse_lvm_json(LVS_JSON, 'lv'),
                            lay.parse_lvm_json(PVS_JSON, 'pv'))
    assert lvm['vgs'] == [{'name': 'ol', 'uuid': 'AbCdEf-gHiJ-kLmN', 'size': 52609155072, 'free': 0,
                           'extent_size': 4194304, 'pv_count': 1, 'lv_count': 2}]
    root, swap = lvm['lvs']
    assert (root['name'], root['vg'], root['size'], root['pool'], root['dm_path']) == (
        'root', 'ol', 48318382080, None, '/dev/mapper/ol-root')
    assert swap['dm_path'] == '/dev/mapper/ol--data-swap--1'  # dashes doubled, as device-mapper names them
    assert lvm['pvs'][0] == {'name': '/dev/sda2', 'vg': 'ol', 'uuid': 'PvUuId-1', 'size': 52609155072, 'free': 0}


def test_lvm_separated_report_of_old_lvm():
    rows = lay.parse_lvm_separated(VGS_SEPARATED, lay.LVM_FIELDS['vgs'])
    vg = lay.normalize_lvm(rows, [], [])['vgs'][0]
    assert (vg['name'], vg['size'], vg['lv_count']) == ('VolGroup', 21470642176, 2)


def test_sizes_with_unit_suffix_still_parse():
    assert lay.to_int('1073741824B') == 1073741824
    assert lay.to_int('') is None
    assert lay.to_int(None) is None


# ---------------------------------------------------------------- network

def test_ip_json_addresses_macs_and_bond_members():
    links = lay.parse_ip_addr_json(IP_ADDR_JSON)
    assert links['eth0']['master'] == 'bond0'
    assert links['eth0']['permanent_mac'] == '00:21:f6:00:00:09'
    assert links['eth0']['addresses'] == []
    bond = links['bond0']['addresses']
    assert [(a['family'], a['address'], a['prefixlen']) for a in bond] == [
        ('inet', '10.0.0.21', 24), ('inet', '10.0.0.99', 24), ('inet6', 'fe80::221:f6ff:fe00:1', 64)]
    assert bond[1]['label'] == 'bond0:1'
    assert links['lo']['addresses'][0]['address'] == '127.0.0.1'


def test_ip_oneline_text_of_old_iproute():
    addresses = lay.parse_ip_addr_oneline(IP_ADDR_ONELINE)
    assert sorted(addresses) == ['eth0', 'eth1.100', 'lo']
    eth0 = addresses['eth0']
    assert eth0[0] == {'family': 'inet', 'address': '10.0.0.21', 'prefixlen': 24, 'broadcast': '10.0.0.255',
                       'scope': 'global', 'label': 'eth0', 'dynamic': False}
    assert eth0[1]['label'] == 'eth0:1'
    assert eth0[2]['family'] == 'inet6' and eth0[2]['label'] is None
    assert addresses['eth1.100'][0]['dynamic'] is True


def test_if_inet6_compressed_like_ip_prints_it():
    addresses = lay.parse_if_inet6(IF_INET6)
    assert [(a['address'], a['prefixlen'], a['scope']) for a in addresses['eth0']] == [
        ('fd00::2', 64, 'global'), ('fe80::fc:ff:fe00:1', 64, 'link')]
    assert addresses['lo'][0]['address'] == '::1'
    assert lay.compress_ipv6(['2001', '0db8', '0000', '0000', '0001', '0000', '0000', '0001']) == '2001:db8::1:0:0:1'


def test_default_routes_from_json_text_and_proc():
    assert lay.parse_ip_route_json(IP_ROUTE_JSON, 'inet') == [
        {'family': 'inet', 'gateway': '10.0.0.1', 'dev': 'bond0', 'metric': 100, 'protocol': 'static'}]
    text = "default via 10.0.0.1 dev eth0 proto static metric 100 onlink\n10.0.0.0/24 dev eth0 scope link\n"
    assert lay.parse_ip_route_text(text, 'inet') == [
        {'family': 'inet', 'gateway': '10.0.0.1', 'dev': 'eth0', 'metric': 100, 'protocol': 'static'}]
    assert lay.parse_proc_net_route(PROC_NET_ROUTE) == [
        {'family': 'inet', 'gateway': '192.0.2.1', 'dev': 'eth0', 'metric': 100, 'protocol': None}]


def test_sysfs_net_kinds_and_bond_master(tmp_path):
    write_tree(tmp_path / 'class' / 'net', {
        'lo/address': '00:00:00:00:00:00\n', 'lo/mtu': '65536\n', 'lo/type': '772\n', 'lo/operstate': 'unknown\n',
        'bond0/address': '00:21:f6:00:00:01\n', 'bond0/mtu': '9000\n', 'bond0/type': '1\n', 'bond0/bonding/mode': '',
        'eth0/address': '00:21:f6:00:00:01\n', 'eth0/mtu': '9000\n', 'eth0/type': '1\n', 'eth0/device/vendor': '',
        'bonding_masters': None,
    })
    with open(str(tmp_path / 'class' / 'net' / 'bonding_masters'), 'w') as handle:
        handle.write('bond0\n')
    os.symlink('../bond0', str(tmp_path / 'class' / 'net' / 'eth0' / 'master'))
    interfaces = lay.read_sysfs_net(QuietCollector(), str(tmp_path))
    assert sorted(interfaces) == ['bond0', 'eth0', 'lo']
    assert interfaces['lo']['kind'] == 'loopback'
    assert interfaces['bond0']['kind'] == 'bond'
    assert (interfaces['eth0']['kind'], interfaces['eth0']['master'], interfaces['eth0']['mtu']) == ('physical', 'bond0', 9000)


# ---------------------------------------------------------------- system files

def test_os_release_ol8():
    result = lay.parse_os_release(OL8_OS_RELEASE)
    assert (result['id'], result['version_id'], result['id_like']) == ('ol', '8.9', 'fedora')
    assert result['pretty_name'] == 'Oracle Linux Server 8.9'


@pytest.mark.parametrize('text, os_id, version', [
    ('Oracle Linux Server release 6.10\n', 'ol', '6.10'),
    ('Red Hat Enterprise Linux Server release 6.10 (Santiago)\n', 'rhel', '6.10'),
    ('CentOS release 6.5 (Final)\n', 'centos', '6.5'),
])
def test_el6_release_files(text, os_id, version):
    result = lay.parse_release_file(text)
    assert (result['id'], result['version_id']) == (os_id, version)


def test_shell_assignments_quotes_and_comments():
    values = lay.parse_shell_assignments('A="x \\"y\\""\nB=\'z\'\nC=plain # note\n#D=no\nexport E=1\n')
    assert values == {'A': 'x "y"', 'B': 'z', 'C': 'plain', 'E': '1'}


def test_selinux_config_and_hostname_files():
    assert lay.parse_selinux_config(SELINUX_CONFIG) == {'config_mode': 'enforcing', 'config_type': 'targeted'}
    assert lay.parse_hostname_file('# set by kickstart\nvs1.example.com\n') == 'vs1.example.com'
    assert lay.parse_hostname_file('') is None


# ---------------------------------------------------------------- collect_layout against this machine

class FakeModule(object):
    """get_bin_path/run_command of AnsibleModule, with tools hidden or replaced by canned output."""

    def __init__(self, hidden=(), canned=None):
        self.hidden = set(hidden)
        self.canned = canned or {}
        self.calls = []

    def get_bin_path(self, name, opt_dirs=None):
        if name in self.hidden:
            return None
        if name in self.canned:
            return '/canned/' + name
        for directory in os.environ.get('PATH', '').split(os.pathsep) + list(opt_dirs or []):
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
        return None

    def run_command(self, args, environ_update=None):
        import subprocess  # the real tools; canned ones answer from the table
        self.calls.append(list(args))
        name = os.path.basename(args[0])
        if args[0].startswith('/canned/'):
            return self.canned[name](args[1:])
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = process.communicate()
        return process.returncode, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')


ALL_TOOLS = ('lsblk', 'blkid', 'vgs', 'lvs', 'pvs', 'ip')


def test_collect_layout_without_any_tool_still_reports_the_basics():
    layout = lay.collect_layout(FakeModule(hidden=ALL_TOOLS))
    assert layout['tools_missing'] == ['lsblk', 'blkid', 'vgs', 'ip']
    assert any(w.startswith('ip not found') for w in layout['warnings'])
    assert any('IPv4 addresses not reported' in w for w in layout['warnings'])
    assert layout['devices_source'] == 'sysfs'
    assert layout['lvm']['available'] is False
    assert layout['network']['source'] == 'proc'
    assert 'lo' in [interface['name'] for interface in layout['network']['interfaces']]
    assert [fs for fs in layout['filesystems'] if fs['mount_point'] == '/']
    assert set(lay.SECTIONS) <= set(layout)
    json.dumps(layout)  # the side-car must serialise


def test_collect_layout_falls_back_when_tools_are_too_old():
    def old_lsblk(args):
        return 1, '', "lsblk: invalid option -- 'J'\n"

    def old_ip(args):
        if args[0] == '-j':
            return 255, '', 'Option "-j" is unknown, try "ip -help".\n'
        if args[:2] == ['-o', 'addr']:
            return 0, IP_ADDR_ONELINE, ''
        return 0, 'default via 10.0.0.1 dev eth0 proto static\n' if args[0] == '-4' else '', ''

    def old_lvm(args):
        if '--reportformat' in args:
            return 3, '', '  Unrecognised option --reportformat\n'
        return 0, VGS_SEPARATED if '-o' in args and 'vg_extent_size' in args[-1] else '', ''

    module = FakeModule(canned={'lsblk': old_lsblk, 'ip': old_ip, 'vgs': old_lvm, 'lvs': old_lvm, 'pvs': old_lvm})
    layout = lay.collect_layout(module, gather=['devices', 'lvm', 'network'])
    assert sorted(layout) == ['devices', 'devices_source', 'gathered', 'lvm', 'network', 'root', 'schema_version',
                              'tools_missing', 'warnings']
    assert layout['devices_source'] == 'sysfs'
    assert any(w.startswith('/canned/lsblk -J -b -O failed') for w in layout['warnings'])
    assert layout['network']['source'] == 'ip-text'
    eth0 = [i for i in layout['network']['interfaces'] if i['name'] == 'eth0'][0]
    assert eth0['addresses'][0]['address'] == '10.0.0.21'
    assert layout['network']['default_routes'] == [
        {'family': 'inet', 'gateway': '10.0.0.1', 'dev': 'eth0', 'metric': None, 'protocol': 'static'}]
    assert layout['lvm']['available'] is True
    assert layout['lvm']['vgs'][0]['name'] == 'VolGroup'


def test_collect_layout_reads_config_files_of_an_alternate_root(tmp_path):
    write_tree(tmp_path, {
        'etc/fstab': "/dev/mapper/VolGroup-lv_root / ext4 defaults 1 1\n",
        'etc/oracle-release': 'Oracle Linux Server release 6.10\n',
        'etc/redhat-release': 'Red Hat Enterprise Linux Server release 6.10 (Santiago)\n',
        'etc/sysconfig/network': 'NETWORKING=yes\nHOSTNAME=vs6.example.com\n',
        'etc/selinux/config': SELINUX_CONFIG,
    })
    layout = lay.collect_layout(FakeModule(hidden=ALL_TOOLS), root=str(tmp_path), gather=['fstab', 'system'])
    assert layout['fstab']['path'] == str(tmp_path / 'etc' / 'fstab')
    assert layout['fstab']['entries'][0]['spec'] == '/dev/mapper/VolGroup-lv_root'
    system = layout['system']
    assert (system['os']['id'], system['os']['version_id'], system['os']['source']) == ('ol', '6.10', '/etc/oracle-release')
    assert set(system['os']['release_files']) == set(['/etc/oracle-release', '/etc/redhat-release'])
    assert (system['hostname'], system['hostname_configured'], system['fqdn']) == ('vs6.example.com', 'vs6.example.com', None)
    assert system['selinux']['config_mode'] == 'enforcing'
    assert layout['tools_missing'] == []  # fstab and system need no tool


def test_missing_fstab_is_reported_not_fatal(tmp_path):
    layout = lay.collect_layout(FakeModule(hidden=ALL_TOOLS), root=str(tmp_path), gather=['fstab'])
    assert layout['fstab']['present'] is False
    assert layout['warnings'] == ['%s not found' % (tmp_path / 'etc' / 'fstab')]


def test_layout_json_is_stable():
    assert lay.layout_json({'b': 1, 'a': [1, 2]}) == lay.layout_json({'a': [1, 2], 'b': 1})
    assert lay.layout_json({}).endswith('\n')
