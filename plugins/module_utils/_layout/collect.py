# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""``collect_layout(module, root='/', gather=None)``: reads the running system through
``module.run_command`` and the file system and returns the whole layout dict. Optional tools that are
missing or fail never fail the collection: they are listed in ``tools_missing`` and explained in
``warnings``.

Used by the ``layout_info`` module and by ``rsync_backup`` (the layout side-car).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re
import socket

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.exalogic.backup.plugins.module_utils._backup import confined
from ansible_collections.exalogic.backup.plugins.module_utils._host.fstab import fstab_to_dict
from ansible_collections.exalogic.backup.plugins.module_utils._host.shellvars import parse_shell_assignments
from ansible_collections.exalogic.backup.plugins.module_utils._layout.host_config import gather_host_config
from ansible_collections.exalogic.backup.plugins.module_utils._layout.devices import (
    decode_udev_link, name_parents, parse_blkid_export, parse_lsblk_json, sysfs_device)
from ansible_collections.exalogic.backup.plugins.module_utils._layout.lvm import (
    normalize_lvm, parse_lvm_json, parse_lvm_separated)
from ansible_collections.exalogic.backup.plugins.module_utils._layout.network import (
    parse_if_inet6, parse_ip_addr_json, parse_ip_addr_oneline, parse_ip_route_json, parse_ip_route_text,
    parse_proc_net_route)
from ansible_collections.exalogic.backup.plugins.module_utils._layout.procfs import (
    filesystems_from_mounts, parse_mountinfo, parse_proc_swaps, statvfs_usage)
from ansible_collections.exalogic.backup.plugins.module_utils._layout.system import (
    parse_hostname_file, parse_os_release, parse_release_file, parse_selinux_config)
from ansible_collections.exalogic.backup.plugins.module_utils._layout.values import ID_KEYS, fill_missing, to_int


SCHEMA_VERSION = 1
SECTIONS = ('devices', 'filesystems', 'lvm', 'swap', 'fstab', 'network', 'system')
LVM_ENV = {'LC_ALL': 'C', 'LANG': 'C', 'LVM_SUPPRESS_FD_WARNINGS': '1'}
LVM_FIELDS = {
    'vgs': ('vg_name', 'vg_uuid', 'vg_size', 'vg_free', 'vg_extent_size', 'pv_count', 'lv_count'),
    'lvs': ('lv_name', 'vg_name', 'lv_uuid', 'lv_size', 'lv_attr', 'segtype', 'pool_lv', 'origin', 'lv_path'),
    'pvs': ('pv_name', 'vg_name', 'pv_uuid', 'pv_size', 'pv_free'),
}


class _Collector(object):
    """Reads the running system for collect_layout; records missing tools and warnings."""

    def __init__(self, module, root):
        self.module = module
        self.root = root
        self.warnings = []
        self.tools_missing = []
        self._tools = {}

    def warn(self, message):
        if message not in self.warnings:
            self.warnings.append(message)

    def root_path(self, path):
        """A path of the (possibly alternate) root: fstab, os-release, hostname files."""
        return os.path.join(self.root, path.lstrip('/'))

    def read_root(self, path, max_bytes=1 << 20):
        """Text of a file of the (possibly alternate) root, or None.

        Symlinks are resolved the way a chroot into root would (an absolute link stays inside root;
        one leading out of it is refused with a warning) and only a regular file is read, so a foreign
        root never makes this host's own files (/etc/shadow) appear in the layout.
        """
        rel = path.strip('/')
        try:
            data = confined.read_file(self.root, confined.resolve(self.root, rel), max_bytes, missing_ok=True,
                                      one_device=False)
        except confined.ConfinedError as err:
            self.warn('not read: %s' % err)
            return None
        return None if data is None else to_text(data, errors='surrogate_then_replace')

    @staticmethod
    def read(path):
        """File text, or None when it does not exist or cannot be read."""
        try:
            with open(path, 'rb') as handle:
                return to_text(handle.read(), errors='surrogate_then_replace')
        except (IOError, OSError):
            return None

    def tool(self, name, why):
        """Path of a tool, or None after recording it as missing (once) with what is lost."""
        if name not in self._tools:
            path = self.module.get_bin_path(name, opt_dirs=['/sbin', '/usr/sbin', '/usr/local/sbin'])
            self._tools[name] = path
            if path is None:
                self.tools_missing.append(name)
                self.warn('%s not found: %s' % (name, why))
        return self._tools[name]

    def run(self, args, environ=None):
        """stdout of a command, or None (with a warning) when it fails."""
        rc, out, err = self.module.run_command(args, environ_update=environ or {'LC_ALL': 'C', 'LANG': 'C'})
        if rc != 0:
            detail = (err or out or '').strip().splitlines()
            self.warn('%s failed (rc=%s): %s' % (' '.join(args), rc, detail[0] if detail else 'no output'))
            return None
        return out


def read_sysfs_block(collector, sys_root='/sys'):
    """Devices from /sys/class/block (no tools needed)."""
    base = os.path.join(sys_root, 'class', 'block')
    try:
        names = sorted(os.listdir(base))
    except OSError:
        collector.warn('%s is not readable: no block devices' % base)
        return []
    devices = []
    for kname in names:
        if kname.startswith('ram'):
            continue  # RAM disks, as lsblk leaves them out
        path = os.path.join(base, kname)

        def attr(rel, path=path):
            text = collector.read(os.path.join(path, rel))
            return text.strip() if text is not None else None

        attrs = {
            'dev': attr('dev'), 'size': attr('size'), 'ro': attr('ro'), 'removable': attr('removable'),
            'partition': os.path.exists(os.path.join(path, 'partition')),
            'dm_name': attr('dm/name'), 'dm_uuid': attr('dm/uuid'), 'md_level': attr('md/level'),
            'model': attr('device/model'), 'serial': attr('device/serial') or attr('serial'),
        }
        try:
            attrs['slaves'] = sorted(os.listdir(os.path.join(path, 'slaves')))
        except OSError:
            attrs['slaves'] = []
        if attrs['partition']:
            attrs['container'] = os.path.basename(os.path.dirname(os.path.realpath(path)))
        devices.append(sysfs_device(kname, attrs))
    return name_parents(devices)


def path_by_majmin_index(devices):
    """"major:minor" -> device path (dm devices as /dev/mapper/NAME); resolves sources like /dev/root."""
    return dict((device['maj_min'], device['path']) for device in devices if device.get('maj_min'))


def majmin_of(path):
    try:
        rdev = os.stat(path).st_rdev
    except OSError:
        return None
    if not rdev:
        return None
    return '%d:%d' % (os.major(rdev), os.minor(rdev))


def collect_identities(collector, devices, mounts):
    """Filesystem identities (fstype, UUID, LABEL, PARTUUID) keyed by maj:min and by path.

    Sources, best first: blkid (probes the devices), lsblk (udev database), /dev/disk/by-* links,
    and the kernel's mount table for the fstype of mounted devices (containers often have no udev).
    """
    by_majmin, by_path = {}, {}

    def add(path, ids, majmin=None):
        majmin = majmin or majmin_of(path)
        for index, key in ((by_path, path), (by_majmin, majmin)):
            if key:
                fill_missing(index.setdefault(key, {}), ids, ID_KEYS)

    blkid = collector.tool('blkid', 'filesystem UUIDs and LABELs come from lsblk or /dev/disk/by-* links')
    if blkid:
        # -c /dev/null: probe the devices now instead of trusting a cache that may predate a mkfs;
        # rc 2 means "nothing found", not a failure
        rc, out, err = collector.module.run_command([blkid, '-c', '/dev/null', '-o', 'export'], environ_update={'LC_ALL': 'C'})
        if rc in (0, 2):
            for entry in parse_blkid_export(out):
                if entry.get('devname'):
                    add(entry['devname'], entry)
        else:
            collector.warn('blkid -o export failed (rc=%s): %s' % (rc, (err or '').strip()))
    for device in devices:
        add(device['path'], device, device.get('maj_min'))
    for link_dir, key in (('by-uuid', 'uuid'), ('by-label', 'label'), ('by-partuuid', 'partuuid')):
        base = os.path.join('/dev/disk', link_dir)
        try:
            links = os.listdir(base)
        except OSError:
            continue
        for link in links:
            add(os.path.realpath(os.path.join(base, link)), {key: decode_udev_link(link)})
    for mount in mounts:
        if not mount['maj_min'].startswith('0:'):
            fill_missing(by_majmin.setdefault(mount['maj_min'], {}), {'fstype': mount['fstype']}, ('fstype',))
    return by_majmin, by_path


def gather_devices(collector):
    lsblk = collector.tool('lsblk', 'block devices read from /sys/class/block')
    devices = None
    source = 'sysfs'
    if lsblk:
        out = collector.run([lsblk, '-J', '-b', '-O'])
        if out is not None:
            try:
                devices = parse_lsblk_json(out)
                source = 'lsblk'
            except ValueError:
                collector.warn('lsblk -J output is not JSON (util-linux too old?): block devices read from /sys/class/block')
    if devices is None:
        devices = read_sysfs_block(collector)
    return devices, source


def read_mounts(collector):
    text = collector.read('/proc/self/mountinfo')
    if text is None:
        collector.warn('/proc/self/mountinfo is not readable: no filesystems')
        return []
    return parse_mountinfo(text)


def gather_filesystems(collector, mounts, devices, by_majmin, by_path):
    filesystems = filesystems_from_mounts(mounts, by_majmin, by_path, path_by_majmin_index(devices))
    for filesystem in filesystems:
        # statvfs on a hard NFS mount whose server is gone blocks forever: local filesystems only
        # and only for visible mounts: a path reaches the top mount, not the one underneath
        if filesystem['kind'] in ('local', 'memory') and not filesystem['overmounted']:
            try:
                filesystem.update(statvfs_usage(os.statvfs(filesystem['mount_point'])))
            except OSError as exc:
                collector.warn('statvfs %s failed: %s' % (filesystem['mount_point'], exc))
    return filesystems


def gather_lvm(collector):
    result = {'available': False, 'vgs': [], 'lvs': [], 'pvs': []}
    rows = {}
    for report in ('vgs', 'lvs', 'pvs'):
        tool = collector.tool(report, 'no LVM facts')
        if tool is None:
            return result
        rows[report] = lvm_report(collector, tool, report)
        if rows[report] is None:
            return result
    result.update(normalize_lvm(rows['vgs'], rows['lvs'], rows['pvs']))
    result['available'] = True
    return result


def lvm_report(collector, tool, report):
    """Rows of one LVM report: JSON when LVM supports it (2.02.158+), else a separated table."""
    fields = LVM_FIELDS[report]
    common = ['--units', 'b', '--nosuffix', '-o', ','.join(fields)]
    rc, out, dummy = collector.module.run_command([tool, '--reportformat', 'json'] + common, environ_update=LVM_ENV)
    if rc == 0:
        try:
            return parse_lvm_json(out, report[:-1])
        except ValueError:
            pass
    out = collector.run([tool, '--noheadings', '--separator', '|'] + common, environ=LVM_ENV)
    return None if out is None else parse_lvm_separated(out, fields)


def gather_swap(collector, by_majmin, by_path):
    text = collector.read('/proc/swaps')
    if text is None:
        collector.warn('/proc/swaps is not readable: no swap facts')
        return []
    swaps = parse_proc_swaps(text)
    for swap in swaps:
        ids = dict(by_majmin.get(majmin_of(swap['device'])) or {})
        fill_missing(ids, by_path.get(swap['device']) or {}, ID_KEYS)
        swap['uuid'], swap['label'] = ids.get('uuid'), ids.get('label')
    return swaps


def gather_fstab(collector):
    path = collector.root_path('/etc/fstab')
    text = collector.read_root('/etc/fstab')
    if text is None:
        collector.warn('%s not found' % path)
        return {'path': path, 'present': False, 'entries': [], 'invalid': []}
    result = fstab_to_dict(text)
    result.update({'path': path, 'present': True})
    return result


def read_sysfs_net(collector, sys_root='/sys'):
    """Interfaces from /sys/class/net: name, MAC, MTU, state, kind, bond/bridge master."""
    base = os.path.join(sys_root, 'class', 'net')
    try:
        names = sorted(os.listdir(base))
    except OSError:
        collector.warn('%s is not readable: no network interfaces' % base)
        return {}
    interfaces = {}
    for name in names:
        path = os.path.join(base, name)
        if not os.path.isdir(path):
            continue  # bonding_masters is a file

        def attr(rel, path=path):
            text = collector.read(os.path.join(path, rel))
            return text.strip() if text is not None else None

        master = os.path.join(path, 'master')
        interfaces[name] = {
            'name': name,
            'mac': attr('address'),
            'permanent_mac': None,
            'mtu': to_int(attr('mtu')),
            'state': attr('operstate'),
            'kind': net_kind(attr('type'), os.path.isdir(os.path.join(path, 'bonding')),
                             os.path.isdir(os.path.join(path, 'bridge')), os.path.exists(os.path.join(path, 'device'))),
            'master': os.path.basename(os.path.realpath(master)) if os.path.islink(master) else None,
            'addresses': [],
        }
    return interfaces


def net_kind(arp_type, is_bond, is_bridge, has_device):
    """loopback, bond, bridge, physical or virtual (ARPHRD type 772 = loopback)."""
    if arp_type == '772':
        return 'loopback'
    if is_bond:
        return 'bond'
    if is_bridge:
        return 'bridge'
    return 'physical' if has_device else 'virtual'


def blank_interface(name):
    return {'name': name, 'kind': 'virtual', 'mac': None, 'permanent_mac': None, 'mtu': None, 'state': None,
            'master': None, 'addresses': []}


def gather_network(collector):
    interfaces = read_sysfs_net(collector)
    ip = collector.tool('ip', 'IPv4 addresses and default routes are not reported (IPv6 from /proc/net/if_inet6, '
                              'IPv4 default route from /proc/net/route)')
    addresses, source = None, 'ip-json'
    if ip:
        out = collector.run([ip, '-j', 'addr', 'show'])
        try:
            links = parse_ip_addr_json(out) if out else None
        except ValueError:
            links = None
        if links is not None:
            for name, link in links.items():
                entry = interfaces.setdefault(name, blank_interface(name))
                fill_missing(entry, link, ('mac', 'permanent_mac', 'mtu', 'state', 'master'))
            addresses = dict((name, link['addresses']) for name, link in links.items())
        else:
            out = collector.run([ip, '-o', 'addr', 'show'])
            if out is not None:
                addresses, source = parse_ip_addr_oneline(out), 'ip-text'
    if addresses is None:
        source = 'proc'
        addresses = parse_if_inet6(collector.read('/proc/net/if_inet6') or '')
        collector.warn('IPv4 addresses not reported: `ip` is missing or failed')
    for name, entries in addresses.items():
        interfaces.setdefault(name, blank_interface(name))['addresses'] = entries
    return {
        'interfaces': [interfaces[name] for name in sorted(interfaces)],
        'default_routes': gather_routes(collector, ip),
        'source': source,
    }


def gather_routes(collector, ip):
    routes = []
    if ip:
        for family, flag in (('inet', '-4'), ('inet6', '-6')):
            rc, out, dummy = collector.module.run_command([ip, '-j', flag, 'route', 'show', 'default'],
                                                          environ_update={'LC_ALL': 'C'})
            parsed = None
            if rc == 0:
                try:
                    parsed = parse_ip_route_json(out, family) if out.strip() else []
                except ValueError:
                    parsed = None
            if parsed is None:
                out = collector.run([ip, flag, 'route', 'show', 'default'])
                parsed = parse_ip_route_text(out or '', family)
            routes.extend(parsed)
        return routes
    return parse_proc_net_route(collector.read('/proc/net/route') or '')


def gather_system(collector):
    live = collector.root in ('/', '')
    configured = parse_hostname_file(collector.read_root('/etc/hostname') or '')
    if configured is None:
        configured = parse_shell_assignments(collector.read_root('/etc/sysconfig/network') or '').get('HOSTNAME')
    uname = os.uname()
    enforce = collector.read('/sys/fs/selinux/enforce') or collector.read('/selinux/enforce')  # EL6: /selinux
    selinux = {'mode': {'1': 'enforcing', '0': 'permissive'}.get((enforce or '').strip(), 'disabled')}
    selinux.update(parse_selinux_config(collector.read_root('/etc/selinux/config') or ''))
    cmdline = collector.read('/proc/cmdline')
    return {
        'hostname': socket.gethostname() if live else configured,
        'fqdn': socket.getfqdn() if live else None,
        'hostname_configured': configured,
        # who this system is (a rebuild's safe mode compares it; systemd hosts and OL6 dbus)
        'machine_id': (collector.read_root('/etc/machine-id', 64) or collector.read_root('/var/lib/dbus/machine-id', 64)
                       or '').strip() or None,
        'os': gather_os(collector),
        'kernel': {'release': uname[2], 'version': uname[3], 'machine': uname[4]},
        'selinux': selinux,
        'firmware': 'uefi' if os.path.isdir('/sys/firmware/efi') else 'bios',
        'cmdline': mask_cmdline(cmdline.strip()) if cmdline is not None else None,
    }


SECRET_KEY_RE = re.compile(r'(pass|secret|chap|token|auth|key)', re.IGNORECASE)
MASK = '********'


def mask_cmdline(text):
    """/proc/cmdline with values that look like secrets masked (iSCSI/CHAP passwords, netroot credentials)."""
    words = []
    for word in text.split():
        key, sep, value = word.partition('=')
        if sep and SECRET_KEY_RE.search(key):
            word = key + '=' + MASK
        elif sep and key == 'netroot' and '@' in value:
            scheme = value.split(':', 1)[0]
            word = '%s=%s:%s@%s' % (key, scheme, MASK, value.rsplit('@', 1)[1])
        words.append(word)
    return ' '.join(words)


def gather_os(collector):
    """os-release when present (EL7+), else the release files of EL6."""
    release_files = {}
    for path in ('/etc/oracle-release', '/etc/redhat-release', '/etc/system-release'):
        text = collector.read_root(path)
        if text is not None:
            release_files[path] = text.strip()
    for path in ('/etc/os-release', '/usr/lib/os-release'):
        text = collector.read_root(path)
        if text is not None:
            result = parse_os_release(text)
            result.update({'source': path, 'release_files': release_files})
            return result
    for path in ('/etc/oracle-release', '/etc/redhat-release', '/etc/system-release'):
        if path in release_files:
            result = parse_release_file(release_files[path])
            result.update({'source': path, 'release_files': release_files})
            return result
    collector.warn('no os-release or release file under %s' % collector.root)
    return {'id': None, 'id_like': None, 'name': None, 'version_id': None, 'version': None,
            'pretty_name': None, 'source': None, 'release_files': release_files}


def collect_layout(module, root='/', gather=None):
    """The whole layout dict of this host; ``gather`` limits the sections (default: all).

    ``root`` is where /etc/fstab, os-release, hostname and SELinux config files are read
    (an alternate root such as a rescue system's /mnt/sysimage); /proc, /sys and the tools
    always describe the running system.
    """
    wanted = [section for section in SECTIONS if gather is None or section in gather]
    collector = _Collector(module, root or '/')
    layout = {'schema_version': SCHEMA_VERSION, 'root': collector.root, 'gathered': wanted}
    devices, mounts, by_majmin, by_path = [], [], {}, {}
    if set(wanted) & set(('devices', 'filesystems', 'swap')):
        devices, source = gather_devices(collector)
        mounts = read_mounts(collector)
        by_majmin, by_path = collect_identities(collector, devices, mounts)
        for device in devices:
            ids = by_majmin.get(device.get('maj_min')) or by_path.get(device['path']) or {}
            fill_missing(device, ids, ID_KEYS)
        if 'devices' in wanted:
            layout['devices'] = devices
            layout['devices_source'] = source
    if 'filesystems' in wanted:
        layout['filesystems'] = gather_filesystems(collector, mounts, devices, by_majmin, by_path)
    if 'lvm' in wanted:
        layout['lvm'] = gather_lvm(collector)
    if 'swap' in wanted:
        layout['swap'] = gather_swap(collector, by_majmin, by_path)
    if 'fstab' in wanted:
        layout['fstab'] = gather_fstab(collector)
    if 'network' in wanted:
        layout['network'] = gather_network(collector)
        layout['host_config'] = gather_host_config(collector)
    if 'system' in wanted:
        layout['system'] = gather_system(collector)
    layout['warnings'] = collector.warnings
    layout['tools_missing'] = collector.tools_missing
    return layout


def layout_json(layout):
    """The side-car text: stable key order so that unchanged facts give an unchanged file."""
    return json.dumps(layout, indent=2, sort_keys=True, separators=(',', ': ')) + '\n'
