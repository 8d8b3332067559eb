# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host/hosts.py: /etc/hosts parse, facts and remap."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

from ansible_collections.exalogic.backup.plugins.module_utils._host.hosts import hosts_to_dict, parse_hosts, remap_hosts, render_hosts_bytes
from ansible_collections.exalogic.backup.tests.unit.plugins.module_utils._host.rewriter_samples import (
    OL6_HOSTS, ADDRESSES)


def test_hosts_round_trip_and_facts():
    assert render_hosts_bytes(parse_hosts(OL6_HOSTS)) == OL6_HOSTS
    facts = hosts_to_dict(OL6_HOSTS)
    assert [(e['address'], e['names']) for e in facts['entries']][2:5] == [
        ('10.1.0.11', ['vs01.example.com', 'vs01']), ('192.168.10.11', ['vs01-ib.example.com', 'vs01-ib']),
        ('fe80::21e:67ff:fe01:1%eth0', ['vs01-ll'])]
    assert [i['line'] for i in facts['invalid']] == [9]
    json.dumps(facts, ensure_ascii=False).encode('utf-8')


def test_hosts_remap_keeps_tabs_comments_zone_and_order():
    lines = parse_hosts(OL6_HOSTS)
    changes = remap_hosts(lines, ADDRESSES, {'vs01.example.com': 'vs21.example.com', 'VS01': 'vs21'})
    assert render_hosts_bytes(lines) == (
        OL6_HOSTS.replace(b"10.1.0.11   vs01.example.com    vs01   # public",
                          b"10.2.0.21   vs21.example.com    vs21   # public")
        .replace(b"192.168.10.11\tvs01-ib", b"192.168.30.21\tvs01-ib")
        .replace(b"fe80::21e:67ff:fe01:1%eth0", b"fe80::21e:67ff:fe02:2%eth0"))
    assert {'line': 5, 'field': 'address', 'old': '10.1.0.11', 'new': '10.2.0.21'} in changes
    assert len(changes) == 5
    # a second run changes nothing
    assert remap_hosts(lines, ADDRESSES, {'vs01.example.com': 'vs21.example.com'}) == []
