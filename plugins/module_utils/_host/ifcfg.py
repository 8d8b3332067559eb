# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""network-scripts ``ifcfg-*`` files read and rewritten in place (Oracle Linux 5-8).

An ifcfg file is a list of shell assignments (see shellvars). ``IfcfgFile`` keeps every line as
written; ``set`` replaces only the value of the last assignment of a key (the one sh keeps), so
quotes, comments and the order of the other lines stay byte for byte; ``remove`` drops it.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible_collections.exalogic.backup.plugins.module_utils._host.rawtext import decode_bytes, encode_text
from ansible_collections.exalogic.backup.plugins.module_utils._host.shellvars import quote_value, scan_line

_LINE = re.compile(r'[^\n]*\n|[^\n]+$')
# keys that hold one address (IPADDR, IPADDR0, GATEWAY2, DNS1, IPV6_DEFAULTGW, ...)
ADDRESS_KEY = re.compile(r'(?:IPADDR|GATEWAY|DNS)[0-9]*\Z|IPV6_DEFAULTGW\Z')
# keys that hold address[/prefix] items separated by spaces
IPV6_KEY = re.compile(r'IPV6ADDR(?:_SECONDARIES)?\Z')


def _prefix_key(address_key):
    """The PREFIX/NETMASK keys that go with IPADDR<n>."""
    suffix = address_key[len('IPADDR'):]
    return 'PREFIX' + suffix, 'NETMASK' + suffix


def prefix_to_netmask(prefix):
    bits = (0xffffffff << (32 - prefix)) & 0xffffffff
    return '.'.join(str((bits >> shift) & 0xff) for shift in (24, 16, 8, 0))


class IfcfgFile(object):
    """The lines of one ifcfg file; ``values`` is what sh would see."""

    def __init__(self, text):
        self.lines = _LINE.findall(decode_bytes(text))

    def _assignments(self):
        for index, line in enumerate(self.lines):
            for assignment in scan_line(line.rstrip('\r\n')):
                yield index, assignment

    @property
    def values(self):
        return dict((assignment.key, assignment.value) for _index, assignment in self._assignments())

    def get(self, key, default=None):
        return self.values.get(key, default)

    def _last(self, key):
        found = None
        for index, assignment in self._assignments():
            if assignment.key == key:
                found = (index, assignment)
        return found

    def set(self, key, value):
        """Set ``key``; a new key is appended at the end. True when the text changed."""
        if self.get(key) == value:
            return False
        found = self._last(key)
        if found is None:
            if self.lines and not self.lines[-1].endswith('\n'):
                self.lines[-1] += '\r\n' if self.lines[-1].endswith('\r') else '\n'
            self.lines.append('%s=%s\n' % (key, quote_value(value)))
            return True
        index, assignment = found
        line = self.lines[index]
        self.lines[index] = line[:assignment.start] + quote_value(value) + line[assignment.end:]
        return True

    def remove(self, key):
        """Remove every assignment of ``key`` (a line left empty goes away). True when something was removed."""
        removed = False
        while True:
            found = self._last(key)
            if found is None:
                return removed
            index, assignment = found
            line = self.lines[index]
            body = line.rstrip('\r\n')
            start = assignment.start - len(key) - 1
            rest = (body[:start] + body[assignment.end:]).strip(' \t')
            if not rest or rest.startswith('export') and not rest[6:].strip(' \t'):
                del self.lines[index]
            else:
                end = assignment.end
                while end < len(body) and body[end] in ' \t':
                    end += 1
                self.lines[index] = line[:start] + line[end:]
            removed = True

    def render(self):
        return ''.join(self.lines)

    def render_bytes(self):
        return encode_text(self.render())


def remap_ifcfg(ifcfg, address_map, mac_map, unmapped_mac='drop', drop_uuid=True):
    """Apply the maps to one IfcfgFile; change records (key, old, new; new None when removed).

    Addresses: IPADDR<n>, GATEWAY<n>, DNS<n>, IPV6ADDR, IPV6ADDR_SECONDARIES, IPV6_DEFAULTGW. A new
    address with /prefix also sets PREFIX<n> (or NETMASK<n> when the file uses that). HWADDR: rebound
    by ``mac_map``; a MAC not in the map is dropped ('drop') or kept ('keep'). UUID ties the file
    to an old NetworkManager profile and is dropped when ``drop_uuid``.
    """
    changes = []

    def record(key, old, new):
        changes.append({'key': key, 'old': old, 'new': new})

    for key, value in sorted(ifcfg.values.items()):
        if ADDRESS_KEY.match(key):
            found = address_map.lookup(value)
            if found and found[0] != value:
                ifcfg.set(key, found[0])
                record(key, value, found[0])
            if found and found[1] is not None and key.startswith('IPADDR'):
                _set_prefix(ifcfg, key, found[1], record)
        elif IPV6_KEY.match(key):
            items = [_remap_ipv6_item(item, address_map) for item in value.split()]
            new = ' '.join(items)
            if new != ' '.join(value.split()):
                ifcfg.set(key, new)
                record(key, value, new)
    hwaddr = ifcfg.get('HWADDR')
    if hwaddr:
        new_mac = mac_map.rewritten(hwaddr)
        if new_mac and new_mac != hwaddr:
            ifcfg.set('HWADDR', new_mac)
            record('HWADDR', hwaddr, new_mac)
        elif new_mac is None and unmapped_mac == 'drop':
            ifcfg.remove('HWADDR')
            record('HWADDR', hwaddr, None)
    if drop_uuid and ifcfg.get('UUID') is not None:
        record('UUID', ifcfg.get('UUID'), None)
        ifcfg.remove('UUID')
    return changes


def _set_prefix(ifcfg, address_key, prefix, record):
    prefix_key, netmask_key = _prefix_key(address_key)
    if ifcfg.get(netmask_key) is not None and ifcfg.get(prefix_key) is None:
        key, value = netmask_key, prefix_to_netmask(prefix)
    else:
        key, value = prefix_key, '%d' % prefix
    old = ifcfg.get(key)
    if old != value:
        ifcfg.set(key, value)
        record(key, old, value)


def _remap_ipv6_item(item, address_map):
    address, sep, prefix = item.partition('/')
    found = address_map.lookup(address)
    if not found:
        return item
    new_prefix = '%d' % found[1] if found[1] is not None else prefix
    return found[0] + ('/' + new_prefix if (sep or found[1] is not None) else '')


def ifcfg_facts(text):
    """What a rebuild needs to know of one interface file (values as sh reads them)."""
    values = IfcfgFile(text).values
    wanted = ('DEVICE', 'NAME', 'TYPE', 'BOOTPROTO', 'ONBOOT', 'NM_CONTROLLED', 'HWADDR', 'MACADDR', 'UUID',
              'MASTER', 'SLAVE', 'BONDING_OPTS', 'BONDING_MASTER', 'MTU', 'CONNECTED_MODE', 'PKEY', 'PHYSDEV',
              'VLAN', 'BRIDGE', 'IPV6INIT', 'IPV6ADDR', 'IPV6ADDR_SECONDARIES', 'IPV6_DEFAULTGW', 'DOMAIN')
    facts = dict((key.lower(), values[key]) for key in wanted if key in values)
    for key in sorted(values):
        if re.match(r'(?:IPADDR|PREFIX|NETMASK|GATEWAY|DNS)[0-9]*\Z', key):
            facts[key.lower()] = values[key]
    return facts
