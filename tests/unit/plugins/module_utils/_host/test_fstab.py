# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._host.fstab import (
    classify_spec, decode_field, encode_field, fstab_entries, fstab_to_dict, parse_fstab, render_fstab,
)

# /etc/fstab as anaconda writes it on Oracle Linux 6 (LVM root, pseudo filesystems listed)
OL6_FSTAB = (
    "\n"
    "#\n"
    "# /etc/fstab\n"
    "# Created by anaconda on Tue Mar  3 10:12:44 2015\n"
    "#\n"
    "# Accessible filesystems, by reference, are maintained under '/dev/disk'\n"
    "# See man pages fstab(5), findfs(8), mount(8) and/or blkid(8) for more info\n"
    "#\n"
    "/dev/mapper/VolGroup-lv_root /                       ext4    defaults        1 1\n"
    "UUID=3e6f1c9a-2b8d-4f0e-9a51-7c2d1e0b4a99 /boot                   ext4    defaults        1 2\n"
    "/dev/mapper/VolGroup-lv_swap swap                    swap    defaults        0 0\n"
    "tmpfs                   /dev/shm                tmpfs   defaults        0 0\n"
    "devpts                  /dev/pts                devpts  gid=5,mode=620  0 0\n"
    "sysfs                   /sys                    sysfs   defaults        0 0\n"
    "proc                    /proc                   proc    defaults        0 0\n"
    "192.168.10.5:/export/common/u01 /u01 nfs rw,bg,hard,nointr,rsize=131072,wsize=131072,tcp,vers=3,timeo=600 0 0\n"
)

# Oracle Linux 7 style: xfs by UUID, tabs, a LABEL with an escaped space, a CIFS share
OL7_FSTAB = (
    "#\n"
    "# /etc/fstab\n"
    "# Created by anaconda on Wed Jun  7 09:01:02 2017\n"
    "#\n"
    "/dev/mapper/ol-root     /                       xfs     defaults        0 0\n"
    "UUID=9f1e6a0c-55b2-4d43-8c3e-1a2b3c4d5e6f /boot                   xfs     defaults        0 0\n"
    "/dev/mapper/ol-swap     swap                    swap    defaults        0 0\n"
    "LABEL=data\\040disk\t/srv/my\\040data\txfs\tnoatime,nodev\t0\t2\n"
    "//fileserver/share  /mnt/share  cifs  credentials=/root/.smb,_netdev  0 0\n"
    "PARTUUID=\"1234abcd-02\" /var ext4 defaults 0 2\n"
)


def test_round_trip_is_byte_for_byte():
    for text in (OL6_FSTAB, OL7_FSTAB, "no newline at end / ext4", "a / xfs defaults 0 0\r\n# c\r\n\r\n",
                 "   \n\t# indented comment\n"):
        assert render_fstab(parse_fstab(text)) == text


def test_ol6_entries_and_kinds():
    lines = parse_fstab(OL6_FSTAB)
    kinds = [line.kind for line in lines]
    assert kinds[:8] == ['blank'] + ['comment'] * 7
    entries = fstab_entries(lines)
    assert [entry.file for entry in entries] == ['/', '/boot', 'swap', '/dev/shm', '/dev/pts', '/sys', '/proc', '/u01']
    root = entries[0]
    assert (root.spec, root.vfstype, root.mntops, root.freq, root.passno) == ('/dev/mapper/VolGroup-lv_root', 'ext4', 'defaults', 1, 1)
    assert entries[1].to_dict()['spec_kind'] == 'uuid'
    assert entries[1].to_dict()['spec_value'] == '3e6f1c9a-2b8d-4f0e-9a51-7c2d1e0b4a99'
    nfs = entries[-1].to_dict()
    assert nfs['spec_kind'] == 'network'
    assert 'vers=3' in nfs['options']
    assert nfs['line'] == 16


def test_ol7_escapes_tabs_and_tags():
    entries = [line.to_dict() for line in fstab_entries(parse_fstab(OL7_FSTAB))]
    label = entries[3]
    assert label['spec'] == 'LABEL=data disk'
    assert (label['spec_kind'], label['spec_value']) == ('label', 'data disk')
    assert label['file'] == '/srv/my data'
    assert label['options'] == ['noatime', 'nodev']
    assert label['passno'] == 2
    assert (entries[4]['spec_kind'], entries[4]['vfstype']) == ('network', 'cifs')
    assert (entries[5]['spec_kind'], entries[5]['spec_value']) == ('partuuid', '1234abcd-02')


def test_missing_optional_fields_take_fstab_defaults():
    entry = fstab_entries(parse_fstab("/dev/sdb1 /data ext4\n"))[0]
    assert (entry.mntops, entry.freq, entry.passno) == ('defaults', 0, 0)


@pytest.mark.parametrize('line, error', [
    ('/dev/sdb1 /data\n', 'expected at least 3 fields'),
    ('/dev/sdb1 /data ext4 defaults zero 0\n', 'freq and passno must be whole numbers'),
    ('/dev/sdb1 /data ext4 defaults 0 2#x\n', 'freq and passno must be whole numbers'),
    (u'/dev/sdb1 /data ext4 defaults \u00b2 0\n', 'freq and passno must be whole numbers'),
    (u'/dev/sdb1 /data ext4 defaults 0 \uff11\n', 'freq and passno must be whole numbers'),
    ('/dev/sdb1 /da\0ta ext4 defaults 0 0\n', 'NUL'),
])
def test_invalid_lines_are_kept_and_explained(line, error):
    text = "# header\n" + line
    lines = parse_fstab(text)
    assert lines[1].kind == 'invalid'
    assert error in lines[1].error
    assert render_fstab(lines) == text
    summary = fstab_to_dict(text)
    assert summary['entries'] == []
    assert summary['invalid'][0]['line'] == 2
    assert summary['invalid'][0]['text'] == line.rstrip('\n')


def test_set_field_keeps_the_rest_of_the_file():
    lines = parse_fstab(OL7_FSTAB)
    boot = [line for line in lines if line.kind == 'entry' and line.file == '/boot'][0]
    boot.set_field('spec', 'UUID=00000000-1111-2222-3333-444444444444')
    expected = OL7_FSTAB.replace('UUID=9f1e6a0c-55b2-4d43-8c3e-1a2b3c4d5e6f /boot',
                                 'UUID=00000000-1111-2222-3333-444444444444 /boot')
    assert render_fstab(lines) == expected


def test_set_field_encodes_spaces_and_appends_missing_fields():
    lines = parse_fstab("/dev/sdb1\t/data\text4  \r\n")
    lines[0].set_field('file', '/srv/new data')
    lines[0].set_field('passno', 2)
    assert render_fstab(lines) == "/dev/sdb1\t/srv/new\\040data\text4 defaults 0 2  \r\n"
    assert lines[0].file == '/srv/new data'


def test_set_field_refuses_comments_and_unknown_fields():
    lines = parse_fstab("# comment\n/dev/sdb1 /data ext4 defaults 0 0\n")
    with pytest.raises(ValueError, match='comment'):
        lines[0].set_field('spec', 'x')
    with pytest.raises(ValueError, match='unknown fstab field'):
        lines[1].set_field('options', 'x')


def test_octal_escapes_round_trip():
    value = 'a b\tc\\d'
    assert encode_field(value) == 'a\\040b\\011c\\134d'
    assert decode_field(encode_field(value)) == value


@pytest.mark.parametrize('spec, expected', [
    ('UUID=abc', ('uuid', 'abc')),
    ('UUID="abc"', ('uuid', 'abc')),
    ('uuid=abc', ('other', 'uuid=abc')),  # libmount: tags are case-sensitive; mount reads this as a path
    ('LABEL=root', ('label', 'root')),
    ('PARTLABEL=EFI', ('partlabel', 'EFI')),
    ('/dev/disk/by-id/wwn-0x5000', ('device', '/dev/disk/by-id/wwn-0x5000')),
    ('zfssa:/export/backups', ('network', 'zfssa:/export/backups')),
    ('tmpfs', ('other', 'tmpfs')),
])
def test_classify_spec(spec, expected):
    assert classify_spec(spec) == expected
