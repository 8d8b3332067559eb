# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
from ansible_collections.exalogic.backup.plugins.module_utils._layout.collect import (
    SECTIONS, _Collector, collect_layout, layout_json, path_by_majmin_index, read_sysfs_block,
    read_sysfs_net, mask_cmdline)
from ansible_collections.exalogic.backup.plugins.module_utils._layout.values import to_int
from ansible_collections.exalogic.backup.tests.unit.plugins.module_utils._layout.test_network import IP_ADDR_ONELINE


# LVM 2.02.143 (OL6) has no JSON: --noheadings --separator '|'
VGS_SEPARATED = "  VolGroup|Qw3-rT|21470642176|0|4194304|1|2\n"

SELINUX_CONFIG = """\
# This file controls the state of SELinux on the system.
# SELINUX= can take one of these three values:
SELINUX=enforcing
# SELINUXTYPE= can take one of these three values:
SELINUXTYPE=targeted
"""


def write_tree(base, files):
    for rel, content in files.items():
        path = os.path.join(str(base), rel)
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path))
        if content is not None:
            with open(path, 'w') as handle:
                handle.write(content)


class QuietCollector(object):
    read = staticmethod(_Collector.read)

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
    devices = read_sysfs_block(QuietCollector(), str(tmp_path))
    by_name = dict((device['name'], device) for device in devices)
    assert sorted(by_name) == ['ol-root', 'sda', 'sda2']  # RAM disks left out, as lsblk does
    assert by_name['sda']['size'] == 104857600 * 512
    assert by_name['sda']['model'] == 'VBOX HARDDISK'
    assert by_name['sda2']['type'] == 'part' and by_name['sda2']['parent'] == 'sda'
    root = by_name['ol-root']
    assert (root['kname'], root['type'], root['path'], root['parents']) == ('dm-0', 'lvm', '/dev/mapper/ol-root', ['sda2'])
    assert path_by_majmin_index(devices) == {
        '8:0': '/dev/sda', '8:2': '/dev/sda2', '252:0': '/dev/mapper/ol-root'}


def test_sizes_with_unit_suffix_still_parse():
    assert to_int('1073741824B') == 1073741824
    assert to_int('') is None
    assert to_int(None) is None


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
    interfaces = read_sysfs_net(QuietCollector(), str(tmp_path))
    assert sorted(interfaces) == ['bond0', 'eth0', 'lo']
    assert interfaces['lo']['kind'] == 'loopback'
    assert interfaces['bond0']['kind'] == 'bond'
    assert (interfaces['eth0']['kind'], interfaces['eth0']['master'], interfaces['eth0']['mtu']) == ('physical', 'bond0', 9000)


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
    layout = collect_layout(FakeModule(hidden=ALL_TOOLS))
    assert layout['tools_missing'] == ['lsblk', 'blkid', 'vgs', 'ip']
    assert any(w.startswith('ip not found') for w in layout['warnings'])
    assert any('IPv4 addresses not reported' in w for w in layout['warnings'])
    assert layout['devices_source'] == 'sysfs'
    assert layout['lvm']['available'] is False
    assert layout['network']['source'] == 'proc'
    assert 'lo' in [interface['name'] for interface in layout['network']['interfaces']]
    assert [fs for fs in layout['filesystems'] if fs['mount_point'] == '/']
    assert set(SECTIONS) <= set(layout)
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
    layout = collect_layout(module, gather=['devices', 'lvm', 'network'])
    assert sorted(layout) == ['devices', 'devices_source', 'gathered', 'host_config', 'lvm', 'network', 'root', 'schema_version',
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
        'var/lib/dbus/machine-id': '0f1e2d3c4b5a69788796a5b4c3d2e1f0\n',
    })
    layout = collect_layout(FakeModule(hidden=ALL_TOOLS), root=str(tmp_path), gather=['fstab', 'system'])
    assert layout['fstab']['path'] == str(tmp_path / 'etc' / 'fstab')
    assert layout['fstab']['entries'][0]['spec'] == '/dev/mapper/VolGroup-lv_root'
    system = layout['system']
    assert (system['os']['id'], system['os']['version_id'], system['os']['source']) == ('ol', '6.10', '/etc/oracle-release')
    assert set(system['os']['release_files']) == set(['/etc/oracle-release', '/etc/redhat-release'])
    assert (system['hostname'], system['hostname_configured'], system['fqdn']) == ('vs6.example.com', 'vs6.example.com', None)
    assert system['machine_id'] == '0f1e2d3c4b5a69788796a5b4c3d2e1f0'  # OL6 keeps it where dbus does
    assert system['selinux']['config_mode'] == 'enforcing'
    assert layout['tools_missing'] == []  # fstab and system need no tool


def test_missing_fstab_is_reported_not_fatal(tmp_path):
    layout = collect_layout(FakeModule(hidden=ALL_TOOLS), root=str(tmp_path), gather=['fstab'])
    assert layout['fstab']['present'] is False
    assert layout['warnings'] == ['%s not found' % (tmp_path / 'etc' / 'fstab')]


def test_layout_json_is_stable():
    assert layout_json({'b': 1, 'a': [1, 2]}) == layout_json({'a': [1, 2], 'b': 1})
    assert layout_json({}).endswith('\n')


def test_alternate_root_never_follows_an_absolute_symlink_to_the_hosts_files(tmp_path):
    """security.md M6: <root>/etc/oracle-release -> /<host secret> must not publish the host's file."""
    secret = tmp_path / 'host-shadow'
    secret.write_text('root:HASH:19000:0:99999:7:::\n')
    root = tmp_path / 'altroot'
    write_tree(root, {'usr/lib/os-release': 'ID="ol"\nVERSION_ID="8.9"\n', 'etc/fstab': '# empty\n'})
    os.symlink(str(secret), str(root / 'etc' / 'oracle-release'))
    os.symlink(str(secret), str(root / 'etc' / 'hostname'))
    os.symlink('../../../../../../../../..' + str(secret), str(root / 'etc' / 'redhat-release'))
    os.symlink('/usr/lib/os-release', str(root / 'etc' / 'os-release'))  # legitimate: resolves inside root
    layout = collect_layout(FakeModule(hidden=ALL_TOOLS), root=str(root), gather=['system'])
    assert 'HASH' not in json.dumps(layout)
    system = layout['system']
    assert (system['os']['id'], system['os']['version_id']) == ('ol', '8.9')
    assert any('leads out of' in w for w in layout['warnings'])


def test_cmdline_secrets_are_masked():
    text = ('BOOT_IMAGE=/vmlinuz root=/dev/sda1 rd.iscsi.password=S3cret rd.iscsi.in.password=In '
            'netroot=iscsi:user:pass@192.168.1.5::3260::iqn.2026-01.x:t ip=dhcp')
    masked = mask_cmdline(text)
    assert 'S3cret' not in masked and 'In ' not in masked and 'pass@' not in masked
    assert 'root=/dev/sda1' in masked and 'ip=dhcp' in masked and '@192.168.1.5::3260' in masked
