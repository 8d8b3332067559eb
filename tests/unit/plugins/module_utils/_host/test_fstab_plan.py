# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._host.addrmap import AddressMap
from ansible_collections.exalogic.backup.plugins.module_utils._host.fstab import parse_fstab, render_fstab
from ansible_collections.exalogic.backup.plugins.module_utils._host.fstab_plan import known_devices, plan_fstab, spec_key

OLD_FSTAB = (
    "# restored from vs01\n"
    "/dev/mapper/VolGroup00-LogVol00 /                       ext4    defaults        1 1\n"
    "UUID=\"6B8A5E0C-2d5c-4f57-9a3c-3c1f3c2a7d11\" /boot\text4\tdefaults\t1 2\n"
    "/dev/mapper/VolGroup00-LogVol01 swap                    swap    defaults        0 0\n"
    "tmpfs                   /dev/shm                tmpfs   defaults        0 0\n"
    "/dev/xvdb1              /u01                    ext4    defaults        1 2   # app\n"
    "LABEL=scratch           /scratch                ext4    defaults        1 2\n"
    "/u01/app /opt/app none bind 0 0\n"
    "192.168.20.9:/export/common /u01/common nfs rw,bg,hard,vers=3 0 0\n"
    "[fd00::9]:/export/v6 /mnt/v6 nfs vers=4.1 0 0\n"
)

NEW_LAYOUT = {
    'devices': [{'path': '/dev/vda1', 'uuid': '0c1d2e3f-aaaa-bbbb-cccc-000011112222'},
                {'path': '/dev/vdb1', 'uuid': '11111111-2222-3333-4444-555555555555'}],
    'lvm': {'lvs': [{'vg': 'ol', 'name': 'root', 'path': '/dev/ol/root'}, {'vg': 'ol', 'name': 'swap'}]},
    'fstab': {'entries': [
        {'spec': '/dev/mapper/ol-root', 'file': '/', 'vfstype': 'xfs'},
        {'spec': 'UUID=0c1d2e3f-aaaa-bbbb-cccc-000011112222', 'file': '/boot', 'vfstype': 'xfs'},
        {'spec': '/dev/mapper/ol-swap', 'file': 'swap', 'vfstype': 'swap'},
    ]},
}

ADDRESSES = AddressMap({'192.168.20.9': '192.168.30.9', 'fd00::9': 'fd00::19'})


def plan(policy, device_map=None):
    lines = parse_fstab(OLD_FSTAB)
    known = known_devices(NEW_LAYOUT)
    changes, errors = plan_fstab(lines, device_map or {'/dev/xvdb1': 'UUID=11111111-2222-3333-4444-555555555555'},
                                 NEW_LAYOUT, ADDRESSES, policy, lambda spec: spec_key(spec) in known)
    return render_fstab(lines), changes, errors


def test_remap_by_device_map_layout_and_address():
    text, changes, errors = plan('comment')
    assert errors == []
    assert text == (
        "# restored from vs01\n"
        "/dev/mapper/ol-root /                       ext4    defaults        1 1\n"
        "UUID=0c1d2e3f-aaaa-bbbb-cccc-000011112222 /boot\text4\tdefaults\t1 2\n"
        "/dev/mapper/ol-swap swap                    swap    defaults        0 0\n"
        "tmpfs                   /dev/shm                tmpfs   defaults        0 0\n"
        "UUID=11111111-2222-3333-4444-555555555555              /u01                    ext4    defaults        1 2   # app\n"
        "#LABEL=scratch           /scratch                ext4    defaults        1 2\n"
        "/u01/app /opt/app none bind 0 0\n"
        "192.168.30.9:/export/common /u01/common nfs rw,bg,hard,vers=3 0 0\n"
        "[fd00::19]:/export/v6 /mnt/v6 nfs vers=4.1 0 0\n"
    )
    assert [(c['file'], c['action']) for c in changes] == [
        ('/', 'layout'), ('/boot', 'layout'), ('swap', 'layout'), ('/u01', 'device_map'), ('/scratch', 'comment'),
        ('/u01/common', 'address'), ('/mnt/v6', 'address')]


def test_missing_device_policies():
    text, _changes, _errors = plan('nofail')
    assert "LABEL=scratch           /scratch                ext4    defaults,nofail        1 2\n" in text
    text, changes, _errors = plan('keep')
    assert "\nLABEL=scratch           /scratch" in text and 'comment' not in [c['action'] for c in changes]
    _text, _changes, errors = plan('fail')
    assert errors == ['line 7 (/scratch): no device LABEL=scratch on this host']


def test_rerun_changes_nothing():
    text, _changes, _errors = plan('comment')
    lines = parse_fstab(text)
    known = known_devices(NEW_LAYOUT)
    changes, _errors = plan_fstab(lines, {}, NEW_LAYOUT, ADDRESSES, 'comment', lambda spec: spec_key(spec) in known)
    assert changes == [] and render_fstab(lines) == text


@pytest.mark.parametrize('old, new', [
    ('UUID="ABC"', 'UUID=abc'), ('PARTUUID=AB-01', 'PARTUUID=ab-01'), ('LABEL=Data', 'LABEL=Data'),
])
def test_spec_key(old, new):
    assert spec_key(old) == spec_key(new)
