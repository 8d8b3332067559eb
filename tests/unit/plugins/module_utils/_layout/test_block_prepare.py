# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._layout import block_prepare as plan
from ansible_collections.exalogic.backup.plugins.module_utils._layout.block_prepare import PrepareError

# `blkid -p -o export <device>` output captured on Debian 12 (util-linux 2.38) from loop devices and image files
BLKID_EXT4 = """DEVNAME=/dev/loop3
UUID=c1891558-7d5e-4278-a954-8b722ac4c705
VERSION=1.0
BLOCK_SIZE=1024
LABEL=olddata
TYPE=ext4
USAGE=filesystem
"""
BLKID_PV = """DEVNAME=/dev/loop0
UUID=enFpYB-BQbN-cGl6-60z4-zQmi-p9ob-shR4R4
VERSION=LVM2\\ 001
TYPE=LVM2_member
USAGE=raid
"""
BLKID_DOS_TABLE = """DEVNAME=/dev/vdb
PTUUID=78563412
PTTYPE=dos
"""
BLKID_SWAP = """DEVNAME=/dev/vdc
LABEL=sw
UUID=d9685e14-1940-49a5-a8b1-b9bd2b26720b
VERSION=1
TYPE=swap
USAGE=other
"""


def fs(**kw):
    item = dict(device='/dev/vdc', fstype='ext4', label=None, opts=[], mount_point=None, mount_options=None, force=False)
    item.update(kw)
    return item


# ---- the probe -------------------------------------------------------------------------------------------------

def test_probe_nothing_found_is_an_empty_device():
    assert plan.probe_signature(2, '', '/dev/vdc') is None


def test_probe_reads_type_label_and_uuid():
    tags = plan.probe_signature(0, BLKID_EXT4, '/dev/loop3')
    assert (tags['type'], tags['label'], tags['uuid']) == ('ext4', 'olddata', 'c1891558-7d5e-4278-a954-8b722ac4c705')


def test_probe_a_partition_table_counts_as_a_signature():
    tags = plan.probe_signature(0, BLKID_DOS_TABLE, '/dev/vdb')
    assert tags['type'] == 'a dos partition table'


def test_probe_ambivalent_result_counts_as_data():
    tags = plan.probe_signature(8, '', '/dev/vdb')
    assert 'several signatures' in tags['type']


def test_probe_other_exit_codes_fail_naming_the_device():
    with pytest.raises(PrepareError, match='cannot probe /dev/vdz .blkid -p exit 4.'):
        plan.probe_signature(4, '', '/dev/vdz')


# ---- the data-loss gate of filesystems -----------------------------------------------------------------------

@pytest.mark.parametrize('wanted, blkid, decision', [
    (fs(), None, 'mkfs'),
    (fs(fstype='ext4'), BLKID_EXT4, 'exists'),                        # same type, no label asked
    (fs(fstype='ext4', label='olddata'), BLKID_EXT4, 'exists'),
    (fs(fstype='swap', label='sw'), BLKID_SWAP, 'exists'),
    (fs(fstype='xfs', force=True), BLKID_EXT4, 'mkfs'),
    (fs(fstype='ext4', label='new', force=True), BLKID_EXT4, 'mkfs'),
    (fs(fstype='ext4', force=True), BLKID_DOS_TABLE, 'mkfs'),
])
def test_fs_decision(wanted, blkid, decision):
    signature = None if blkid is None else plan.probe_signature(0, blkid, wanted['device'])
    assert plan.fs_decision(wanted, signature) == decision


@pytest.mark.parametrize('wanted, blkid, found', [
    (fs(device='/dev/loop3', fstype='xfs'), BLKID_EXT4, 'already holds ext4 labelled olddata'),
    (fs(device='/dev/loop3', fstype='ext4', label='u01'), BLKID_EXT4, 'not the label u01 asked for'),
    (fs(device='/dev/loop3', fstype='ext4'), BLKID_PV, 'already holds LVM2_member'),
    (fs(device='/dev/loop3', fstype='ext4'), BLKID_DOS_TABLE, 'already holds a dos partition table'),
    (fs(device='/dev/loop3', fstype='swap'), BLKID_EXT4, 'already holds ext4'),
])
def test_an_existing_signature_is_never_overwritten_without_force(wanted, blkid, found):
    with pytest.raises(PrepareError) as caught:
        plan.fs_decision(wanted, plan.probe_signature(0, blkid, wanted['device']))
    message = str(caught.value)
    assert message.startswith('device /dev/loop3 ')
    assert found in message
    assert 'force: true' in message
    assert 'nothing was written' in message


def test_an_ambivalent_device_is_refused():
    with pytest.raises(PrepareError, match='several signatures'):
        plan.fs_decision(fs(), plan.probe_signature(8, '', '/dev/vdc'))


# ---- physical volumes, volume groups, logical volumes ----------------------------------------------------------

@pytest.mark.parametrize('signature, pv_vg, force, decision', [
    (None, None, False, 'pvcreate'),          # empty device
    ({'type': 'LVM2_member'}, '', False, 'ready'),   # a PV of no VG
    ({'type': 'LVM2_member'}, 'appvg', False, 'ready'),
    ({'type': 'ext4'}, None, True, 'pvcreate'),
])
def test_pv_decision(signature, pv_vg, force, decision):
    assert plan.pv_decision('/dev/vdb', 'appvg', signature, pv_vg, force) == decision


def test_pv_with_a_filesystem_is_refused_naming_device_and_force():
    with pytest.raises(PrepareError) as caught:
        plan.pv_decision('/dev/vdb', 'appvg', plan.probe_signature(0, BLKID_EXT4, '/dev/vdb'), None, False)
    assert str(caught.value).startswith('device /dev/vdb already holds ext4 labelled olddata')
    assert 'force: true on that volume group' in str(caught.value)


def test_pv_of_another_vg_is_refused_even_with_force():
    with pytest.raises(PrepareError, match='physical volume of volume group ol, not appvg'):
        plan.pv_decision('/dev/vdb', 'appvg', {'type': 'LVM2_member'}, 'ol', True)


def test_vg_decision():
    vg = {'name': 'appvg', 'devices': ['/dev/vdb', '/dev/vdc']}
    assert plan.vg_decision(vg, None) == 'vgcreate'
    assert plan.vg_decision(vg, ['/dev/vdc', '/dev/vdb']) == 'exists'
    with pytest.raises(PrepareError, match='appvg exists on /dev/vdb, without /dev/vdc; this module does not extend'):
        plan.vg_decision(vg, ['/dev/vdb'])


def test_lv_decision():
    lv = {'vg': 'appvg', 'name': 'u01', 'size': '10g'}
    assert plan.lv_decision(lv, None, True) == 'lvcreate'
    assert plan.lv_decision(lv, 10 * 1024 ** 3, True) == 'exists'
    assert plan.lv_decision(dict(lv, size='100%FREE'), 4096, True) == 'exists'
    with pytest.raises(PrepareError, match='exists with 1073741824 bytes, less than size 10g; this module does not resize'):
        plan.lv_decision(lv, 1024 ** 3, True)
    with pytest.raises(PrepareError, match='volume group appvg neither exists nor is in volume_groups'):
        plan.lv_decision(lv, None, False)


# ---- sizes ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('size, argument, size_bytes', [
    ('10g', ['-L', '10g'], 10 * 1024 ** 3),
    ('10G', ['-L', '10g'], 10 * 1024 ** 3),
    ('1.5t', ['-L', '1.5t'], int(1.5 * 1024 ** 4)),
    ('512', ['-L', '512m'], 512 * 1024 ** 2),   # lvcreate: no unit is MiB
    ('2048s', ['-L', '2048s'], 2048 * 512),
    ('100%FREE', ['-l', '100%FREE'], None),
    ('50%vg', ['-l', '50%VG'], None),
])
def test_sizes(size, argument, size_bytes):
    assert plan.size_argument(size, 'logical_volumes[0]') == argument
    assert plan.size_bytes(size) == size_bytes


@pytest.mark.parametrize('size', ['', '0', '10 g', '-1g', '10x', '100%', 'all'])
def test_bad_sizes_name_the_entry(size):
    with pytest.raises(PrepareError, match=r'logical_volumes\[2\]: size .* is not an LVM size'):
        plan.size_argument(size, 'logical_volumes[2]')


# ---- input validation ----------------------------------------------------------------------------------------

def lv(**kw):
    item = dict(vg='appvg', name='u01', size='1g')
    item.update(kw)
    return item


@pytest.mark.parametrize('vgs, lvs, fss, message', [
    ([{'name': '-bad', 'devices': ['/dev/vdb']}], [], [], r'volume_groups\[0\]\.name .-bad. is not a valid LVM name'),
    ([{'name': 'a', 'devices': []}], [], [], r'volume_groups\[0\]: give the devices'),
    ([{'name': 'a', 'devices': ['/dev/vdb']}, {'name': 'a', 'devices': ['/dev/vdc']}], [], [], 'listed twice'),
    ([], [lv(), lv()], [], r'logical_volumes\[1\]: logical volume appvg/u01 is listed twice'),
    ([], [lv(name='a/b')], [], r'logical_volumes\[0\]\.name'),
    ([], [], [fs(fstype='zfs')], r"filesystems\[0\]: fstype 'zfs' is not supported"),
    ([], [], [fs(fstype='xfs', label='thirteen_char')], r'filesystems\[0\]: label .* longer than xfs allows \(12 bytes\)'),
    ([], [], [fs(fstype='ext4', label='seventeen_chars_x')], r'longer than ext4 allows \(16 bytes\)'),
    ([], [], [fs(fstype='swap', mount_point='/swap')], r'a swap area has no mount_point'),
    ([], [], [fs(mount_point='u01')], r'mount_point .u01. must be an absolute path'),
    ([], [], [fs(mount_point='/u01/../etc')], r'without \. or \.\.'),
    ([], [], [fs(device='/dev/vdc', mount_point='/a'), fs(device='/dev/vdd', mount_point='/a/')],
     r'filesystems\[1\]: mount_point /a is given twice'),
    ([{'name': 'a', 'devices': ['/dev/vdc']}], [], [fs(device='/dev/vdc')],
     r'filesystems\[0\]: device /dev/vdc is already used by volume_groups\[0\]'),
])
def test_validate_refuses_bad_input_naming_the_entry(vgs, lvs, fss, message):
    with pytest.raises(PrepareError, match=message):
        plan.validate(vgs, lvs, fss)


def test_validate_accepts_a_full_request():
    plan.validate([{'name': 'appvg', 'devices': ['/dev/vdb']}], [lv(size='100%FREE')],
                  [fs(device='/dev/appvg/u01', mount_point='/u01'), fs(device='/dev/vdd', fstype='swap')])


# ---- commands ------------------------------------------------------------------------------------------------

def test_commands():
    assert plan.pvcreate_command('/dev/vdb', False) == ['pvcreate', '--', '/dev/vdb']
    assert plan.pvcreate_command('/dev/vdb', True) == ['pvcreate', '-ff', '--yes', '--', '/dev/vdb']
    assert plan.vgcreate_command({'name': 'appvg', 'devices': ['/dev/vdb', '/dev/vdc'], 'pesize': None}) == \
        ['vgcreate', '--', 'appvg', '/dev/vdb', '/dev/vdc']
    assert plan.vgcreate_command({'name': 'appvg', 'devices': ['/dev/vdb'], 'pesize': '32m'}) == \
        ['vgcreate', '-s', '32m', '--', 'appvg', '/dev/vdb']
    assert plan.lvcreate_command(lv(size='100%FREE')) == \
        ['lvcreate', '--wipesignatures', 'y', '--yes', '-n', 'u01', '-l', '100%FREE', '--', 'appvg']
    assert plan.mkfs_command(fs(fstype='xfs', label='data', opts=['-i', 'size=512'])) == \
        ['mkfs.xfs', '-L', 'data', '-i', 'size=512', '/dev/vdc']
    assert plan.mkfs_command(fs(fstype='ext4', force=True)) == ['mkfs.ext4', '-F', '/dev/vdc']
    assert plan.mkfs_command(fs(fstype='swap', label='sw')) == ['mkswap', '-L', 'sw', '/dev/vdc']


def test_mount_order_puts_parents_first():
    fss = [fs(device='/dev/c', mount_point='/u01/app/data'), fs(device='/dev/x'), fs(device='/dev/b', mount_point='/u01/app'),
           fs(device='/dev/a', mount_point='/u01'), fs(device='/dev/d', mount_point='/data')]
    assert [item['device'] for item in plan.mount_order(fss)] == ['/dev/d', '/dev/a', '/dev/b', '/dev/c']


def test_fstab_entries_are_shaped_like_layout_info():
    assert plan.fstab_entry(fs(mount_point='/u01/', mount_options='noatime'), 'abc') == \
        {'spec': 'UUID=abc', 'file': '/u01', 'vfstype': 'ext4', 'mntops': 'noatime', 'freq': 0, 'passno': 2}
    assert plan.fstab_entry(fs(fstype='swap'), None) == \
        {'spec': '/dev/vdc', 'file': 'none', 'vfstype': 'swap', 'mntops': 'defaults', 'freq': 0, 'passno': 0}
