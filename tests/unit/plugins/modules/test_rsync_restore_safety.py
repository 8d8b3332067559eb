# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rsync_restore against an untrusted backup tree and a destination local users can touch.

Real rsync, setfacl and setcap on directories in a temp dir (no mount needed: the restore steps
after the share is verified are run on a real AnsibleModule). Reproduces security.md H2/M1/M7 and
restore-safety.md h2, h3, h5, h6.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import stat
import subprocess

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.exalogic.backup.plugins.modules import rsync_restore
from ansible_collections.exalogic.backup.plugins.module_utils._backup.manifest import BackupPaths
from ansible_collections.exalogic.backup.plugins.module_utils._backup.run import JobFailed
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.rsync_lab import read, write
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import set_module_args

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason='restores set owners, ACLs and capabilities: run as root')


def job(tmp_path, check=False, **params):
    """A Restore of <tmp>/share/vs1/root into <tmp>/dest, past the share verification."""
    args = dict(src=str(tmp_path / 'share'), fstype='none', opts='bind', mount_point=str(tmp_path / 'mnt'),
                backup_dir='vs1', dest_root=str(tmp_path / 'dest'), _ansible_check_mode=check)
    args.update(params)
    with set_module_args(args):
        module = AnsibleModule(argument_spec=rsync_restore.argument_spec(), supports_check_mode=True)
    restore = rsync_restore.Restore(module)
    return restore, BackupPaths(str(tmp_path / 'share'), 'vs1')


@pytest.fixture
def usrmerge(tmp_path):
    """A backup of an OL7+ layout (bin -> usr/bin) and a damaged live copy of it as dest."""
    tree = tmp_path / 'share' / 'vs1' / 'root'
    for base in (tree, tmp_path / 'dest'):
        for name in ('sh', 'bash', 'ls'):
            write(str(base / 'usr' / 'bin' / name), name)
        os.symlink('usr/bin', str(base / 'bin'))
    write(str(tree / 'usr' / 'bin' / 'foo'), 'ORIGINAL')
    os.makedirs(str(tmp_path / 'share' / 'vs1' / 'meta'))
    return tmp_path


def test_path_restore_follows_the_backups_layout_and_keeps_the_bin_symlink(usrmerge):
    restore, paths = job(usrmerge, paths=['/bin/foo'])
    restore.transfer(paths)
    dest = usrmerge / 'dest'
    assert os.path.islink(str(dest / 'bin')) and os.readlink(str(dest / 'bin')) == 'usr/bin'
    assert sorted(os.listdir(str(dest / 'usr' / 'bin'))) == ['bash', 'foo', 'ls', 'sh']
    assert read(str(dest / 'usr' / 'bin' / 'foo')) == 'ORIGINAL'
    assert restore.result['resolved'] == {'/bin/foo': '/usr/bin/foo'}


def test_absolute_symlink_in_the_backup_resolves_inside_the_tree_not_on_the_host(tmp_path):
    live = tmp_path / 'u01' / 'app'
    write(str(live / 'precious.db'), 'LOCAL, NOT FROM BACKUP')
    tree = tmp_path / 'share' / 'vs1' / 'root'
    write(str(tree / str(live).lstrip('/') / 'precious.db'), 'FROM BACKUP')
    os.makedirs(str(tree / 'opt'))
    os.symlink(str(live), str(tree / 'opt' / 'datalink'))
    os.symlink('../../../../../../../../../../../..' + str(tmp_path), str(tree / 'opt' / 'out'))
    os.makedirs(str(tmp_path / 'dest'))
    restore, paths = job(tmp_path, paths=['/opt/datalink/precious.db'])
    restore.transfer(paths)
    assert read(str(tmp_path / 'dest' / str(live).lstrip('/') / 'precious.db')) == 'FROM BACKUP'
    assert not os.path.lexists(str(tmp_path / 'dest' / 'opt' / 'datalink'))
    assert read(str(live / 'precious.db')) == 'LOCAL, NOT FROM BACKUP'
    restore, paths = job(tmp_path, paths=['/opt/out/u01/app/precious.db'])
    with pytest.raises(JobFailed, match='leads out of'):
        restore.transfer(paths)


def test_destination_parent_outside_dest_root_is_refused(usrmerge):
    outside = usrmerge / 'outside'
    os.makedirs(str(outside))
    os.symlink(str(outside), str(usrmerge / 'dest' / 'etc'))
    write(str(usrmerge / 'share' / 'vs1' / 'root' / 'etc' / 'victim'), 'from backup')
    restore, paths = job(usrmerge, paths=['/etc/victim'])
    with pytest.raises(JobFailed, match='outside dest_root'):
        restore.transfer(paths)
    assert os.listdir(str(outside)) == []
    assert os.path.islink(str(usrmerge / 'dest' / 'etc'))


def test_check_mode_shows_a_symlink_the_restore_replaces(usrmerge):
    tree, dest = usrmerge / 'share' / 'vs1' / 'root', usrmerge / 'dest'
    write(str(tree / 'opt' / 'app' / 'x'), 'a')
    os.makedirs(str(dest / 'elsewhere'))
    os.makedirs(str(dest / 'opt'))
    os.symlink('../elsewhere', str(dest / 'opt' / 'app'))
    restore, paths = job(usrmerge, check=True, paths=['/opt/app'])
    restore.transfer(paths)
    assert restore.result['replaced_symlinks'] == ['/opt/app']
    assert os.path.islink(str(dest / 'opt' / 'app'))


def acl_of(path):
    return subprocess.check_output(['getfacl', '--numeric', '--absolute-names', '--omit-header', path]).decode()


@needs_root
def test_sidecar_entries_never_leave_dest_root_nor_apply_owner_or_flags(usrmerge):
    meta, dest = usrmerge / 'share' / 'vs1' / 'meta', usrmerge / 'dest'
    victim = usrmerge / 'victim'
    write(str(victim / 'shadow'), 'root:HASH')
    write(str(victim / 'python3'), 'elf')
    os.chmod(str(victim / 'shadow'), 0o600)
    os.symlink(str(victim), str(dest / 'lnk'))
    write(str(usrmerge / 'share' / 'vs1' / 'root' / 'usr' / 'bin' / 'mixed'), 'cap')
    os.chmod(str(usrmerge / 'share' / 'vs1' / 'root' / 'usr' / 'bin' / 'sh'), 0o664)  # group bits = the ACL mask
    block = '# owner: 1000\n# group: 1000\n# flags: s--\nuser::rw-\nuser:1000:rw-\ngroup::r--\nmask::rw-\nother::r--\n\n'
    write(str(meta / 'acls.txt'), ''.join('# file: %s\n%s' % (name, block) for name in (
        '../../victim/shadow', str(victim / 'shadow'), 'lnk/shadow', 'usr/bin/../../../victim/shadow', 'usr/bin/sh')))
    write(str(meta / 'capabilities.txt'), 'usr/bin/../../../victim/python3 cap_setuid=ep\n'
                                          'lnk/python3 cap_setuid=ep\nusr/bin/mixed cap_net_admin=i cap_net_raw+p\n'
                                          'usr/bin/ls cap_setuid=ep; rm -rf /\n')
    restore, paths = job(usrmerge)
    restore.transfer(paths)
    restore.reapply_sidecar(paths)
    st = os.stat(str(victim / 'shadow'))
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o600) and 'user:1000' not in acl_of(str(victim / 'shadow'))
    assert subprocess.check_output(['getcap', str(victim / 'python3')]).strip() == b''
    sh = os.stat(str(dest / 'usr' / 'bin' / 'sh'))
    assert sh.st_uid == 0 and not sh.st_mode & stat.S_ISUID and 'user:1000:rw-' in acl_of(str(dest / 'usr/bin/sh'))
    caps = subprocess.check_output(['getcap', str(dest / 'usr' / 'bin' / 'mixed')]).decode()
    assert 'cap_net_admin=i' in caps and 'cap_net_raw+p' in caps
    assert restore.result['sidecar']['acls'] == 1 and restore.result['sidecar']['capabilities'] == 1
    assert restore.result['sidecar']['refused'] == 7 and restore.result['changed']
    again, paths = job(usrmerge)
    again.transfer(paths)
    again.reapply_sidecar(paths)
    assert again.result['sidecar']['changed'] == 0 and not again.result['changed']


@needs_root
def test_sidecar_reports_changed_when_only_a_capability_differs(usrmerge):
    tree, meta, dest = usrmerge / 'share' / 'vs1' / 'root', usrmerge / 'share' / 'vs1' / 'meta', usrmerge / 'dest'
    write(str(tree / 'usr' / 'bin' / 'ping'), 'ping')
    write(str(meta / 'capabilities.txt'), 'usr/bin/ping cap_net_raw=ep\n')
    restore, paths = job(usrmerge)
    restore.transfer(paths)
    restore.reapply_sidecar(paths)
    subprocess.check_call(['setcap', '-r', str(dest / 'usr' / 'bin' / 'ping')])
    again, paths = job(usrmerge)
    again.transfer(paths)
    assert not again.result['changed']
    again.reapply_sidecar(paths)
    assert again.result['changed'] and again.result['sidecar'] == dict(acls=0, capabilities=1, xattrs=0, changed=1, refused=0)


@needs_root
def test_symlink_swapped_in_by_a_local_user_is_not_followed(usrmerge):
    tree, meta, dest = usrmerge / 'share' / 'vs1' / 'root', usrmerge / 'share' / 'vs1' / 'meta', usrmerge / 'dest'
    write(str(tree / 'home' / 'eve' / 'sub' / 'shadow'), 'eve')
    write(str(meta / 'acls.txt'), '# file: home/eve/sub/shadow\n# owner: 65534\nuser::rw-\nuser:65534:rw-\n'
                                  'group::r--\nmask::rw-\nother::r--\n\n')
    victim = usrmerge / 'etc'
    write(str(victim / 'shadow'), 'root:HASH')
    restore, paths = job(usrmerge)
    restore.transfer(paths)
    # eve wins the race: after rsync, before the side-car
    os.rename(str(dest / 'home' / 'eve' / 'sub'), str(dest / 'home' / 'eve' / 'sub.old'))
    os.symlink(str(victim), str(dest / 'home' / 'eve' / 'sub'))
    restore.reapply_sidecar(paths)
    assert 'user:65534' not in acl_of(str(victim / 'shadow')) and os.stat(str(victim / 'shadow')).st_uid == 0
    assert restore.result['sidecar']['refused'] == 1


def test_replaced_dir_is_private_and_never_one_a_user_prepared(usrmerge):
    restore, _paths = job(usrmerge, backup_replaced=True)
    directory, _protect = restore.replaced_dir()
    st = os.lstat(directory)
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700
    assert len(os.path.basename(directory)) > len('exalogic-restore-replaced-20261207T000000Z')
    prepared = usrmerge / 'prepared'
    os.makedirs(str(prepared))
    os.chmod(str(prepared), 0o777)
    restore, _paths = job(usrmerge, backup_replaced=True, replaced_dir=str(prepared))
    with pytest.raises(JobFailed, match='writable only by root'):
        restore.replaced_dir()


def xattrs_of(path):
    return subprocess.check_output([b'getfattr', b'--absolute-names', b'--no-dereference', b'-d', b'-m', b'-',
                                    b'-e', b'base64', path if isinstance(path, bytes) else path.encode()])


@needs_root
def test_user_xattrs_are_restored_and_other_namespaces_from_the_share_are_refused(usrmerge):
    """issue 10: user.* attributes survive a restore; security.*/trusted.* from the share never get written."""
    tree, meta, dest = usrmerge / 'share' / 'vs1' / 'root', usrmerge / 'share' / 'vs1' / 'meta', usrmerge / 'dest'
    odd = os.path.join(str(tree).encode(), b'usr', b'bin', b'odd\xff name')
    with open(odd, 'wb') as handle:
        handle.write(b'odd')
    # the encoded block of 'odd\xff name' as getfattr writes it (raw byte, space kept); \012 for a newline
    write(str(meta / 'xattrs.txt'), '')
    with open(str(meta / 'xattrs.txt'), 'wb') as handle:
        handle.write(b'# file: usr/bin/sh\nuser.checksum=0sAAEC/w==\nuser.empty=0s\n\n'
                     b'# file: usr/bin/odd\xff name\nuser.origin=0sYmFja3Vw\n\n'
                     b'# file: usr/bin/ls\nsecurity.selinux=0sc3lzdGVtX3U=\n\n'
                     b'# file: usr/bin/bash\ntrusted.x=0sAA==\n\n'
                     b'# file: ../../victim\nuser.x=0sAA==\n\n')
    restore, paths = job(usrmerge)
    restore.transfer(paths)
    restore.reapply_sidecar(paths)
    sh = xattrs_of(str(dest / 'usr' / 'bin' / 'sh'))
    assert b'user.checksum=0sAAEC/w==' in sh and b'user.empty' in sh
    assert b'user.origin=0sYmFja3Vw' in xattrs_of(os.path.join(str(dest).encode(), b'usr', b'bin', b'odd\xff name'))
    assert b'security.selinux' not in xattrs_of(str(dest / 'usr' / 'bin' / 'ls'))
    assert b'trusted.x' not in xattrs_of(str(dest / 'usr' / 'bin' / 'bash'))
    assert restore.result['sidecar']['xattrs'] == 3 and restore.result['sidecar']['refused'] == 3
    again, paths = job(usrmerge)
    again.transfer(paths)
    again.reapply_sidecar(paths)
    assert again.result['sidecar']['changed'] == 0 and not again.result['changed']


@pytest.mark.parametrize('mode, whole, config, host_enabled, into_root, action', [
    ('auto', True, b'# comment\nSELINUX=enforcing\nSELINUXTYPE=targeted\n', False, False, 'autorelabel'),
    ('auto', True, b'SELINUX="permissive" # testing\n', False, False, 'autorelabel'),
    ('auto', True, b'SELINUX=disabled\n', True, False, 'none'),
    ('auto', True, None, True, False, 'none'),
    ('always', True, None, False, False, 'autorelabel'),
    ('never', True, b'SELINUX=enforcing\n', True, False, 'none'),
    ('auto', False, None, True, True, 'restorecon'),
    ('auto', False, None, False, True, 'none'),
    ('auto', False, None, True, False, 'none'),
    ('always', False, None, False, True, 'restorecon'),
])
def test_selinux_relabel_decision(mode, whole, config, host_enabled, into_root, action):
    assert rsync_restore.selinux_action(mode, whole, config, host_enabled, into_root)[0] == action


def test_whole_restore_of_an_selinux_system_relabels_on_next_boot(usrmerge):
    tree, dest = usrmerge / 'share' / 'vs1' / 'root', usrmerge / 'dest'
    write(str(tree / 'etc' / 'selinux' / 'config'), 'SELINUX=enforcing\nSELINUXTYPE=targeted\n')
    preview, paths = job(usrmerge, check=True)
    preview.source_paths = paths
    preview.transfer(paths)
    preview.relabel()
    assert preview.result['selinux']['action'] == 'autorelabel' and not os.path.exists(str(dest / '.autorelabel'))
    restore, paths = job(usrmerge)
    restore.source_paths = paths
    restore.transfer(paths)
    restore.relabel()
    assert os.path.isfile(str(dest / '.autorelabel')) and restore.result['selinux']['action'] == 'autorelabel'


def test_a_planted_autorelabel_symlink_is_replaced_not_followed(usrmerge):
    tree, dest = usrmerge / 'share' / 'vs1' / 'root', usrmerge / 'dest'
    write(str(tree / 'etc' / 'selinux' / 'config'), 'SELINUX=enforcing\n')
    write(str(usrmerge / 'victim'), 'precious')
    restore, paths = job(usrmerge)
    restore.source_paths = paths
    restore.transfer(paths)
    os.symlink(str(usrmerge / 'victim'), str(dest / '.autorelabel'))
    restore.relabel()
    assert read(str(usrmerge / 'victim')) == 'precious' and not os.path.islink(str(dest / '.autorelabel'))


def test_return_layout_reads_the_side_car_of_the_chosen_copy_and_refuses_a_planted_one(usrmerge):
    meta = usrmerge / 'share' / 'vs1' / 'meta'
    write(str(meta / 'layout.json'), '{"system": {"hostname": "vs1", "machine_id": "abc"}}')
    restore, paths = job(usrmerge, return_layout=True)
    assert restore.recorded_layout(paths) == {'system': {'hostname': 'vs1', 'machine_id': 'abc'}}
    os.unlink(str(meta / 'layout.json'))
    os.symlink('/etc/passwd', str(meta / 'layout.json'))
    assert restore.recorded_layout(paths) is None
