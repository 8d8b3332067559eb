# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The facts a rebuild needs: block devices, filesystems, LVM, swap, fstab, network, system.

Two halves:
- pure parsers that take the text of /proc files, sysfs attributes or tool output (lsblk, blkid,
  vgs/lvs/pvs, ip) and return plain dicts; they are unit-tested with fixture strings;
- ``collect_layout(module, root='/', gather=None)``, which reads the running system through
  ``module.run_command`` and the file system and returns the whole layout dict. Optional tools
  that are missing or fail never fail the collection: they are listed in ``tools_missing`` and
  explained in ``warnings``.

Used by the ``layout_info`` module and by ``rsync_backup`` (the layout side-car).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re
import socket

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.exalogic.backup.plugins.module_utils.fstab import decode_field, fstab_to_dict

SCHEMA_VERSION = 1
SECTIONS = ('devices', 'filesystems', 'lvm', 'swap', 'fstab', 'network', 'system')

# Kernel filesystems that hold nothing to back up or recreate; left out of `filesystems`.
PSEUDO_FSTYPES = frozenset((
    'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'cpuset', 'debugfs', 'devpts',
    'devtmpfs', 'efivarfs', 'fusectl', 'hugetlbfs', 'mqueue', 'nfsd', 'nsfs', 'proc', 'pstore',
    'rpc_pipefs', 'securityfs', 'selinuxfs', 'sysfs', 'tracefs', 'xenfs', 'rootfs',
))
NETWORK_FSTYPES = frozenset((
    'nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'ncpfs', 'glusterfs', 'ceph', 'ocfs2_dlmfs', '9p',
    'afs', 'lustre', 'gpfs', 'fuse.sshfs', 'fuse.glusterfs', 'fuse.nfs',
))
MEMORY_FSTYPES = frozenset(('tmpfs', 'ramfs'))

LVM_ENV = {'LC_ALL': 'C', 'LANG': 'C', 'LVM_SUPPRESS_FD_WARNINGS': '1'}
LVM_FIELDS = {
    'vgs': ('vg_name', 'vg_uuid', 'vg_size', 'vg_free', 'vg_extent_size', 'pv_count', 'lv_count'),
    'lvs': ('lv_name', 'vg_name', 'lv_uuid', 'lv_size', 'lv_attr', 'segtype', 'pool_lv', 'origin', 'lv_path'),
    'pvs': ('pv_name', 'vg_name', 'pv_uuid', 'pv_size', 'pv_free'),
}
IP_ADDRESS_FLAGS = frozenset((
    'secondary', 'primary', 'dynamic', 'noprefixroute', 'deprecated', 'tentative', 'permanent',
    'home', 'nodad', 'mngtmpaddr', 'temporary', 'optimistic', 'dadfailed', 'stable-privacy',
))


# --------------------------------------------------------------------------- small helpers

def to_int(value):
    """int() for tool output that may be a number, a numeric string, '' or None (-> None)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        pass
    text = to_text(value).strip().rstrip('Bb')
    try:
        return int(float(text))
    except ValueError:
        return None


def to_bool(value):
    """lsblk prints booleans as true/false (new) or "0"/"1" (old)."""
    if isinstance(value, bool) or value is None:
        return value
    return to_text(value).strip().lower() in ('1', 'true', 'yes')


def empty_to_none(value):
    if value is None:
        return None
    value = to_text(value).strip()
    return value or None


def fill_missing(target, source, keys):
    """Copy keys from source where target has no value yet (first source wins)."""
    for key in keys:
        if target.get(key) in (None, '') and source.get(key) not in (None, ''):
            target[key] = source[key]
    return target


ID_KEYS = ('fstype', 'uuid', 'label', 'partuuid', 'partlabel')


# --------------------------------------------------------------------------- block devices

def parse_lsblk_json(text):
    """Flatten `lsblk -J -b -O` output into a list of devices.

    lsblk nests children under their parents; a device with several parents (an LV spread over
    two PVs, a RAID member set) appears once per parent there and once here, with all parents.
    """
    data = json.loads(text)
    devices = []
    by_name = {}

    def walk(nodes, parent):
        for node in nodes or []:
            device = lsblk_device(node)
            known = by_name.get(device['name'])
            if known is None:
                by_name[device['name']] = device
                devices.append(device)
                known = device
            if parent and parent not in known['parents']:
                known['parents'].append(parent)
                known['parent'] = known['parents'][0]
            walk(node.get('children'), device['name'])

    walk(data.get('blockdevices'), None)
    return devices


def lsblk_device(node):
    """One lsblk node -> our device dict (keys differ between util-linux versions)."""
    mountpoints = node.get('mountpoints')
    if mountpoints is None:
        mountpoints = [node.get('mountpoint')]
    name = node.get('name')
    return {
        'name': name,
        'kname': node.get('kname') or name,
        'path': node.get('path') or ('/dev/' + name if name else None),
        'maj_min': node.get('maj:min'),
        'type': node.get('type'),
        'size': to_int(node.get('size')),
        'parent': None,
        'parents': [],
        'fstype': empty_to_none(node.get('fstype')),
        'uuid': empty_to_none(node.get('uuid')),
        'label': empty_to_none(node.get('label')),
        'partuuid': empty_to_none(node.get('partuuid')),
        'partlabel': empty_to_none(node.get('partlabel')),
        'pttype': empty_to_none(node.get('pttype')),
        'ptuuid': empty_to_none(node.get('ptuuid')),
        'model': empty_to_none(node.get('model')),
        'serial': empty_to_none(node.get('serial')),
        'ro': to_bool(node.get('ro')),
        'removable': to_bool(node.get('rm')),
        'mountpoints': [mp for mp in mountpoints if mp],
    }


def sysfs_device(kname, attrs):
    """A device dict from sysfs attributes of /sys/class/block/<kname>.

    attrs keys: dev ("8:1"), size (512-byte sectors, as text), partition (bool), container
    (kname of the disk holding a partition), slaves (list of knames), dm_name, dm_uuid,
    md_level, ro, removable, model, serial.
    """
    dm_name = empty_to_none(attrs.get('dm_name'))
    name = dm_name or kname
    sectors = to_int(attrs.get('size'))
    parents = list(attrs.get('slaves') or [])
    if attrs.get('container'):
        parents.insert(0, attrs['container'])
    return {
        'name': name,
        'kname': kname,
        'path': '/dev/mapper/' + dm_name if dm_name else '/dev/' + kname,
        'maj_min': empty_to_none(attrs.get('dev')),
        'type': sysfs_device_type(kname, attrs),
        'size': None if sectors is None else sectors * 512,  # sysfs counts 512-byte sectors always
        'parent': parents[0] if parents else None,
        'parents': parents,
        'fstype': None, 'uuid': None, 'label': None, 'partuuid': None, 'partlabel': None,
        'pttype': None, 'ptuuid': None,
        'model': empty_to_none(attrs.get('model')),
        'serial': empty_to_none(attrs.get('serial')),
        'ro': to_bool(attrs.get('ro')),
        'removable': to_bool(attrs.get('removable')),
        'mountpoints': [],
    }


def sysfs_device_type(kname, attrs):
    """The lsblk TYPE for a device seen only through sysfs."""
    dm_uuid = attrs.get('dm_uuid') or ''
    if attrs.get('dm_name') is not None or kname.startswith('dm-'):
        for prefix, kind in (('LVM-', 'lvm'), ('CRYPT-', 'crypt'), ('mpath-', 'mpath'), ('part', 'part')):
            if dm_uuid.startswith(prefix):
                return kind
        return 'dm'
    if attrs.get('md_level'):
        return attrs['md_level'].strip()
    if attrs.get('partition'):
        return 'part'
    if kname.startswith('loop'):
        return 'loop'
    if kname.startswith('sr'):
        return 'rom'
    return 'disk'


def name_parents(devices):
    """sysfs lists parents by kernel name (dm-0); lsblk by device name (ol-root). Use names."""
    names = dict((device['kname'], device['name']) for device in devices)
    for device in devices:
        device['parents'] = [names.get(parent, parent) for parent in device['parents']]
        device['parent'] = device['parents'][0] if device['parents'] else None
    return devices


def parse_blkid_export(text):
    """`blkid -o export` (several devices, blank-line separated) -> list of dicts.

    Keys are lower case blkid tags (devname, uuid, label, type, partuuid, partlabel, ...);
    'type' is also given as 'fstype'.
    """
    entries = []
    current = {}
    for line in text.splitlines() + ['']:
        line = line.strip()
        if not line:
            if current:
                if 'type' in current:
                    current['fstype'] = current['type']
                entries.append(current)
            current = {}
            continue
        key, sep, value = line.partition('=')
        if sep:
            current[key.strip().lower()] = unescape_blkid(value.strip())
    return entries


def unescape_blkid(value):
    # blkid -o export escapes shell specials with a backslash ("my\ label")
    return re.sub(r'\\(.)', r'\1', value)


def decode_udev_link(name):
    r"""/dev/disk/by-label names are udev-escaped: "my\x20disk" -> "my disk"."""
    return re.sub(r'\\x([0-9a-fA-F]{2})', lambda match: chr(int(match.group(1), 16)), name)


# --------------------------------------------------------------------------- mounts and filesystems

def parse_mountinfo(text):
    """/proc/self/mountinfo -> list of mounts (proc(5) field layout, octal escapes decoded)."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if ' - ' not in line or len(fields) < 7:
            continue
        separator = fields.index('-', 6)
        tail = fields[separator + 1:]
        mounts.append({
            'mount_id': int(fields[0]),
            'parent_id': int(fields[1]),
            'maj_min': fields[2],
            'fs_root': decode_field(fields[3]),
            'mount_point': decode_field(fields[4]),
            'mount_options': fields[5],
            'optional_fields': fields[6:separator],
            'fstype': tail[0] if tail else None,
            'source': decode_field(tail[1]) if len(tail) > 1 else None,
            'super_options': tail[2] if len(tail) > 2 else '',
        })
    return mounts


def fstype_kind(fstype):
    """local, network, memory, fuse or pseudo."""
    if fstype in PSEUDO_FSTYPES:
        return 'pseudo'
    if fstype in NETWORK_FSTYPES:
        return 'network'
    if fstype in MEMORY_FSTYPES:
        return 'memory'
    if fstype == 'fuseblk':
        return 'local'  # a FUSE driver on a local block device (ntfs-3g, exfat-fuse)
    if fstype.startswith('fuse'):
        return 'fuse'
    return 'local'


def filesystems_from_mounts(mounts, ids_by_majmin, ids_by_path, path_by_majmin):
    """Mounts -> filesystem entries (pseudo filesystems dropped) with UUID/LABEL attached.

    ids_by_majmin / ids_by_path: identity dicts (fstype, uuid, label, ...) of block devices,
    keyed by "major:minor" and by device path; path_by_majmin: "254:1" -> "/dev/vda1" (resolves
    sources such as /dev/root).
    """
    filesystems = []
    hidden = overmounted_ids(mounts)
    for mount in mounts:
        kind = fstype_kind(mount['fstype'] or '')
        if kind == 'pseudo':
            continue
        device = None
        if not mount['maj_min'].startswith('0:'):
            device = path_by_majmin.get(mount['maj_min'])
        if device is None and (mount['source'] or '').startswith('/dev/'):
            device = mount['source']
        ids = dict(ids_by_majmin.get(mount['maj_min']) or {})
        fill_missing(ids, ids_by_path.get(device) or {}, ID_KEYS)
        options = mount['mount_options'].split(',')
        options += [opt for opt in mount['super_options'].split(',') if opt and opt not in options]
        filesystems.append({
            'device': device,
            'source': mount['source'],
            'maj_min': mount['maj_min'],
            'fstype': mount['fstype'],
            'kind': kind,
            'mount_point': mount['mount_point'],
            'fs_root': mount['fs_root'],
            'options': ','.join(options),
            'uuid': ids.get('uuid'),
            'label': ids.get('label'),
            'partuuid': ids.get('partuuid'),
            'overmounted': mount['mount_id'] in hidden,
            'size': None, 'used': None, 'avail': None, 'inodes': None, 'inodes_used': None,
        })
    return filesystems


def overmounted_ids(mounts):
    """mount ids hidden by a later mount on the same mount point (not reachable by path)."""
    hidden = set()
    seen = {}
    for mount in mounts:
        if mount['mount_point'] in seen:
            hidden.add(seen[mount['mount_point']])
        seen[mount['mount_point']] = mount['mount_id']
    return hidden


def statvfs_usage(st):
    """os.statvfs result -> size/used/avail in bytes and inode counts (df's arithmetic)."""
    unit = st.f_frsize or st.f_bsize
    return {
        'size': st.f_blocks * unit,
        'used': (st.f_blocks - st.f_bfree) * unit,
        'avail': st.f_bavail * unit,
        'inodes': st.f_files,
        'inodes_used': st.f_files - st.f_ffree,
    }


def parse_proc_swaps(text):
    """/proc/swaps -> list of swap areas, sizes in bytes (the file counts KiB)."""
    swaps = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 5:
            continue
        swaps.append({
            'device': decode_field(fields[0]),
            'type': fields[1],
            'size': to_int(fields[2]) * 1024,
            'used': to_int(fields[3]) * 1024,
            'priority': to_int(fields[4]),
            'uuid': None,
            'label': None,
        })
    return swaps


# --------------------------------------------------------------------------- LVM

def parse_lvm_json(text, report):
    """`vgs/lvs/pvs --reportformat json` -> list of row dicts (all values text)."""
    data = json.loads(text)
    rows = []
    for section in data.get('report', []):
        rows.extend(section.get(report, []))
    return rows


def parse_lvm_separated(text, fields):
    """`vgs --noheadings --separator '|' -o f1,f2` (LVM without JSON, e.g. OL6) -> rows."""
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        values = [value.strip() for value in line.strip().split('|')]
        rows.append(dict(zip(fields, values)))
    return rows


def dm_path(vg_name, lv_name):
    """/dev/mapper name of an LV: dashes inside VG and LV names are doubled."""
    return '/dev/mapper/%s-%s' % (vg_name.replace('-', '--'), lv_name.replace('-', '--'))


def normalize_lvm(vgs, lvs, pvs):
    """Raw LVM report rows -> {vgs, lvs, pvs} with sizes as integers (bytes)."""
    return {
        'vgs': [{
            'name': row.get('vg_name'),
            'uuid': empty_to_none(row.get('vg_uuid')),
            'size': to_int(row.get('vg_size')),
            'free': to_int(row.get('vg_free')),
            'extent_size': to_int(row.get('vg_extent_size')),
            'pv_count': to_int(row.get('pv_count')),
            'lv_count': to_int(row.get('lv_count')),
        } for row in vgs],
        'lvs': [{
            'name': row.get('lv_name'),
            'vg': row.get('vg_name'),
            'uuid': empty_to_none(row.get('lv_uuid')),
            'size': to_int(row.get('lv_size')),
            'attr': empty_to_none(row.get('lv_attr')),
            'segtype': empty_to_none(row.get('segtype')),
            'pool': empty_to_none(row.get('pool_lv')),
            'origin': empty_to_none(row.get('origin')),
            'path': empty_to_none(row.get('lv_path')),
            'dm_path': dm_path(row.get('vg_name') or '', row.get('lv_name') or ''),
        } for row in lvs],
        'pvs': [{
            'name': row.get('pv_name'),
            'vg': empty_to_none(row.get('vg_name')),
            'uuid': empty_to_none(row.get('pv_uuid')),
            'size': to_int(row.get('pv_size')),
            'free': to_int(row.get('pv_free')),
        } for row in pvs],
    }


# --------------------------------------------------------------------------- network

def parse_ip_addr_json(text):
    """`ip -j addr show` -> {ifname: {mac, mtu, state, master, flags, addresses}}."""
    interfaces = {}
    for link in json.loads(text):
        name = link.get('ifname')
        if not name:
            continue
        interfaces[name] = {
            'mac': link.get('address'),
            'permanent_mac': link.get('permaddr'),
            'mtu': link.get('mtu'),
            'state': link.get('operstate'),
            'master': link.get('master'),
            'link_type': link.get('link_type'),
            'flags': link.get('flags', []),
            'addresses': [ip_json_address(info) for info in link.get('addr_info', []) if info.get('local')],
        }
    return interfaces


def ip_json_address(info):
    return {
        'family': info.get('family'),
        'address': info.get('local'),
        'prefixlen': info.get('prefixlen'),
        'broadcast': info.get('broadcast'),
        'scope': info.get('scope'),
        'label': info.get('label'),
        'dynamic': bool(info.get('dynamic')),
    }


def parse_ip_addr_oneline(text):
    """`ip -o addr show` (iproute without JSON, e.g. OL6/OL7) -> {ifname: [addresses]}."""
    result = {}
    for line in text.splitlines():
        tokens = line.split('\\')[0].split()
        if len(tokens) < 4 or tokens[2] not in ('inet', 'inet6'):
            continue
        name = tokens[1].split('@')[0]
        address, _sep, prefix = tokens[3].partition('/')
        entry = {'family': tokens[2], 'address': address, 'prefixlen': to_int(prefix),
                 'broadcast': None, 'scope': None, 'label': None, 'dynamic': False}
        rest = tokens[4:]
        index = 0
        while index < len(rest):
            token = rest[index]
            if token in ('brd', 'scope', 'peer', 'metric', 'proto') and index + 1 < len(rest):
                if token in ('brd', 'scope'):
                    entry['broadcast' if token == 'brd' else 'scope'] = rest[index + 1]
                index += 2
                continue
            if token == 'dynamic':
                entry['dynamic'] = True
            elif token not in IP_ADDRESS_FLAGS and entry['family'] == 'inet':
                entry['label'] = token
            index += 1
        result.setdefault(name, []).append(entry)
    return result


def parse_if_inet6(text):
    """/proc/net/if_inet6 -> {ifname: [IPv6 addresses]} (used when `ip` is missing)."""
    scopes = {'00': 'global', '10': 'host', '20': 'link', '40': 'site'}
    result = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 6 or len(fields[0]) != 32:
            continue
        groups = [fields[0][i:i + 4] for i in range(0, 32, 4)]
        address = compress_ipv6(groups)
        result.setdefault(fields[5], []).append({
            'family': 'inet6', 'address': address, 'prefixlen': int(fields[2], 16),
            'broadcast': None, 'scope': scopes.get(fields[3], fields[3]), 'label': None, 'dynamic': False,
        })
    return result


def compress_ipv6(groups):
    """Eight 4-hex-digit groups -> RFC 5952 text (longest run of zero groups becomes ::)."""
    values = ['%x' % int(group, 16) for group in groups]
    best_start, best_len = -1, 0
    start = None
    for index, value in enumerate(values + ['end']):
        if value == '0':
            start = index if start is None else start
            continue
        if start is not None and index - start > best_len and index - start > 1:
            best_start, best_len = start, index - start
        start = None
    if best_len:
        head = ':'.join(values[:best_start])
        tail = ':'.join(values[best_start + best_len:])
        return head + '::' + tail
    return ':'.join(values)


def parse_ip_route_json(text, family):
    """`ip -j [-6] route show default` -> list of default routes."""
    routes = []
    for route in json.loads(text):
        if route.get('dst') not in ('default', '0.0.0.0/0', '::/0'):
            continue
        routes.append({
            'family': family,
            'gateway': route.get('gateway'),
            'dev': route.get('dev'),
            'metric': to_int(route.get('metric')),
            'protocol': route.get('protocol'),
        })
    return routes


def parse_ip_route_text(text, family):
    """`ip [-6] route show default` text -> list of default routes."""
    routes = []
    for line in text.splitlines():
        tokens = line.split()
        if not tokens or tokens[0] != 'default':
            continue
        # "default via GW dev DEV proto P metric M onlink": take the word after each keyword
        values = dict((token, tokens[i + 1]) for i, token in enumerate(tokens[:-1])
                      if token in ('via', 'dev', 'proto', 'metric'))
        routes.append({
            'family': family,
            'gateway': values.get('via'),
            'dev': values.get('dev'),
            'metric': to_int(values.get('metric')),
            'protocol': values.get('proto'),
        })
    return routes


def parse_proc_net_route(text):
    """/proc/net/route (IPv4) -> default routes; addresses there are little-endian hex."""
    routes = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or fields[1] != '00000000' or fields[7] != '00000000':
            continue
        raw = int(fields[2], 16)
        gateway = '.'.join(str((raw >> shift) & 0xff) for shift in (0, 8, 16, 24))
        routes.append({'family': 'inet', 'gateway': gateway if raw else None, 'dev': fields[0],
                       'metric': to_int(fields[6]), 'protocol': None})
    return routes


# --------------------------------------------------------------------------- system files

def parse_shell_assignments(text):
    """KEY=value lines with shell quoting (os-release, sysconfig files, selinux/config)."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#') or '=' not in line:
            continue
        key, _sep, value = line.partition('=')
        key = key.strip()
        if key.startswith('export '):
            key = key[len('export '):].strip()
        value = value.strip()
        quote = value[0] if len(value) >= 2 and value[0] == value[-1] and value[0] in ('"', "'") else None
        if quote:
            value = value[1:-1]
            if quote == '"':
                value = re.sub(r'\\(["\\$`])', r'\1', value)
        else:
            value = value.split(' #')[0].strip()
        values[key] = value
    return values


def parse_os_release(text):
    """/etc/os-release -> the keys a rebuild cares about (os-release(5) names, lower case)."""
    values = parse_shell_assignments(text)
    return {
        'id': values.get('ID'),
        'id_like': values.get('ID_LIKE'),
        'name': values.get('NAME'),
        'version_id': values.get('VERSION_ID'),
        'version': values.get('VERSION'),
        'pretty_name': values.get('PRETTY_NAME'),
    }


def parse_release_file(text):
    """'Oracle Linux Server release 6.10' / 'Red Hat Enterprise Linux Server release 7.9 (Maipo)'."""
    line = text.strip().splitlines()[0] if text.strip() else ''
    match = re.match(r'^(.*?)\s+release\s+([0-9][0-9.]*)', line)
    if not match:
        return {'id': None, 'id_like': None, 'name': line or None, 'version_id': None, 'version': None,
                'pretty_name': line or None}
    name, version = match.group(1), match.group(2)
    os_id = None
    for words, candidate in (('oracle', 'ol'), ('red hat', 'rhel'), ('centos', 'centos')):
        if words in name.lower():
            os_id = candidate
            break
    return {'id': os_id, 'id_like': None, 'name': name, 'version_id': version, 'version': version,
            'pretty_name': line}


def parse_hostname_file(text):
    """/etc/hostname: the first line that is not a comment."""
    for line in text.splitlines():
        line = line.split('#')[0].strip()
        if line:
            return line
    return None


def parse_selinux_config(text):
    values = parse_shell_assignments(text)
    return {'config_mode': values.get('SELINUX'), 'config_type': values.get('SELINUXTYPE')}


# --------------------------------------------------------------------------- collection

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
    text = collector.read(path)
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
    configured = parse_hostname_file(collector.read(collector.root_path('/etc/hostname')) or '')
    if configured is None:
        configured = parse_shell_assignments(collector.read(collector.root_path('/etc/sysconfig/network')) or '').get('HOSTNAME')
    uname = os.uname()
    enforce = collector.read('/sys/fs/selinux/enforce') or collector.read('/selinux/enforce')  # EL6: /selinux
    selinux = {'mode': {'1': 'enforcing', '0': 'permissive'}.get((enforce or '').strip(), 'disabled')}
    selinux.update(parse_selinux_config(collector.read(collector.root_path('/etc/selinux/config')) or ''))
    cmdline = collector.read('/proc/cmdline')
    return {
        'hostname': socket.gethostname() if live else configured,
        'fqdn': socket.getfqdn() if live else None,
        'hostname_configured': configured,
        'os': gather_os(collector),
        'kernel': {'release': uname[2], 'version': uname[3], 'machine': uname[4]},
        'selinux': selinux,
        'firmware': 'uefi' if os.path.isdir('/sys/firmware/efi') else 'bios',
        'cmdline': cmdline.strip() if cmdline is not None else None,
    }


def gather_os(collector):
    """os-release when present (EL7+), else the release files of EL6."""
    release_files = {}
    for path in ('/etc/oracle-release', '/etc/redhat-release', '/etc/system-release'):
        text = collector.read(collector.root_path(path))
        if text is not None:
            release_files[path] = text.strip()
    for path in ('/etc/os-release', '/usr/lib/os-release'):
        text = collector.read(collector.root_path(path))
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
    if 'system' in wanted:
        layout['system'] = gather_system(collector)
    layout['warnings'] = collector.warnings
    layout['tools_missing'] = collector.tools_missing
    return layout


def layout_json(layout):
    """The side-car text: stable key order so that unchanged facts give an unchanged file."""
    return json.dumps(layout, indent=2, sort_keys=True, separators=(',', ': ')) + '\n'
