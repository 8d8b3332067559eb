# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reviewers' attacks replayed through the modules (security.md and restore-safety.md of 2026-12-01).

The findings' main reproducers are in test_rsync_backup_share_safety.py and test_rsync_restore_safety.py;
this file holds the variants that were only tested on a helper or not at all: the local user is a real
unprivileged process (uid 65534 via setpriv) that acts at the worst moment, share records that are FIFOs
during a restore, and the guards that need a private mount namespace (a bind mount of /).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import signal
import subprocess
import sys

import pytest

from ansible_collections.exalogic.backup.plugins.modules import layout_info
from ansible_collections.exalogic.backup.plugins.modules.rsync_restore import main as rsync_restore_main
from ansible_collections.exalogic.backup.plugins.module_utils._backup.run import JobFailed, mount_lock_file
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.rsync_lab import read, write
from ansible_collections.exalogic.backup.tests.unit.plugins.modules import test_rsync_backup_share_safety as backup_safety
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.test_rsync_restore_safety import job
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import run_module

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='needs root: owners, capabilities, setpriv, mounts')

NOBODY = 65534
# the backup lab of the share-safety tests: a bind-mounted share, a sysroot, victim files outside
lab = backup_safety.lab
backup_job, run_steps, victim_intact = backup_safety.job, backup_safety.run_steps, backup_safety.victim_intact


def as_nobody(cwd, script):
    """Run script as uid/gid 65534 with no groups, inside cwd (reached while still root, so no path needed)."""
    subprocess.check_call(['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY, '--clear-groups',
                           'sh', '-ec', script], cwd=cwd)


def chown_tree(path, uid):
    for base, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(base, name), uid, uid)
    os.lchown(path, uid, uid)


def getcap(path):
    return subprocess.check_output(['getcap', path]).decode().strip()


def acl_of(path):
    return subprocess.check_output(['getfacl', '--numeric', '--absolute-names', '--omit-header', path]).decode()


@pytest.fixture
def eve(tmp_path):
    """A backup with eve's (uid 65534) home holding a capability-carrying tool and an ACL'd file."""
    tree, meta = tmp_path / 'share' / 'vs1' / 'root', tmp_path / 'share' / 'vs1' / 'meta'
    write(str(tree / 'home' / 'eve' / 'bin' / 'tool'), 'the tool the admin gave cap_net_raw')
    write(str(tree / 'home' / 'eve' / 'bin' / 'evil'), 'eve\'s own program')
    write(str(tree / 'home' / 'eve' / 'sub' / 'shadow'), 'eve')
    chown_tree(str(tree / 'home' / 'eve'), NOBODY)
    write(str(meta / 'capabilities.txt'), 'home/eve/bin/tool cap_net_raw=ep\n')
    write(str(meta / 'acls.txt'), '# file: home/eve/sub/shadow\n# owner: 65534\nuser::rw-\nuser:65534:rw-\n'
                                  'group::r--\nmask::rw-\nother::r--\n\n')
    write(str(tmp_path / 'victim' / 'shadow'), 'root:HASH')
    os.chmod(str(tmp_path / 'victim' / 'shadow'), 0o600)
    os.makedirs(str(tmp_path / 'dest'))
    return tmp_path


def race_before(restore, tool, cwd, script):
    """Let nobody run script in cwd right before the module runs `tool` (the worst moment of the race)."""
    real = restore.module.run_command
    raced = []

    def run_command(argv, *args, **kwargs):
        if os.path.basename(argv[0]) == tool and not raced:
            as_nobody(cwd, script)
            raced.append(argv)
        return real(argv, *args, **kwargs)
    restore.module.run_command = run_command
    return raced


def test_h2_a_file_eve_swaps_in_right_before_setcap_gets_no_capability(eve):
    """security.md H2 (local user): eve renames her own program over her capability-carrying tool between
    the confined walk and setcap; the capability must land on the tool that was checked, or nowhere."""
    dest = eve / 'dest'
    restore, paths = job(eve)
    restore.transfer(paths)
    raced = race_before(restore, 'setcap', str(dest / 'home' / 'eve' / 'bin'), 'mv tool tool.old; mv evil tool')
    restore.reapply_sidecar(paths)
    assert raced, 'the race never ran: setcap was not called'
    bindir = dest / 'home' / 'eve' / 'bin'
    assert getcap(str(bindir / 'tool')) == ''  # eve's program, now named tool
    assert 'cap_net_raw=ep' in getcap(str(bindir / 'tool.old'))  # the file that was checked
    assert sorted(os.listdir(str(bindir))) == ['tool', 'tool.old']  # the private name is gone again


def test_h2_setcap_through_a_private_name_keeps_the_restored_directorys_mtime(eve):
    """The restore is exact: the private hard link made for setcap leaves no trace on its directory."""
    tree, dest = eve / 'share' / 'vs1' / 'root', eve / 'dest'
    os.utime(str(tree / 'home' / 'eve' / 'bin'), (1600000000, 1600000000))
    restore, paths = job(eve)
    restore.transfer(paths)
    restore.reapply_sidecar(paths)
    assert 'cap_net_raw=ep' in getcap(str(dest / 'home' / 'eve' / 'bin' / 'tool'))
    assert restore.result['sidecar']['capabilities'] == 1 and restore.result['sidecar']['refused'] == 0
    backup_dir = os.stat(str(tree / 'home' / 'eve' / 'bin'))
    assert os.stat(str(dest / 'home' / 'eve' / 'bin')).st_mtime_ns == backup_dir.st_mtime_ns


def test_h2_a_directory_eve_swaps_for_a_symlink_right_before_setfacl_is_not_followed(eve):
    """security.md H2 (local user, the reviewer's race): eve swaps ~/sub for a symlink to a root-only
    directory at the moment setfacl runs; her ACL block must never reach the root-owned file."""
    dest, victim = eve / 'dest', eve / 'victim'
    restore, paths = job(eve)
    restore.transfer(paths)
    raced = race_before(restore, 'setfacl', str(dest / 'home' / 'eve'), 'mv sub sub.old; ln -s %s sub' % victim)
    restore.reapply_sidecar(paths)
    assert raced and os.path.islink(str(dest / 'home' / 'eve' / 'sub'))
    st = os.stat(str(victim / 'shadow'))
    assert (st.st_uid, st.st_mode & 0o777) == (0, 0o600) and 'user:65534' not in acl_of(str(victim / 'shadow'))


def test_h2_h5_a_path_restore_applies_only_entries_of_the_selected_paths(tmp_path):
    """security.md H2 / restore-safety.md h5, path-restore variant: `paths: [/opt/app]` with side-car lines
    for the restored tree, for other files inside dest_root, for `opt/app/../..` and below a restored
    absolute symlink: only the entries of /opt/app reach a file."""
    tree, meta, dest = tmp_path / 'share' / 'vs1' / 'root', tmp_path / 'share' / 'vs1' / 'meta', tmp_path / 'dest'
    outside = tmp_path / 'outside'
    write(str(outside / 'secret'), 'SECRET-A')
    write(str(outside / 'python3'), 'elf')
    write(str(tree / 'opt' / 'app' / 'bin' / 'run'), 'app')
    write(str(tree / 'usr' / 'bin' / 'ls'), 'ls')
    write(str(dest / 'usr' / 'bin' / 'ls'), 'ls')
    os.symlink(str(outside), str(tree / 'opt' / 'app' / 'lnk'))  # restored as it is: a symlink leaving dest
    block = 'user::rw-\nuser:1000:rwx\ngroup::r--\nmask::rwx\nother::r--\n\n'
    write(str(meta / 'acls.txt'), ''.join('# file: %s\n%s' % (name, block) for name in (
        'opt/app/bin/run', 'usr/bin/ls', 'opt/app/lnk/secret', 'opt/app/../../../outside/secret')))
    write(str(meta / 'capabilities.txt'), 'opt/app/bin/run cap_net_bind_service=ep\nusr/bin/ls cap_setuid=ep\n'
                                          'opt/app/../../../outside/python3 cap_setuid=ep\nopt/app/lnk/python3 cap_setuid=ep\n')
    restore, paths = job(tmp_path, paths=['/opt/app'])
    restore.transfer(paths)
    restore.reapply_sidecar(paths)
    assert os.readlink(str(dest / 'opt' / 'app' / 'lnk')) == str(outside)
    assert 'user:1000:rwx' in acl_of(str(dest / 'opt' / 'app' / 'bin' / 'run'))
    assert 'cap_net_bind_service=ep' in getcap(str(dest / 'opt' / 'app' / 'bin' / 'run'))
    for untouched in (dest / 'usr' / 'bin' / 'ls', outside / 'secret', outside / 'python3'):
        assert 'user:1000' not in acl_of(str(untouched)) and getcap(str(untouched)) == '', untouched
    assert os.stat(str(outside / 'secret')).st_mode & 0o777 == 0o644
    sidecar = restore.result['sidecar']
    assert (sidecar['acls'], sidecar['capabilities']) == (1, 1) and sidecar['refused'] >= 3


@pytest.fixture
def alarm():
    """A share record read without O_NONBLOCK would hang the restore: turn that into a failure."""
    def timeout(*_args):
        raise AssertionError('the restore hung reading the share')
    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def complete_backup(share, run_id='r1', end='2026-12-01T02:00:00Z'):
    write(str(share / 'vs1' / 'root' / 'etc' / 'hosts'), '127.0.0.1 localhost\n')
    write(str(share / 'vs1' / 'meta' / 'manifest.json'), json.dumps(dict(status='complete', run_id=run_id, end=end)))
    write(str(share / 'vs1' / 'meta' / 'run.json'), json.dumps(dict(status='complete', run_id=run_id)))


@pytest.mark.parametrize('record', ['manifest.json', 'run.json'])
@pytest.mark.parametrize('plant', ['fifo', 'dev_zero'])
def test_m5_a_restore_fails_cleanly_on_a_planted_record(tmp_path, alarm, record, plant):
    """security.md M5 (restore side): manifest.json or run.json is a FIFO or a symlink to /dev/zero."""
    complete_backup(tmp_path / 'share')
    path = str(tmp_path / 'share' / 'vs1' / 'meta' / record)
    os.unlink(path)
    os.mkfifo(path) if plant == 'fifo' else os.symlink('/dev/zero', path)
    os.makedirs(str(tmp_path / 'dest'))
    restore, _paths = job(tmp_path, mount_point=str(tmp_path / 'share'))
    with pytest.raises(JobFailed, match='the backup records are not usable'):
        restore.choose_source()
    assert os.listdir(str(tmp_path / 'dest')) == []


@pytest.mark.parametrize('sidecar_file', ['acls.txt', 'capabilities.txt', 'xattrs.txt'])
def test_m5_a_planted_side_car_fifo_fails_the_side_car_step_instead_of_hanging(tmp_path, alarm, sidecar_file):
    complete_backup(tmp_path / 'share')
    os.mkfifo(str(tmp_path / 'share' / 'vs1' / 'meta' / sidecar_file))
    os.makedirs(str(tmp_path / 'dest'))
    restore, _paths = job(tmp_path, mount_point=str(tmp_path / 'share'))
    paths = restore.choose_source()
    restore.transfer(paths)
    with pytest.raises(JobFailed, match='side-car not applied'):
        restore.reapply_sidecar(paths)
    assert read(str(tmp_path / 'dest' / 'etc' / 'hosts')) == '127.0.0.1 localhost\n'


def test_m5_as_of_skips_a_snapshot_whose_manifest_is_a_fifo(tmp_path, alarm):
    """security.md M5: in as_of every snapshot's manifest is read; a planted FIFO in one must not hang it."""
    snapshots = tmp_path / 'share' / '.zfs' / 'snapshot'
    complete_backup(snapshots / 'good', end='2026-12-01T02:00:00Z')
    complete_backup(snapshots / 'planted', end='2026-12-02T02:00:00Z')
    os.unlink(str(snapshots / 'planted' / 'vs1' / 'meta' / 'manifest.json'))
    os.mkfifo(str(snapshots / 'planted' / 'vs1' / 'meta' / 'manifest.json'))
    os.makedirs(str(tmp_path / 'dest'))
    restore, _paths = job(tmp_path, mount_point=str(tmp_path / 'share'), as_of='2026-12-03')
    warnings = []
    restore.module.warn = warnings.append
    restore.choose_source()
    assert restore.result['snapshot'] == 'good'
    assert [w for w in warnings if w.startswith('snapshot planted skipped')]


COLLECTIONS_DIR = os.path.abspath(os.path.join(os.path.dirname(layout_info.__file__), *['..'] * 5))


def module_in_namespace(tmp_path, module, args, mounts):
    """Run a module as Ansible does (its own process, JSON args file) in a private mount namespace in which
    `mounts` ([(source, target)] bind mounts) hold: the host's mount table never changes."""
    args_file = tmp_path / 'args.json'
    args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    binds = ''.join('mount --bind "%s" "%s" && ' % pair for pair in mounts)
    script = '%sexec "%s" -m ansible_collections.exalogic.backup.plugins.modules.%s "%s"' % (
        binds, sys.executable, module, args_file)
    env = dict(os.environ, PYTHONPATH=COLLECTIONS_DIR)
    proc = subprocess.run(['unshare', '-m', '--propagation', 'private', 'sh', '-ec', script],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=120, check=False)
    assert proc.stdout.strip(), proc.stderr.decode()
    return json.loads(proc.stdout.decode())


def test_h6_delete_into_a_bind_mount_of_slash_is_refused(tmp_path):
    """restore-safety.md h6 / security.md M2: a bind mount of / is /, so delete: true into it is refused."""
    (tmp_path / 'slash').mkdir()
    result = module_in_namespace(tmp_path, 'rsync_restore', dict(
        src=str(tmp_path / 'no-share'), fstype='none', opts='bind', mount_point=str(tmp_path / 'mnt'),
        backup_dir='vs1', delete=True, dest_root=str(tmp_path / 'slash')), [('/', str(tmp_path / 'slash'))])
    assert result.get('failed') and 'delete: true into / would replace the running system' in result['msg']
    assert not os.path.exists(str(tmp_path / 'mnt'))  # refused before any mount or lock


CMDLINE = ('BOOT_IMAGE=/vmlinuz root=/dev/sda1 rd.iscsi.initiator=iqn.2026-01.x:vs1 rd.iscsi.username=vs1 '
           'rd.iscsi.password=S3cretChap rd.iscsi.in.password=InS3cret '
           'netroot=iscsi:vs1:NetS3cret@192.168.1.5::3260::iqn.2026-01.x:t ip=dhcp\n')


def test_l7_cmdline_secrets_never_reach_layout_info_results(tmp_path):
    """security.md L7: /proc/cmdline with iSCSI/CHAP secrets (bind-mounted over it in a namespace)."""
    (tmp_path / 'cmdline').write_text(CMDLINE)
    result = module_in_namespace(tmp_path, 'layout_info', dict(gather=['system']),
                                 [(str(tmp_path / 'cmdline'), '/proc/cmdline')])
    assert not result.get('failed'), result
    text = json.dumps(result)
    assert 'S3cret' not in text
    cmdline = result['layout']['system']['cmdline']
    assert 'root=/dev/sda1' in cmdline and 'rd.iscsi.password=' in cmdline and '192.168.1.5::3260' in cmdline


def test_l7_m6_the_layout_side_car_on_the_share_holds_no_host_secret(tmp_path):
    """security.md L7 and M6 through rsync_backup: the share gets meta/layout.json from an alternate root
    whose release file points at the host's shadow, on a host whose cmdline holds CHAP secrets."""
    share, sysroot, victim = tmp_path / 'share', tmp_path / 'sysroot', tmp_path / 'victim'
    write(str(share / '.exalogic-backup-share'), 'share')
    write(str(sysroot / 'etc' / 'hosts'), '127.0.0.1 localhost\n')
    write(str(victim / 'shadow'), 'root:HostHASH:19000:0:99999:7:::\n')
    os.symlink(str(victim / 'shadow'), str(sysroot / 'etc' / 'oracle-release'))
    os.symlink(str(victim / 'shadow'), str(sysroot / 'etc' / 'hostname'))
    (tmp_path / 'cmdline').write_text(CMDLINE)
    result = module_in_namespace(tmp_path, 'rsync_backup', dict(
        src=str(share), fstype='none', opts='bind', mount_point=str(share), backup_dir='vs1', root=str(sysroot),
        sources=['/'], expected_mounts=[], sidecar=['layout']), [(str(tmp_path / 'cmdline'), '/proc/cmdline')])
    assert not result.get('failed'), result.get('msg')
    layout = read(str(share / 'vs1' / 'meta' / 'layout.json'))
    assert 'S3cret' not in layout and 'HostHASH' not in layout and 'rd.iscsi.password=' in layout
    assert 'HostHASH' not in json.dumps(result) and 'S3cret' not in json.dumps(result)
    # the mirror itself keeps the alternate root's symlinks as symlinks (a backup trusts its root's data)
    assert os.readlink(str(share / 'vs1' / 'root' / 'etc' / 'oracle-release')) == str(victim / 'shadow')


@pytest.mark.parametrize('which', ['backup_dir lock', 'mount point lock'])
def test_m7_a_lock_symlink_planted_by_a_local_user_is_refused_and_its_target_untouched(lab, which):
    """security.md M7: nobody plants the next run's lock name in a world-writable lock directory (1777)."""
    locks = lab / 'locks'
    locks.mkdir()
    os.chmod(str(locks), 0o1777)
    backup = backup_job(lab, lock_file=str(locks / 'vs1.lock'))
    name = 'vs1.lock' if which == 'backup_dir lock' else os.path.basename(mount_lock_file(backup.p))
    as_nobody(str(locks), 'ln -s %s %s' % (lab / 'victim' / 'shadow', name))
    with pytest.raises(JobFailed, match='is a symlink'):
        run_steps(backup)
    assert victim_intact(lab) and not os.path.exists(str(lab / 'share' / 'vs1' / 'root'))


def test_h1_a_planted_layout_side_car_symlink_is_replaced_never_followed(lab):
    """security.md H1, the reviewer's first plant: vs1/meta/layout.json -> the host's /etc/shadow."""
    meta = lab / 'share' / 'vs1' / 'meta'
    os.symlink(str(lab / 'victim' / 'shadow'), str(meta / 'layout.json'))
    os.symlink(str(lab / 'victim' / 'shadow'), str(meta / 'xattrs.txt'))
    result = run_steps(backup_job(lab, sidecar=['layout', 'xattrs']))
    assert victim_intact(lab) and result['manifest']['status'] == 'complete'
    assert not os.path.islink(str(meta / 'layout.json')) and json.loads(read(str(meta / 'layout.json')))


def test_m6_layout_info_with_an_alternate_root_never_publishes_the_hosts_file(monkeypatch, tmp_path):
    """security.md M6 through the module: <root>/etc/oracle-release and etc/hostname -> the host's shadow."""
    root = tmp_path / 'altroot'
    write(str(root / 'etc' / 'fstab'), '# empty\n')
    write(str(tmp_path / 'shadow'), 'root:HostHASH:19000:0:99999:7:::\n')
    for name in ('oracle-release', 'hostname', 'system-release'):
        os.symlink(str(tmp_path / 'shadow'), str(root / 'etc' / name))
    dest = tmp_path / 'layout.json'
    result, failed = run_module(layout_info.main, dict(root=str(root), gather=['system', 'fstab'], dest=str(dest)),
                                monkeypatch)
    assert not failed and 'HostHASH' not in json.dumps(result) and 'HostHASH' not in read(str(dest))
    # an absolute link resolves inside the alternate root, where that file does not exist
    assert result['layout']['system']['hostname_configured'] is None


def test_l5_a_several_clause_capability_set_survives_backup_and_restore(lab, tmp_path):
    """security.md L5: getcap prints `mixed cap_net_admin=i cap_net_raw+p`; the whole set must be kept and
    reapplied, and a name holding a newline must not forge a side-car line."""
    sysroot = lab / 'sysroot'
    write(str(sysroot / 'usr' / 'bin' / 'mixed'), 'elf')
    subprocess.check_call(['setcap', 'cap_net_admin=i cap_net_raw+p', str(sysroot / 'usr' / 'bin' / 'mixed')])
    forged = str(sysroot / 'usr' / 'bin' / 'x\netc/hosts')
    write(forged, 'elf')
    subprocess.check_call(['setcap', 'cap_setuid=ep', forged])
    result = run_steps(backup_job(lab))
    assert result['manifest']['status'] == 'complete'
    caps = read(str(lab / 'share' / 'vs1' / 'meta' / 'capabilities.txt')).splitlines()
    assert [line for line in caps if line.startswith('usr/bin/mixed ')] == ['usr/bin/mixed cap_net_admin=i cap_net_raw+p']
    assert not [line for line in caps if line.startswith('etc/hosts')]
    # the same side-car, restored
    os.makedirs(str(lab / 'dest'))
    restore, paths = job(lab, mount_point=str(lab / 'share'))
    paths = restore.choose_source()
    restore.transfer(paths)
    restore.reapply_sidecar(paths)
    restored = getcap(str(lab / 'dest' / 'usr' / 'bin' / 'mixed'))
    assert 'cap_net_admin=i' in restored and 'cap_net_raw+p' in restored
    assert getcap(str(lab / 'dest' / 'etc' / 'hosts')) == ''


def test_m8_a_bind_share_without_nosuid_nodev_is_named_in_a_warning_of_the_backup(lab):
    """security.md M8: a share mounted with your own opts (here a plain bind) lacks nosuid,nodev."""
    backup = backup_job(lab)
    warnings = []
    backup.module.warn = warnings.append
    run_steps(backup)
    assert [w for w in warnings if 'nosuid' in w and 'nodev' in w]
    assert os.stat(str(lab / 'share' / 'vs1')).st_mode & 0o777 == 0o700


def test_l7_file_names_in_the_result_are_capped(lab):
    """security.md L7: the result (and so the job log) lists at most 50 changed names, with the full count."""
    for number in range(80):
        write(str(lab / 'sysroot' / 'srv' / ('customer-%03d.csv' % number)), 'row')
    result = run_steps(backup_job(lab))
    assert len(result['changes']) == 50 and result['stats']['changed'] >= 80


def test_m1_a_nul_byte_in_paths_is_refused_by_the_module(monkeypatch, tmp_path):
    """security.md M1 / issue 10: `..`, empty components and NUL are refused by the module itself."""
    result, failed = run_module(rsync_restore_main, dict(
        src=str(tmp_path / 'no-share'), fstype='none', opts='bind', mount_point=str(tmp_path / 'mnt'),
        backup_dir='vs1', dest_root=str(tmp_path), paths=['/etc/hosts\0../../x']), monkeypatch)
    assert failed and 'contains a NUL byte' in result['msg'] and not os.path.exists(str(tmp_path / 'mnt'))
