# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
from ansible_collections.exalogic.backup.plugins.module_utils._host.ipaddr import compress_ipv6
from ansible_collections.exalogic.backup.plugins.module_utils._layout.network import (
    parse_if_inet6, parse_ip_addr_json, parse_ip_addr_oneline, parse_ip_route_json, parse_ip_route_text,
    parse_proc_net_route)


IP_ADDR_JSON = json.dumps([
    {"ifindex": 1, "ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "mtu": 65536, "operstate": "UNKNOWN",
     "link_type": "loopback", "address": "00:00:00:00:00:00",
     "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8, "scope": "host", "label": "lo"},
                   {"family": "inet6", "local": "::1", "prefixlen": 128, "scope": "host"}]},
    {"ifindex": 2, "ifname": "eth0", "flags": ["BROADCAST", "MULTICAST", "SLAVE", "UP"], "mtu": 9000,
     "master": "bond0", "operstate": "UP", "link_type": "ether", "address": "00:21:f6:00:00:01",
     "permaddr": "00:21:f6:00:00:09", "addr_info": []},
    {"ifindex": 4, "ifname": "bond0", "flags": ["BROADCAST", "MASTER", "UP"], "mtu": 9000, "operstate": "UP",
     "link_type": "ether", "address": "00:21:f6:00:00:01",
     "addr_info": [{"family": "inet", "local": "10.0.0.21", "prefixlen": 24, "broadcast": "10.0.0.255",
                    "scope": "global", "label": "bond0"},
                   {"family": "inet", "local": "10.0.0.99", "prefixlen": 24, "scope": "global", "secondary": True,
                    "label": "bond0:1"},
                   {"family": "inet6", "local": "fe80::221:f6ff:fe00:1", "prefixlen": 64, "scope": "link"}]},
])


# iproute 3.10 (OL7) / 2.6.32 (OL6): `ip -o addr show`
IP_ADDR_ONELINE = """\
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever
2: eth0    inet 10.0.0.21/24 brd 10.0.0.255 scope global noprefixroute eth0\\       valid_lft forever preferred_lft forever
2: eth0    inet 10.0.0.99/24 brd 10.0.0.255 scope global secondary eth0:1\\       valid_lft forever preferred_lft forever
3: eth1.100@eth1    inet 172.16.0.5/16 brd 172.16.255.255 scope global dynamic eth1.100\\       valid_lft 3000sec preferred_lft 3000sec
2: eth0    inet6 fe80::221:f6ff:fe00:1/64 scope link \\       valid_lft forever preferred_lft forever
"""


IP_ROUTE_JSON = '[{"dst":"default","gateway":"10.0.0.1","dev":"bond0","protocol":"static","metric":100,"flags":[]},' \
                '{"dst":"10.0.0.0/24","dev":"bond0","protocol":"kernel","scope":"link","prefsrc":"10.0.0.21","flags":[]}]'


PROC_NET_ROUTE = """\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
"""


IF_INET6 = """\
fd000000000000000000000000000002 04 40 00 82     eth0
fe8000000000000000fc00fffe000001 04 40 20 80     eth0
00000000000000000000000000000001 01 80 10 80       lo
"""


def test_ip_json_addresses_macs_and_bond_members():
    links = parse_ip_addr_json(IP_ADDR_JSON)
    assert links['eth0']['master'] == 'bond0'
    assert links['eth0']['permanent_mac'] == '00:21:f6:00:00:09'
    assert links['eth0']['addresses'] == []
    bond = links['bond0']['addresses']
    assert [(a['family'], a['address'], a['prefixlen']) for a in bond] == [
        ('inet', '10.0.0.21', 24), ('inet', '10.0.0.99', 24), ('inet6', 'fe80::221:f6ff:fe00:1', 64)]
    assert bond[1]['label'] == 'bond0:1'
    assert links['lo']['addresses'][0]['address'] == '127.0.0.1'


def test_ip_oneline_text_of_old_iproute():
    addresses = parse_ip_addr_oneline(IP_ADDR_ONELINE)
    assert sorted(addresses) == ['eth0', 'eth1.100', 'lo']
    eth0 = addresses['eth0']
    assert eth0[0] == {'family': 'inet', 'address': '10.0.0.21', 'prefixlen': 24, 'broadcast': '10.0.0.255',
                       'scope': 'global', 'label': 'eth0', 'dynamic': False}
    assert eth0[1]['label'] == 'eth0:1'
    assert eth0[2]['family'] == 'inet6' and eth0[2]['label'] is None
    assert addresses['eth1.100'][0]['dynamic'] is True


def test_if_inet6_compressed_like_ip_prints_it():
    addresses = parse_if_inet6(IF_INET6)
    assert [(a['address'], a['prefixlen'], a['scope']) for a in addresses['eth0']] == [
        ('fd00::2', 64, 'global'), ('fe80::fc:ff:fe00:1', 64, 'link')]
    assert addresses['lo'][0]['address'] == '::1'
    assert compress_ipv6(['2001', '0db8', '0000', '0000', '0001', '0000', '0000', '0001']) == '2001:db8::1:0:0:1'


def test_default_routes_from_json_text_and_proc():
    assert parse_ip_route_json(IP_ROUTE_JSON, 'inet') == [
        {'family': 'inet', 'gateway': '10.0.0.1', 'dev': 'bond0', 'metric': 100, 'protocol': 'static'}]
    text = "default via 10.0.0.1 dev eth0 proto static metric 100 onlink\n10.0.0.0/24 dev eth0 scope link\n"
    assert parse_ip_route_text(text, 'inet') == [
        {'family': 'inet', 'gateway': '10.0.0.1', 'dev': 'eth0', 'metric': 100, 'protocol': 'static'}]
    assert parse_proc_net_route(PROC_NET_ROUTE) == [
        {'family': 'inet', 'gateway': '192.0.2.1', 'dev': 'eth0', 'metric': 100, 'protocol': None}]
