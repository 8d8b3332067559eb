# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""What a rebuild knows of the old host's network and volumes, read from the (alternate) root's files.

Unlike the rest of the layout (which asks the running kernel and tools), everything here comes from
configuration files under ``root``, so a backed-up tree describes the host it came from: /etc/hosts,
resolv.conf, static routes, each interface with the tool that manages it (network-scripts or
NetworkManager), ONBOOT/autoconnect, bonds (mode, options, primary), IPoIB (mode, pkey children),
MAC-to-name udev rules, and LVM VG/LV names and sizes from etc/lvm/backup (written by LVM on every
change, so present when the tools are not).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible_collections.exalogic.backup.plugins.module_utils._host import textfile
from ansible_collections.exalogic.backup.plugins.module_utils._host.hosts import hosts_to_dict
from ansible_collections.exalogic.backup.plugins.module_utils._host.ifcfg import ifcfg_facts
from ansible_collections.exalogic.backup.plugins.module_utils._host.nm_keyfile import keyfile_facts
from ansible_collections.exalogic.backup.plugins.module_utils._host.rawtext import escape_undecodable
from ansible_collections.exalogic.backup.plugins.module_utils._host.udev_rules import rules_facts

SCRIPTS = '/etc/sysconfig/network-scripts'
KEYFILES = '/etc/NetworkManager/system-connections'
UDEV_RULES = '/etc/udev/rules.d/70-persistent-net.rules'
LVM_BACKUP = '/etc/lvm/backup'
_IFCFG = re.compile(r'ifcfg-[A-Za-z0-9_.:@-]+\Z')
_ROUTE = re.compile(r'route6?-[A-Za-z0-9_.:@-]+\Z')
_BACKUP = re.compile(r'(?:\.bak|\.orig|\.rpmnew|\.rpmsave|~)\Z')


def parse_resolv_conf(text):
    """{nameservers, search} of resolv.conf(5): the last search/domain line wins."""
    nameservers, search = [], []
    for line in text.splitlines():
        words = line.split('#', 1)[0].split(';', 1)[0].split()
        if len(words) >= 2 and words[0] == 'nameserver':
            nameservers.append(words[1])
        elif len(words) >= 2 and words[0] in ('search', 'domain'):
            search = words[1:]
    return {'nameservers': nameservers, 'search': search}


def parse_route_file(name, text):
    """Static routes of a route-<dev>/route6-<dev> file (both the ip-command and the ADDRESSn= formats)."""
    device = name.split('-', 1)[1]
    routes = []
    values = {}
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        match = re.match(r'(ADDRESS|NETMASK|GATEWAY|METRIC)([0-9]+)=(.*)\Z', line)
        if match:
            values.setdefault(match.group(2), {})[match.group(1).lower()] = match.group(3).strip('"\'')
        elif line:
            words = line.split()
            route = {'device': device, 'to': words[0]}
            for key in ('via', 'dev', 'metric', 'table', 'src'):
                if key in words[1:-1]:
                    route[key] = words[words.index(key, 1) + 1]
            routes.append(route)
    for index in sorted(values, key=int):
        item = values[index]
        to = item.get('address')
        if item.get('netmask'):
            to = '%s/%s' % (to, item['netmask'])
        route = {'device': device, 'to': to}
        if item.get('gateway'):
            route['via'] = item['gateway']
        if item.get('metric'):
            route['metric'] = item['metric']
        routes.append(route)
    return routes


def bond_options(text):
    """BONDING_OPTS ('mode=1 miimon=100 primary=eth0') as a dict."""
    return dict(item.split('=', 1) for item in (text or '').split() if '=' in item)


_BOND_MODES = {'0': 'balance-rr', '1': 'active-backup', '2': 'balance-xor', '3': 'broadcast',
               '4': '802.3ad', '5': 'balance-tlb', '6': 'balance-alb'}


def interface_from_ifcfg(name, text, networkmanager_installed):
    facts = ifcfg_facts(text)
    device = facts.get('device') or name[len('ifcfg-'):]
    controlled = (facts.get('nm_controlled') or 'yes').lower() not in ('no', 'false', 'n', '0')
    interface = {'name': device, 'file': '%s/%s' % (SCRIPTS, name), 'config': facts,
                 'managed_by': 'NetworkManager' if (controlled and networkmanager_installed) else 'network-scripts',
                 'onboot': (facts.get('onboot') or 'yes').lower() in ('yes', 'true', 'y', '1')}
    if facts.get('bonding_opts') is not None or (facts.get('type') or '').lower() == 'bond':
        options = bond_options(facts.get('bonding_opts'))
        mode = options.get('mode')
        interface['bond'] = {'mode': _BOND_MODES.get(mode, mode), 'options': options, 'primary': options.get('primary')}
    if (facts.get('type') or '').lower() == 'infiniband' or re.match(r'ib[0-9]', device):
        interface['ipoib'] = {'mode': 'connected' if (facts.get('connected_mode') or '').lower() == 'yes' else 'datagram',
                              'pkey': facts.get('pkey', '').lower() == 'yes', 'parent': facts.get('physdev')}
    return interface


def interface_from_keyfile(name, text):
    facts = keyfile_facts(text)
    interface = {'name': facts.get('interface_name') or facts.get('id') or name, 'file': '%s/%s' % (KEYFILES, name),
                 'config': facts, 'managed_by': 'NetworkManager',
                 'onboot': (facts.get('autoconnect') or 'true').lower() not in ('false', 'no', '0')}
    if facts.get('type') == 'bond':
        options = facts.get('bond_options') or {}
        interface['bond'] = {'mode': _BOND_MODES.get(options.get('mode'), options.get('mode')), 'options': options,
                             'primary': options.get('primary')}
    if facts.get('type') == 'infiniband':
        interface['ipoib'] = {'mode': facts.get('ipoib_mode', 'datagram'), 'pkey': 'pkey' in facts,
                              'parent': facts.get('parent')}
    return interface


def _lvm_tokens(text):
    # LVM metadata: name = value, name { ... }, values are numbers, "strings" or [lists]
    return re.findall(r'"(?:[^"\\]|\\.)*"|[A-Za-z0-9_.+-]+|[{}=\[\],]', re.sub(r'#[^\n]*', '', text))


def _lvm_parse(tokens, position=0):
    node = {}
    while position < len(tokens):
        token = tokens[position]
        if token == '}':
            return node, position + 1
        if position + 1 < len(tokens) and tokens[position + 1] == '{':
            node[token], position = _lvm_parse(tokens, position + 2)
        elif position + 2 < len(tokens) and tokens[position + 1] == '=':
            value = tokens[position + 2]
            position += 3
            if value == '[':
                items = []
                while position < len(tokens) and tokens[position] != ']':
                    if tokens[position] != ',':
                        items.append(tokens[position].strip('"'))
                    position += 1
                value, position = items, position + 1
            node[token] = value if isinstance(value, list) else value.strip('"')
        else:
            position += 1
    return node, position


def parse_lvm_backup(text):
    """{name, extent_size (bytes), lvs: [{name, size}]} of one etc/lvm/backup/<vg> file, or None."""
    tree, _end = _lvm_parse(_lvm_tokens(text))
    for vg_name, vg in tree.items():
        if not isinstance(vg, dict) or 'extent_size' not in vg:
            continue
        extent = int(vg['extent_size']) * 512
        lvs = []
        for lv_name, lv in sorted((vg.get('logical_volumes') or {}).items()):
            if not isinstance(lv, dict):
                continue
            extents = sum(int(seg.get('extent_count', 0)) for key, seg in lv.items()
                          if key.startswith('segment') and isinstance(seg, dict))
            lvs.append({'name': lv_name, 'size': extents * extent})
        pvs = sorted(pv.get('device') for pv in (vg.get('physical_volumes') or {}).values()
                     if isinstance(pv, dict) and pv.get('device'))
        return {'name': vg_name, 'extent_size': extent, 'lvs': lvs, 'pvs': pvs}
    return None


def gather_host_config(collector):
    """The host_config section of the layout (see the module docs of layout_info)."""
    def read(path):
        return collector.read(collector.root_path(path))

    def names(path):
        try:
            return textfile.list_dir(collector.root, path)
        except Exception as exc:  # pylint: disable=broad-except
            collector.warn('cannot list %s under %s: %s' % (path, collector.root, exc))
            return []

    result = {}
    hosts = read('/etc/hosts')
    result['hosts'] = hosts_to_dict(hosts) if hosts is not None else None
    resolv = read('/etc/resolv.conf')
    result['dns'] = parse_resolv_conf(resolv) if resolv is not None else None
    nm_installed = 'NetworkManager' in names('/usr/sbin') or bool(names(KEYFILES))
    interfaces, routes = [], []
    for name in names(SCRIPTS):
        if _BACKUP.search(name):
            continue
        text = read('%s/%s' % (SCRIPTS, name)) if (_IFCFG.match(name) or _ROUTE.match(name)) else None
        if text is None:
            continue
        if _IFCFG.match(name):
            interfaces.append(interface_from_ifcfg(name, text, nm_installed))
        else:
            routes.extend(parse_route_file(name, text))
    for name in names(KEYFILES):
        text = read('%s/%s' % (KEYFILES, name)) if name.endswith('.nmconnection') else None
        if text is not None:
            interfaces.append(interface_from_keyfile(name, text))
    static_routes = read('/etc/sysconfig/static-routes')
    if static_routes:
        routes.extend({'legacy': line.strip()} for line in static_routes.splitlines() if line.strip() and not line.startswith('#'))
    result['interfaces'] = interfaces
    result['routes'] = routes
    rules = read(UDEV_RULES)
    result['net_rules'] = rules_facts(rules) if rules is not None else []
    vgs = []
    for name in names(LVM_BACKUP):
        text = read('%s/%s' % (LVM_BACKUP, name))
        if text is not None:
            vg = parse_lvm_backup(text)
            if vg:
                vgs.append(vg)
    result['lvm_backup'] = vgs
    return _json_safe(result)


def _json_safe(value):
    if isinstance(value, dict):
        return dict((key, _json_safe(item)) for key, item in value.items())
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, type(u'')):
        return escape_undecodable(value)
    return value
