# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Network: ``ip`` JSON/one-line output, /proc/net/if_inet6 and route tables.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

from ansible_collections.exalogic.backup.plugins.module_utils._host.ipaddr import compress_ipv6
from ansible_collections.exalogic.backup.plugins.module_utils._layout.values import to_int


IP_ADDRESS_FLAGS = frozenset((
    'secondary', 'primary', 'dynamic', 'noprefixroute', 'deprecated', 'tentative', 'permanent',
    'home', 'nodad', 'mngtmpaddr', 'temporary', 'optimistic', 'dadfailed', 'stable-privacy',
))


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


def default_route(family, gateway, dev, metric, protocol):
    """One default route as the layout records it, whichever form of `ip route` it was read from."""
    return {'family': family, 'gateway': gateway, 'dev': dev, 'metric': to_int(metric), 'protocol': protocol}


def parse_ip_route_json(text, family):
    """`ip -j [-6] route show default` -> list of default routes."""
    routes = []
    for route in json.loads(text):
        if route.get('dst') not in ('default', '0.0.0.0/0', '::/0'):
            continue
        routes.append(default_route(family, route.get('gateway'), route.get('dev'), route.get('metric'),
                                    route.get('protocol')))
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
        routes.append(default_route(family, values.get('via'), values.get('dev'), values.get('metric'),
                                    values.get('proto')))
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
        routes.append(default_route('inet', gateway if raw else None, fields[0], fields[6], None))
    return routes
