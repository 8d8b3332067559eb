"""playbooks/rebuild.yml end to end: a backed-up vServer rebuilt onto a fresh "new vServer" root.

vs03 gets an Oracle-Linux-like configuration (fstab with UUIDs, ifcfg with HWADDR, a NetworkManager
keyfile, MAC-bound udev rules, /bin -> usr/bin, a machine-id) and is backed up with the real backup
playbook; then the rebuild playbook restores it over ssh into a new root that has other disk UUIDs,
device names, MACs and addresses (no reboot: the new root is a directory). The remapped files are
compared exactly; the rest of the restored tree must equal the original.
"""

import json
import os
import subprocess

import pytest

from fleet import MAKE_TREE, ansible_playbook, tree_state

HOST = 'vs03'
COMPARE_TREES = os.path.join(os.path.dirname(MAKE_TREE), 'compare_trees.py')
OLD = {
    'etc/fstab': ('UUID=1111aaaa-0000-4000-8000-000000000001 / xfs defaults 0 0\n'
                  'UUID=1111aaaa-0000-4000-8000-000000000002\t/boot\txfs\tdefaults\t0 0\n'
                  '/dev/xvdb1 /u01 ext4 defaults 1 2  # application disk\n'
                  '192.168.20.9:/export/common /u01/common nfs rw,hard,vers=3 0 0\n'),
    'etc/hosts': '127.0.0.1 localhost\n10.1.0.13   vs03.example.com vs03\n192.168.20.9\tzfssa01  # appliance\n',
    'etc/sysconfig/network-scripts/ifcfg-eth0': ('DEVICE=eth0\nHWADDR=00:16:3E:AA:BB:03\nBOOTPROTO=none\n'
                                                 'IPADDR=10.1.0.13\nPREFIX=24\nGATEWAY=10.1.0.1\nONBOOT=yes\n'),
    'etc/NetworkManager/system-connections/ib0.nmconnection': (
        '[connection]\nid=ib0\ntype=ethernet\ninterface-name=ib0\n\n[ethernet]\nmac-address=00:16:3E:AA:BB:13\n\n'
        '[ipv4]\naddress1=192.168.10.13/24\nmethod=manual\n'),
    'etc/udev/rules.d/70-persistent-net.rules': (
        '# net device rules\nSUBSYSTEM=="net", ACTION=="add", ATTR{address}=="00:16:3e:aa:bb:03", NAME="eth0"\n'),
    'etc/machine-id': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa0003\n',
    'u01/app/oracle/config.xml': '<domain/>\n',
}
NEW_HOST = {
    'etc/fstab': ('UUID=2222bbbb-0000-4000-8000-000000000001 / xfs defaults 0 0\n'
                  'UUID=2222bbbb-0000-4000-8000-000000000002 /boot xfs defaults 0 0\n'),
    'etc/machine-id': 'bbbbbbbbbbbbbbbbbbbbbbbbbbbb0003\n',
}
EXPECTED = {
    'etc/fstab': ('UUID=2222bbbb-0000-4000-8000-000000000001 / xfs defaults 0 0\n'
                  'UUID=2222bbbb-0000-4000-8000-000000000002\t/boot\txfs\tdefaults\t0 0\n'
                  '/dev/vdb1 /u01 ext4 defaults 1 2  # application disk\n'
                  '192.168.30.9:/export/common /u01/common nfs rw,hard,vers=3 0 0\n'),
    'etc/hosts': '127.0.0.1 localhost\n10.2.0.23   vs03.example.com vs03\n192.168.30.9\tzfssa01  # appliance\n',
    'etc/sysconfig/network-scripts/ifcfg-eth0': ('DEVICE=eth0\nHWADDR=00:16:3E:CC:DD:03\nBOOTPROTO=none\n'
                                                 'IPADDR=10.2.0.23\nPREFIX=24\nGATEWAY=10.2.0.1\nONBOOT=yes\n'),
    'etc/NetworkManager/system-connections/ib0.nmconnection': (
        '[connection]\nid=ib0\ntype=ethernet\ninterface-name=ib0\n\n[ethernet]\nmac-address=00:16:3E:CC:DD:13\n\n'
        '[ipv4]\naddress1=192.168.30.23/24\nmethod=manual\n'),
    'etc/udev/rules.d/70-persistent-net.rules': (
        '# net device rules\nSUBSYSTEM=="net", ACTION=="add", ATTR{address}=="00:16:3e:cc:dd:03", NAME="eth0"\n'),
}
MAPS = {
    'vserver_rebuild_address_map': {'10.1.0.13': '10.2.0.23', '10.1.0.1': '10.2.0.1', '192.168.10.13': '192.168.30.23',
                                    '192.168.20.9': '192.168.30.9'},
    'vserver_rebuild_nic_map': {'00:16:3E:AA:BB:03': '00:16:3e:cc:dd:03', '00:16:3E:AA:BB:13': '00:16:3e:cc:dd:13'},
    'vserver_rebuild_device_map': {'/dev/xvdb1': '/dev/vdb1'},
    'vserver_rebuild_missing_device': 'keep',  # the new UUIDs name no device of this test machine
    'vserver_rebuild_reboot': False,
}


def write_files(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)


def read(root, rel):
    with open(os.path.join(root, rel), encoding='utf-8') as handle:
        return handle.read()


def fresh_root(path):
    """A new vServer's root just after installation: a few system directories, its own fstab and machine-id."""
    for directory in ('etc', 'usr/bin', 'var/log', 'tmp', 'u01'):
        os.makedirs(os.path.join(path, directory), exist_ok=True)
    write_files(path, NEW_HOST)
    return path


def rebuild_vars(fleet, root, **extra):
    variables = dict(MAPS, rebuild_hosts=HOST, vserver_rebuild_source=HOST, vserver_rebuild_root=root,
                     vserver_rebuild_rsync_options={'lock_file': fleet.host_dir(HOST) + '/backup.lock',
                                                    'extra_args': ['--omit-link-times']})
    variables.update(extra)
    return variables


@pytest.fixture(scope='module')
def backed_up(fleet):
    """vs03 with an Oracle-Linux-like configuration, set up on the appliance and backed up."""
    root = fleet.root(HOST)
    write_files(root, OLD)
    if not os.path.lexists(os.path.join(root, 'bin')):
        os.symlink('usr/bin', os.path.join(root, 'bin'))
    setup = fleet.playbook('appliance_setup')
    assert setup.returncode == 0, setup.explain()
    fleet.sync_exports()
    options = {'lock_file': fleet.host_dir(HOST) + '/backup.lock', 'extra_args': ['--omit-link-times'],
               'expected_mounts': []}  # /boot and /u01 of the fstab above are not mounted on this test machine
    run = fleet.playbook('backup', extra={'backup_hosts': HOST, 'vserver_backup_rsync_options': options})
    assert run.recap[HOST]['failed'] == 0, run.explain()
    return root


@pytest.fixture(scope='module')
def rebuilt(fleet, backed_up, tmp_path_factory):  # pylint: disable=unused-argument
    new_root = fresh_root(str(tmp_path_factory.mktemp('new-vserver') / 'root'))
    run = fleet.playbook('rebuild', '-v', extra=rebuild_vars(fleet, new_root, vserver_rebuild_excludes=['/data/f40']))
    return run, new_root


def test_the_remapped_files_fit_the_new_host_exactly(rebuilt):
    run, new_root = rebuilt
    assert run.returncode == 0, run.explain()
    for rel, text in EXPECTED.items():
        assert read(new_root, rel) == text, rel


def test_the_rest_of_the_restored_tree_equals_the_original(fleet, backed_up, rebuilt):
    run, new_root = rebuilt
    assert run.returncode == 0, run.explain()
    # what the rebuild adds: the marker, the mount points of the old fstab, the remappers' copies of the files they
    # changed (<file>.<time>~); the directories holding them have a new mtime
    assert not os.path.exists(os.path.join(new_root, 'data', 'f40'))  # vserver_rebuild_excludes
    skip = list(EXPECTED) + ['var/lib', 'tmp', 'proc', 'u01/common', 'boot', 'data/f40']
    skip += [os.path.relpath(os.path.join(d, f), new_root) for d, _dirs, files in os.walk(new_root)
             for f in files if f.endswith('~')]
    touched = sorted(set(os.path.dirname(rel) for rel in skip)) + ['u01', 'var', 'data']
    argv = ['python3', COMPARE_TREES, backed_up, new_root, '--no-xattrs'] + [a for rel in skip for a in ('--skip', rel)]
    argv += [a for rel in touched for a in ('--mtime-free', rel)]
    compared = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    assert compared.returncode == 0, compared.stdout
    assert os.readlink(os.path.join(new_root, 'bin')) == 'usr/bin'


def test_the_report_and_the_marker_say_what_was_done(rebuilt):
    run, new_root = rebuilt
    assert run.returncode == 0, run.explain()
    marker = json.loads(read(new_root, 'var/lib/exalogic-backup/rebuilt-from.json'))
    assert marker['source'] == HOST and marker['run_id']
    summary = [m for m in run.messages(HOST) if m.startswith('%s: rebuilt from %s' % (HOST, HOST))]
    assert summary and 'not booted' in summary[0] and '4 fstab, 2 hosts and 6 network changes' in summary[0], run.explain()
    assert os.path.isdir(os.path.join(new_root, 'u01', 'common'))  # mount points of the old fstab created


def test_a_rerun_onto_the_rebuilt_host_passes_safe_mode_and_changes_no_remapped_file(fleet, rebuilt):
    _run, new_root = rebuilt
    again = fleet.playbook('rebuild', extra=rebuild_vars(fleet, new_root))
    assert again.returncode == 0, again.explain()
    for rel, text in EXPECTED.items():
        assert read(new_root, rel) == text, rel


def test_safe_mode_refuses_a_host_with_data_and_changes_nothing(fleet, backed_up, tmp_path):  # pylint: disable=unused-argument
    busy = fresh_root(str(tmp_path / 'busy'))
    for number in range(150):
        write_files(busy, {'u01/app/data/file%03d' % number: 'production data\n'})
    before = tree_state(busy)
    run = fleet.playbook('rebuild', extra=rebuild_vars(fleet, busy))
    assert run.returncode != 0
    assert any('refuses to overwrite' in m and 'vserver_rebuild_safe_mode' in m for m in run.messages(HOST)), run.explain()
    assert tree_state(busy) == before


def test_safe_mode_refuses_the_lost_host_itself(fleet, backed_up, tmp_path):  # pylint: disable=unused-argument
    same = fresh_root(str(tmp_path / 'same'))
    write_files(same, {'etc/machine-id': OLD['etc/machine-id']})
    before = tree_state(same)
    run = fleet.playbook('rebuild', extra=rebuild_vars(fleet, same))
    assert run.returncode != 0
    assert any('machine-id of %s' % HOST in m for m in run.messages(HOST)), run.explain()
    assert tree_state(same) == before


def test_check_mode_changes_nothing(fleet, backed_up, tmp_path):  # pylint: disable=unused-argument
    fresh = fresh_root(str(tmp_path / 'fresh'))
    before = tree_state(fresh)
    run = fleet.playbook('rebuild', check=True, extra=rebuild_vars(fleet, fresh))
    assert run.returncode == 0, run.explain()
    assert tree_state(fresh) == before
    assert any('a rebuild from' in m for m in run.messages(HOST)), run.explain()


# ---- new disks: vserver_rebuild_filesystems (block_prepare) on loop devices over sparse files ----

def on_host(fleet, script):
    """Run a shell script on the host over ssh (inside the test bed's mount namespace, where the modules mount)."""
    argv = [ansible_playbook().replace('ansible-playbook', 'ansible'), HOST, '-i', fleet.inventory,
            '-m', 'ansible.builtin.shell', '-a', script]
    return subprocess.run(argv, env=fleet.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300, cwd=fleet.work, check=False)


@pytest.fixture
def loop_disks(fleet, tmp_path):
    """make(name) -> a new loop device over a 64 MiB sparse file; afterwards every mount of one is undone and each
    device detached, also when the test failed."""
    devices = []

    def make(name):
        image = tmp_path / ('%s.img' % name)
        subprocess.run(['truncate', '-s', '64M', str(image)], check=True)
        device = subprocess.run(['losetup', '--find', '--show', str(image)], check=True, text=True,
                                stdout=subprocess.PIPE).stdout.strip()
        devices.append(device)
        return device

    yield make
    for device in devices:
        on_host(fleet, 'for m in $(findmnt -rn -o TARGET -S %s | sort -r); do umount "$m"; done' % device)
        subprocess.run(['losetup', '-d', device], check=False)


def blkid(device):
    return subprocess.run(['blkid', '-p', '-o', 'export', device], text=True, stdout=subprocess.PIPE,
                          check=False).stdout


def test_a_new_filesystem_is_created_mounted_and_the_fstab_points_at_it(fleet, backed_up, loop_disks, tmp_path):  # pylint: disable=unused-argument
    disk = loop_disks('u01')
    fresh = fresh_root(str(tmp_path / 'fresh'))
    extra = rebuild_vars(fleet, fresh, vserver_rebuild_device_map={},  # /u01 is mapped by its mount point
                         vserver_rebuild_filesystems=[{'device': disk, 'fstype': 'ext4', 'label': 'u01new',
                                                       'mount_point': '/u01'}])
    run = fleet.playbook('rebuild', '-v', extra=extra)
    assert run.returncode == 0, run.explain()
    uuid = [line for line in blkid(disk).splitlines() if line.startswith('UUID=')][0][len('UUID='):]
    assert 'TYPE=ext4' in blkid(disk) and 'LABEL=u01new' in blkid(disk)
    fstab = read(fresh, 'etc/fstab').splitlines()
    assert fstab[2] == 'UUID=%s /u01 ext4 defaults 1 2  # application disk' % uuid
    # the backed-up /u01 landed on the new filesystem, not in the directory below it
    where = on_host(fleet, 'findmnt -n -o SOURCE --target %s/u01/app/oracle/config.xml' % fresh)
    assert disk in where.stdout, where.stdout
    content = on_host(fleet, 'cat %s/u01/app/oracle/config.xml' % fresh)  # the mount is in the bed's namespace
    assert OLD['u01/app/oracle/config.xml'].strip() in content.stdout, content.stdout


def test_a_disk_that_holds_data_is_never_overwritten(fleet, backed_up, loop_disks, tmp_path):  # pylint: disable=unused-argument
    disk = loop_disks('used')
    subprocess.run(['mkfs.ext4', '-q', '-L', 'olddata', disk], check=True)
    before_disk = blkid(disk)
    fresh = fresh_root(str(tmp_path / 'fresh'))
    before = tree_state(fresh)
    extra = rebuild_vars(fleet, fresh, vserver_rebuild_filesystems=[{'device': disk, 'fstype': 'xfs',
                                                                     'mount_point': '/u01'}])
    run = fleet.playbook('rebuild', extra=extra)
    assert run.returncode != 0
    assert any(('device %s already holds ext4 labelled olddata' % disk) in m and 'force: true' in m
               for m in run.messages(HOST)), run.explain()
    assert blkid(disk) == before_disk
    assert tree_state(fresh) == before  # nothing restored


def test_check_mode_with_new_filesystems_writes_no_disk(fleet, backed_up, loop_disks, tmp_path):  # pylint: disable=unused-argument
    disk = loop_disks('empty')
    fresh = fresh_root(str(tmp_path / 'fresh'))
    before = tree_state(fresh)
    extra = rebuild_vars(fleet, fresh, vserver_rebuild_filesystems=[{'device': disk, 'fstype': 'ext4',
                                                                     'mount_point': '/u01'}])
    run = fleet.playbook('rebuild', '-v', check=True, extra=extra)
    assert run.returncode == 0, run.explain()
    assert ('"commands": [["mkfs.ext4", "%s"], ["mount", "-t", "ext4", "--", "%s", "%s/u01"]]' % (disk, disk, fresh)
            in run.stdout), run.explain()
    assert blkid(disk) == ''
    assert tree_state(fresh) == before
