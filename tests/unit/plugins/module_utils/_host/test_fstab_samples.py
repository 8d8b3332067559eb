# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fstab parser against Oracle Linux 5-9 files, generated inputs and libmount (findmnt)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import random
import re
import subprocess

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._host.fstab import (
    FIELD_NAMES, decode_field, encode_field, fstab_entries, fstab_to_dict, parse_fstab, render_fstab,
    render_fstab_bytes,
)

# Files as the installers and admins of each release leave them (written for these tests).
SAMPLES = {
    'ol5-exalogic-vserver': (
        b"LABEL=/                 /                       ext3    defaults        1 1\n"
        b"LABEL=/boot             /boot                   ext3    defaults        1 2\n"
        b"tmpfs                   /dev/shm                tmpfs   defaults        0 0\n"
        b"devpts                  /dev/pts                devpts  gid=5,mode=620  0 0\n"
        b"sysfs                   /sys                    sysfs   defaults        0 0\n"
        b"proc                    /proc                   proc    defaults        0 0\n"
        b"LABEL=SWAP-VM           swap                    swap    defaults        0 0\n"
        b"/dev/xvdb1              /u01                    ext3    defaults        1 2\n"
        b"192.168.20.9:/export/common/general /u01/common/general nfs rw,bg,hard,nointr,rsize=131072,wsize=131072,tcp,vers=3,timeo=600 0 0\n"
        # Latin-1 comment and mount point, as on hosts installed with an ISO-8859-1 locale
        b"# donn\xe9es de l'application\n"
        b"/dev/xvdc1              /donn\xe9es                ext3    defaults        1 2\n"
    ),
    'ol6-lvm-crlf': (
        b"\r\n#\r\n# /etc/fstab\r\n# Created by anaconda on Tue Mar  3 10:12:44 2015\r\n#\r\n"
        b"/dev/mapper/VolGroup00-LogVol00 /                       ext4    defaults        1 1\r\n"
        b"UUID=6b8a5e0c-2d5c-4f57-9a3c-3c1f3c2a7d11 /boot                   ext4    defaults        1 2\r\n"
        b"/dev/mapper/VolGroup00-LogVol01 swap                    swap    defaults        0 0\r\n"
        b"tmpfs                   /dev/shm                tmpfs   defaults        0 0\r\n"
        b"#/dev/xvdc1 /u02 ext4 defaults 1 2\r\n"
        b"/dev/xvdb1\t/u01\text4\tdefaults,noatime\t1 2\r\n"
        b"UUID=\"0a1b2c3d-1111-2222-3333-444455556666\" /var/log ext4 defaults,nodev,nosuid 1 2\r\n"
    ),
    'ol7-xfs-noeol': (
        b"#\n# /etc/fstab\n#\n"
        b"/dev/mapper/ol-root     /                       xfs     defaults        0 0\n"
        b"UUID=9f1e6a0c-55b2-4d43-8c3e-1a2b3c4d5e6f /boot                   xfs     defaults        0 0\n"
        b"/dev/mapper/ol-swap     swap                    swap    defaults        0 0\n"
        b"LABEL=data\\040disk /with\\040space xfs noatime 0 0\n"
        b"   # indented comment\n"
        b"/u01/app /opt/app none bind 0 0\n"
        b"badline-without-fields\n"
        b"zfssa01:/export/backups /backup nfs4 rw,_netdev,nofail,noauto 0 0"
    ),
    'ol8-trailing-and-nfs': (
        b"UUID=2f4d7a10-93c1-4e55-bb1f-0d9e8c7b6a50 / xfs defaults 0 0\n"
        b"UUID=7a3c.. /boot xfs defaults 0 0\n"
        b"/dev/mapper/ol-u01 /u01 xfs defaults 0 2  # application disk\n"
        b"[fd00::9]:/export/x /mnt/v6 nfs vers=4.1,_netdev 0 0\n"
        b"/swapfile none swap sw 0 0\n"
        b"/dev/sdb1 /data ext4 defaults -1 +2\n"
        b"/dev/sdc1 /data\xc2\xa0dir ext4 defaults 0 0\n"
    ),
    'ol9-systemd': (
        b"#\n# /etc/fstab\n# Created by anaconda on Mon Jan  8 12:00:00 2024\n#\n"
        b"# After editing this file, run 'systemctl daemon-reload' to update systemd\n"
        b"# units generated from this file.\n#\n"
        b"/dev/mapper/ol-root     /                       xfs     defaults        0 0\n"
        b"UUID=c0ffee00-1234-4abc-8def-001122334455 /boot                   xfs     defaults        0 0\n"
        b"UUID=0A1B-2C3D          /boot/efi               vfat    umask=0077,shortname=winnt 0 2\n"
        b"/dev/mapper/ol-home     /home                   xfs     defaults,x-systemd.device-timeout=0 0 0\n"
        b"//fileserver/share  /mnt/share  cifs  credentials=/root/.smb,_netdev  0 0\n"
        b"/dev/sdd1 /u02 xfs defaults \xc2\xb2 0\n"
        b"/dev/sde1 /u03 xfs defaults 0 0 extra fields\n"
    ),
}

# (sample, line) -> (spec, file, vfstype, mntops, freq, passno, spec_kind), for every entry
EXPECTED = {
    'ol5-exalogic-vserver': {
        1: ('LABEL=/', '/', 'ext3', 'defaults', 1, 1, 'label'),
        2: ('LABEL=/boot', '/boot', 'ext3', 'defaults', 1, 2, 'label'),
        3: ('tmpfs', '/dev/shm', 'tmpfs', 'defaults', 0, 0, 'other'),
        4: ('devpts', '/dev/pts', 'devpts', 'gid=5,mode=620', 0, 0, 'other'),
        5: ('sysfs', '/sys', 'sysfs', 'defaults', 0, 0, 'other'),
        6: ('proc', '/proc', 'proc', 'defaults', 0, 0, 'other'),
        7: ('LABEL=SWAP-VM', 'swap', 'swap', 'defaults', 0, 0, 'label'),
        8: ('/dev/xvdb1', '/u01', 'ext3', 'defaults', 1, 2, 'device'),
        9: ('192.168.20.9:/export/common/general', '/u01/common/general', 'nfs',
            'rw,bg,hard,nointr,rsize=131072,wsize=131072,tcp,vers=3,timeo=600', 0, 0, 'network'),
        11: ('/dev/xvdc1', '/donn\\351es', 'ext3', 'defaults', 1, 2, 'device'),
    },
    'ol6-lvm-crlf': {
        6: ('/dev/mapper/VolGroup00-LogVol00', '/', 'ext4', 'defaults', 1, 1, 'device'),
        7: ('UUID=6b8a5e0c-2d5c-4f57-9a3c-3c1f3c2a7d11', '/boot', 'ext4', 'defaults', 1, 2, 'uuid'),
        8: ('/dev/mapper/VolGroup00-LogVol01', 'swap', 'swap', 'defaults', 0, 0, 'device'),
        9: ('tmpfs', '/dev/shm', 'tmpfs', 'defaults', 0, 0, 'other'),
        11: ('/dev/xvdb1', '/u01', 'ext4', 'defaults,noatime', 1, 2, 'device'),
        12: ('UUID="0a1b2c3d-1111-2222-3333-444455556666"', '/var/log', 'ext4', 'defaults,nodev,nosuid', 1, 2, 'uuid'),
    },
    'ol7-xfs-noeol': {
        4: ('/dev/mapper/ol-root', '/', 'xfs', 'defaults', 0, 0, 'device'),
        5: ('UUID=9f1e6a0c-55b2-4d43-8c3e-1a2b3c4d5e6f', '/boot', 'xfs', 'defaults', 0, 0, 'uuid'),
        6: ('/dev/mapper/ol-swap', 'swap', 'swap', 'defaults', 0, 0, 'device'),
        7: ('LABEL=data disk', '/with space', 'xfs', 'noatime', 0, 0, 'label'),
        9: ('/u01/app', '/opt/app', 'none', 'bind', 0, 0, 'device'),
        11: ('zfssa01:/export/backups', '/backup', 'nfs4', 'rw,_netdev,nofail,noauto', 0, 0, 'network'),
    },
    'ol8-trailing-and-nfs': {
        1: ('UUID=2f4d7a10-93c1-4e55-bb1f-0d9e8c7b6a50', '/', 'xfs', 'defaults', 0, 0, 'uuid'),
        2: ('UUID=7a3c..', '/boot', 'xfs', 'defaults', 0, 0, 'uuid'),
        3: ('/dev/mapper/ol-u01', '/u01', 'xfs', 'defaults', 0, 2, 'device'),
        4: ('[fd00::9]:/export/x', '/mnt/v6', 'nfs', 'vers=4.1,_netdev', 0, 0, 'network'),
        5: ('/swapfile', 'none', 'swap', 'sw', 0, 0, 'device'),
        6: ('/dev/sdb1', '/data', 'ext4', 'defaults', -1, 2, 'device'),
        7: ('/dev/sdc1', u'/data\u00a0dir', 'ext4', 'defaults', 0, 0, 'device'),
    },
    'ol9-systemd': {
        8: ('/dev/mapper/ol-root', '/', 'xfs', 'defaults', 0, 0, 'device'),
        9: ('UUID=c0ffee00-1234-4abc-8def-001122334455', '/boot', 'xfs', 'defaults', 0, 0, 'uuid'),
        10: ('UUID=0A1B-2C3D', '/boot/efi', 'vfat', 'umask=0077,shortname=winnt', 0, 2, 'uuid'),
        11: ('/dev/mapper/ol-home', '/home', 'xfs', 'defaults,x-systemd.device-timeout=0', 0, 0, 'device'),
        12: ('//fileserver/share', '/mnt/share', 'cifs', 'credentials=/root/.smb,_netdev', 0, 0, 'network'),
        14: ('/dev/sde1', '/u03', 'xfs', 'defaults', 0, 0, 'device'),
    },
}

INVALID = {
    'ol5-exalogic-vserver': [],
    'ol6-lvm-crlf': [],
    'ol7-xfs-noeol': [10],
    'ol8-trailing-and-nfs': [],
    'ol9-systemd': [13],
}


@pytest.mark.parametrize('name', sorted(SAMPLES))
def test_sample_round_trips_byte_for_byte(name):
    data = SAMPLES[name]
    assert render_fstab_bytes(parse_fstab(data)) == data


@pytest.mark.parametrize('name', sorted(SAMPLES))
def test_sample_entries(name):
    summary = fstab_to_dict(SAMPLES[name])
    got = dict((entry['line'], (entry['spec'], entry['file'], entry['vfstype'], entry['mntops'],
                                entry['freq'], entry['passno'], entry['spec_kind']))
               for entry in summary['entries'])
    assert got == EXPECTED[name]
    assert [line['line'] for line in summary['invalid']] == INVALID[name]
    assert len(summary['warnings']) == len(INVALID[name])
    # results go back to the controller as JSON: no lone surrogates anywhere (F4)
    json.dumps(summary, ensure_ascii=False).encode('utf-8')


def test_latin1_field_is_reported_escaped_and_flagged():
    entry = [e for e in fstab_to_dict(SAMPLES['ol5-exalogic-vserver'])['entries'] if e['line'] == 11][0]
    assert entry['file'] == '/donn\\351es'
    assert entry['escaped'] == ['file']
    # the escaped form is itself an fstab field that stands for the original bytes
    line = parse_fstab(SAMPLES['ol5-exalogic-vserver'])[10]
    assert decode_field(entry['file']) == line.file


def test_trailing_text_after_passno_is_kept_like_libmount():
    entry = [e for e in fstab_to_dict(SAMPLES['ol8-trailing-and-nfs'])['entries'] if e['line'] == 3][0]
    assert entry['trailing'] == '  # application disk'
    lines = parse_fstab(SAMPLES['ol8-trailing-and-nfs'])
    lines[2].set_field('spec', 'UUID=11111111-2222-3333-4444-555555555555')
    assert lines[2].raw == 'UUID=11111111-2222-3333-4444-555555555555 /u01 xfs defaults 0 2  # application disk\n'


def test_bind_and_swap_are_marked():
    entries = dict((e['file'], e) for e in fstab_to_dict(SAMPLES['ol7-xfs-noeol'] + b'\n/swapfile none swap sw 0 0\n')['entries'])
    assert entries['/opt/app']['bind'] and not entries['/opt/app']['swap']
    assert entries['none']['swap'] and not entries['none']['bind']
    assert not entries['/']['bind'] and not entries['/']['swap']


@pytest.mark.parametrize('separator', [u'\u00a0', u'\x0b', u'\x0c', u'\u3000', u'\u2028', u'\r', u'\x1c', u'\x85'])
def test_only_space_and_tab_separate_fields(separator):
    lines = parse_fstab(u'/dev/sdb1 /data%sdir ext4 defaults 0 0\n' % separator)
    assert lines[0].kind == 'entry'
    assert lines[0].file == u'/data%sdir' % separator


def test_blank_and_comment_only_after_space_and_tab():
    kinds = [line.kind for line in parse_fstab(u' \t\n\t# c\n\x0b#x /x ext4\n')]
    assert kinds == ['blank', 'comment', 'entry']


@pytest.mark.parametrize('escaped, value', [
    ('/d\\303\\251', u'/d\u00e9'),          # UTF-8 bytes written as escapes: one character
    ('/a\\040b', '/a b'),
    ('/cut\\000here', '/cut'),              # libmount ends the value at an escaped NUL
    ('/not\\08', '/not\\08'),               # not an octal escape
])
def test_octal_escapes_are_bytes(escaped, value):
    assert decode_field(escaped) == value


def test_octal_777_is_byte_ff_and_round_trips():
    value = decode_field('/u\\777')
    assert fstab_to_dict(b'/dev/x /u\\777 ext4 d 0 0\n')['entries'][0]['file'] == '/u\\377'
    assert decode_field(encode_field(value)) == value


@pytest.mark.parametrize('name, value', [
    ('spec', '#hidden'), ('spec', u'/dev/disk/by-label/a\u00a0b'), ('file', '/end\r'), ('file', '/a b\tc\\d'),
    ('file', u'/donn\udce9es'), ('mntops', 'x,y=#1'), ('vfstype', 'fuse.sshfs'), ('passno', 2), ('freq', '1'),
])
def test_set_field_writes_lines_that_read_back(name, value):
    for text in ('/dev/sdb1 /data ext4 defaults 0 0\n', '/dev/sdb1\t/data\text4\r\n', 'LABEL=x / ext4 d 1 1 # c'):
        lines = parse_fstab(text)
        lines[0].set_field(name, value)
        again = parse_fstab(render_fstab(lines))[0]
        assert again.kind == 'entry'
        assert getattr(again, name) == (int(value) if name in ('freq', 'passno') else value)
        assert again.raw.endswith(lines[0].ending)


@pytest.mark.parametrize('name, value, message', [
    ('passno', u'0\u00b2', 'whole number'), ('freq', 'x', 'whole number'), ('passno', True, 'whole number'),
    ('passno', '1\n', 'whole number'), ('spec', '', 'empty'), ('file', '/a\0b', 'NUL'),
])
def test_set_field_refuses_values_that_cannot_be_written(name, value, message):
    line = parse_fstab('/dev/sdb1 /data ext4 defaults 0 0\n')[0]
    with pytest.raises(ValueError, match=message):
        line.set_field(name, value)
    assert line.raw == '/dev/sdb1 /data ext4 defaults 0 0\n'


# ---- generated inputs -------------------------------------------------------------------------

_PIECES = [b'/dev/sdb1', b'UUID=ab-12', b'LABEL=x', b'/u01', b'/a\\040b', b'ext4', b'nfs', b'defaults',
           b'rw,noatime', b'0', b'1', b'2', b'-1', b'+2', b'#', b'# c', b'x', b'\xe9', b'\xc3\xa9', b'\\351',
           b'\xc2\xa0', b'\xc2\xb2', b'\\777', b'\\000', b'\x0b', b'\r', b'', b'srv:/e']
_SEPARATORS = [b' ', b'\t', b'  ', b' \t ']
_ENDINGS = [b'\n', b'\r\n', b'\r\r\n']


def generated_fstab(rng):
    lines = []
    for _line in range(rng.randint(0, 8)):
        words = [rng.choice(_PIECES) for _word in range(rng.randint(0, 9))]
        body = b''
        for word in words:
            body += rng.choice(_SEPARATORS) if (body and rng.random() < 0.9) or rng.random() < 0.1 else b''
            body += word
        if rng.random() < 0.2:
            body += rng.choice(_SEPARATORS)
        lines.append(body + rng.choice(_ENDINGS))
    data = b''.join(lines)
    return data[:-1] if data and rng.random() < 0.2 else data


def test_round_trip_over_generated_inputs():
    rng = random.Random(20261207)
    for _case in range(3000):
        data = generated_fstab(rng)
        lines = parse_fstab(data)
        assert render_fstab_bytes(lines) == data
        summary = fstab_to_dict(data)
        json.dumps(summary, ensure_ascii=False).encode('utf-8')  # no lone surrogates, no crash


def test_set_field_over_generated_inputs_changes_one_field_only():
    rng = random.Random(7)
    values = ['/dev/sdz9', 'UUID=new', '#x', '/a b', u'/\u00e9\u00a0', u'/\udce9', 'nfs4', 'ro,nofail', '3']
    for _case in range(1000):
        lines = parse_fstab(generated_fstab(rng))
        entries = fstab_entries(lines)
        if not entries:
            continue
        target = rng.choice(entries)
        name = rng.choice(FIELD_NAMES)
        value = '3' if name in ('freq', 'passno') else rng.choice(values[:-1])
        before = [(line.raw, line.kind) for line in lines if line is not target]
        target.set_field(name, value)
        again = parse_fstab(render_fstab(lines))
        assert [(line.raw, line.kind) for line in again if line.number != target.number] == before
        reread = again[target.number - 1]
        assert reread.kind == 'entry'
        assert getattr(reread, name) == (3 if name in ('freq', 'passno') else value)


# ---- agreement with libmount ------------------------------------------------------------------

FINDMNT = '/usr/bin/findmnt'


def findmnt_entries(tmp_path, data):
    """libmount's reading of ``data``: list of (source, target, fstype, options, freq, passno) bytes."""
    path = tmp_path / 'fstab'
    path.write_bytes(data)
    output = subprocess.run([FINDMNT, '--fstab', '--tab-file', str(path), '-P', '-o',
                             'SOURCE,TARGET,FSTYPE,OPTIONS,FREQ,PASSNO'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False).stdout
    rows = []
    for line in output.splitlines():
        values = re.findall(br'[A-Z]+="((?:[^"\\]|\\x[0-9a-f]{2})*)"', line)
        rows.append(tuple(re.sub(br'\\x([0-9a-f]{2})', lambda m: bytes([int(m.group(1), 16)]), value)
                          for value in values))
    return rows


def project_entries(data):
    from ansible_collections.exalogic.backup.plugins.module_utils._host.rawtext import encode_text
    rows = []
    for line in fstab_entries(parse_fstab(data)):
        # findmnt prints an absent mntops as "" where fstab(5) means "defaults"
        mntops = line.mntops if len(line.fields) > 3 else ''
        rows.append(tuple(encode_text(value) for value in (line.spec, line.file, line.vfstype, mntops))
                    + (str(line.freq).encode(), str(line.passno).encode()))
    return rows


@pytest.mark.parametrize('name', sorted(SAMPLES))
def test_samples_agree_with_libmount(tmp_path, name):
    assert project_entries(SAMPLES[name]) == findmnt_entries(tmp_path, SAMPLES[name])


def test_generated_inputs_agree_with_libmount(tmp_path):
    rng = random.Random(1207)
    # findmnt is started once per case: keep the count modest, every case is a whole file
    for _case in range(150):
        data = generated_fstab(rng)
        # findmnt -P cannot show a quote or a value cut at NUL unambiguously; the pieces have none
        assert project_entries(data) == findmnt_entries(tmp_path, data), data
