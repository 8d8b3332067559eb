# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._backup.confined import ConfinedError
from ansible_collections.exalogic.backup.plugins.module_utils._host import textfile


@pytest.fixture
def root(tmp_path):
    (tmp_path / 'etc').mkdir()
    path = tmp_path / 'etc' / 'fstab'
    path.write_bytes(b'# caf\xe9\n/dev/sda1 / xfs defaults 0 0\n')
    os.chmod(str(path), 0o640)
    return tmp_path


def test_rewrite_backs_up_and_keeps_mode(root):
    before = textfile.read(str(root), '/etc/fstab')
    after = before.replace(b'/dev/sda1', b'/dev/vda1')
    result = textfile.rewrite(str(root), '/etc/fstab', before, after, check_mode=False)
    assert result['changed']
    assert (root / 'etc' / 'fstab').read_bytes() == after
    assert stat.S_IMODE(os.stat(str(root / 'etc' / 'fstab')).st_mode) == 0o640
    copy = root / result['backup_file'].lstrip('/')
    assert copy.read_bytes() == before and result['backup_file'].startswith('/etc/fstab.')
    assert result['diff']['before'] == '# caf\\351\n/dev/sda1 / xfs defaults 0 0\n'


def test_check_mode_and_unchanged_write_nothing(root):
    before = textfile.read(str(root), '/etc/fstab')
    result = textfile.rewrite(str(root), '/etc/fstab', before, b'new\n', check_mode=True)
    assert result['changed'] and result['backup_file'] is None
    assert (root / 'etc' / 'fstab').read_bytes() == before
    assert not textfile.rewrite(str(root), '/etc/fstab', before, before, check_mode=False)['changed']
    assert sorted(os.listdir(str(root / 'etc'))) == ['fstab']


def test_symlinked_file_or_directory_is_refused(root, tmp_path_factory):
    outside = tmp_path_factory.mktemp('outside')
    (outside / 'hosts').write_bytes(b'x\n')
    os.symlink(str(outside / 'hosts'), str(root / 'etc' / 'hosts'))
    with pytest.raises(ConfinedError):
        textfile.read(str(root), '/etc/hosts')
    os.symlink(str(outside), str(root / 'etc' / 'sysconfig'))
    with pytest.raises(ConfinedError):
        textfile.read(str(root), '/etc/sysconfig/hosts')
    with pytest.raises(ConfinedError):
        textfile.read(str(root), '/etc/../etc/fstab')


def test_file_changed_meanwhile_is_not_overwritten(root):
    with pytest.raises(ConfinedError, match='changed while'):
        textfile.rewrite(str(root), '/etc/fstab', b'old\n', b'new\n', check_mode=False)


def test_list_dir(root):
    assert textfile.list_dir(str(root), '/etc') == ['fstab']
    assert textfile.list_dir(str(root), '/etc/missing') == []
