# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.exalogic.backup.plugins.modules import layout_info
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import run_module

OL7_FSTAB = (
    "#\n# /etc/fstab\n#\n"
    "/dev/mapper/ol-root     /                       xfs     defaults        0 0\n"
    "UUID=9f1e6a0c-55b2-4d43-8c3e-1a2b3c4d5e6f /boot                   xfs     defaults        0 0\n"
    "/dev/mapper/ol-swap     swap                    swap    defaults        0 0\n"
)


@pytest.fixture
def host_root(tmp_path):
    """An alternate root with the files layout_info reads from `root`."""
    etc = tmp_path / 'root' / 'etc'
    (etc / 'selinux').mkdir(parents=True)
    (etc / 'fstab').write_text(OL7_FSTAB)
    (etc / 'os-release').write_text('NAME="Oracle Linux Server"\nID="ol"\nVERSION_ID="7.9"\n')
    (etc / 'hostname').write_text('vs7.example.com\n')
    (etc / 'selinux' / 'config').write_text('SELINUX=permissive\nSELINUXTYPE=targeted\n')
    return str(tmp_path / 'root')


def test_default_gathers_every_section_and_changes_nothing(monkeypatch):
    result, failed = run_module(layout_info.main, {}, monkeypatch)
    assert not failed
    assert result['changed'] is False
    layout = result['layout']
    for section in ('devices', 'filesystems', 'lvm', 'swap', 'fstab', 'network', 'system'):
        assert section in layout
    assert [fs for fs in layout['filesystems'] if fs['mount_point'] == '/']
    assert 'lo' in [interface['name'] for interface in layout['network']['interfaces']]
    assert 'dest' not in result


def test_gather_limits_sections_and_root_is_used(monkeypatch, host_root):
    result, failed = run_module(layout_info.main, {'root': host_root, 'gather': ['fstab', 'system']}, monkeypatch)
    assert not failed
    layout = result['layout']
    assert layout['gathered'] == ['fstab', 'system']
    assert 'devices' not in layout and 'network' not in layout
    assert [entry['file'] for entry in layout['fstab']['entries']] == ['/', '/boot', 'swap']
    assert layout['system']['os']['version_id'] == '7.9'
    assert layout['system']['hostname'] == 'vs7.example.com'
    assert layout['system']['selinux']['config_mode'] == 'permissive'


def test_bad_gather_value_fails_naming_the_choices(monkeypatch):
    result, failed = run_module(layout_info.main, {'gather': ['disks']}, monkeypatch)
    assert failed
    assert 'gather' in result['msg'] and 'devices' in result['msg']


def test_root_that_is_not_a_directory_fails(monkeypatch, tmp_path):
    result, failed = run_module(layout_info.main, {'root': str(tmp_path / 'missing')}, monkeypatch)
    assert failed
    assert result['msg'].startswith('root ')


def test_dest_in_missing_directory_fails_and_writes_nothing(monkeypatch, tmp_path):
    dest = tmp_path / 'no' / 'layout.json'
    result, failed = run_module(layout_info.main, {'dest': str(dest), 'gather': ['system']}, monkeypatch)
    assert failed
    assert 'dest' in result['msg']
    assert not (tmp_path / 'no').exists()


def test_dest_is_written_once_then_unchanged(monkeypatch, tmp_path, host_root):
    dest = tmp_path / 'layout.json'
    args = {'root': host_root, 'gather': ['fstab'], 'dest': str(dest), 'mode': '0640'}
    first, failed = run_module(layout_info.main, args, monkeypatch)
    assert not failed and first['changed'] is True
    assert json.loads(dest.read_text()) == first['layout']
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o640
    assert first['diff']['before'] == '' and first['diff']['after'] == dest.read_text()
    second, failed = run_module(layout_info.main, args, monkeypatch)
    assert not failed and second['changed'] is False
    assert 'diff' not in second


def test_dest_rewritten_when_facts_change(monkeypatch, tmp_path, host_root):
    dest = tmp_path / 'layout.json'
    args = {'root': host_root, 'gather': ['fstab'], 'dest': str(dest)}
    run_module(layout_info.main, args, monkeypatch)
    with open(os.path.join(host_root, 'etc', 'fstab'), 'a') as handle:
        handle.write('tmpfs /scratch tmpfs size=1g 0 0\n')
    result, failed = run_module(layout_info.main, args, monkeypatch)
    assert not failed and result['changed'] is True
    assert '/scratch' in dest.read_text()
    assert '/scratch' not in result['diff']['before'] and '/scratch' in result['diff']['after']


def test_check_mode_reports_the_change_and_writes_nothing(monkeypatch, tmp_path, host_root):
    dest = tmp_path / 'layout.json'
    args = {'root': host_root, 'gather': ['fstab'], 'dest': str(dest), '_ansible_check_mode': True}
    result, failed = run_module(layout_info.main, args, monkeypatch)
    assert not failed and result['changed'] is True
    assert not dest.exists()
    assert os.listdir(str(tmp_path)) == ['root']  # no temporary file left either
    dest.write_text('old content\n')
    result, failed = run_module(layout_info.main, args, monkeypatch)
    assert result['changed'] is True
    assert dest.read_text() == 'old content\n'
    assert result['diff']['before'] == 'old content\n'


def test_dest_planted_symlink_is_refused_and_its_target_untouched(monkeypatch, tmp_path, host_root):
    """security.md M7: dest in a shared directory where a local user planted a symlink."""
    victim = tmp_path / 'victim'
    victim.write_text('precious\n')
    dest = tmp_path / 'layout.json'
    os.symlink(str(victim), str(dest))
    result, failed = run_module(layout_info.main, {'root': host_root, 'gather': ['fstab'], 'dest': str(dest)},
                                monkeypatch)
    assert failed and 'symlink' in result['msg'] and 'precious' not in json.dumps(result)
    assert victim.read_text() == 'precious\n'


def test_dest_write_never_follows_a_planted_temp_name(monkeypatch, tmp_path, host_root):
    victim = tmp_path / 'victim'
    victim.write_text('precious\n')
    dest = tmp_path / 'layout.json'
    for pid in range(os.getpid(), os.getpid() + 3):
        os.symlink(str(victim), '%s.%d.tmp' % (dest, pid))
    _result, failed = run_module(layout_info.main, {'root': host_root, 'gather': ['fstab'], 'dest': str(dest)},
                                 monkeypatch)
    assert not failed and victim.read_text() == 'precious\n'
    assert stat.S_ISREG(os.lstat(str(dest)).st_mode)
