# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""NetworkManager keyfiles (``*.nmconnection``, Oracle Linux 8/9) read and rewritten in place.

A keyfile is INI text: ``[section]`` headers, ``key=value`` lines, ``#``/``;`` comments. The same
key appears in several sections (``method`` in [ipv4] and [ipv6]), so values are addressed by
(section, key). Lines keep their text; ``set`` replaces only what follows ``=``.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible_collections.exalogic.backup.plugins.module_utils._host.rawtext import decode_bytes, encode_text

_LINE = re.compile(r'[^\n]*\n|[^\n]+$')
_SECTION = re.compile(r'[ \t]*\[([^\]]*)\][ \t]*\Z')
_KEY_VALUE = re.compile(r'([ \t]*)([^=#;\[ \t][^=]*?)([ \t]*=[ \t]*)(.*)\Z')
# [ipv4]/[ipv6] keys that hold addresses: address1..N ("ip/prefix[,gateway]"), gateway, dns ("a;b;")
_ADDRESS_KEY = re.compile(r'(?:address|addresses)[0-9]*\Z')


class KeyfileLine(object):
    def __init__(self, raw, section):
        self.raw = raw
        self.section = section
        self.key = None
        body = raw.rstrip('\r\n')
        header = _SECTION.match(body)
        if header:
            self.section = header.group(1)
            self.header = True
            return
        self.header = False
        if body.lstrip(' \t').startswith(('#', ';')):
            return
        match = _KEY_VALUE.match(body)
        if match:
            self.key = match.group(2)
            self._value_start = match.start(4)
            self._value_end = len(body)

    @property
    def value(self):
        return self.raw[self._value_start:self._value_end] if self.key is not None else None

    def set_value(self, value):
        if re.search(r'[\r\n]', value):
            raise ValueError('a keyfile value cannot contain a line break: %r' % (value,))
        self.raw = self.raw[:self._value_start] + value + self.raw[self._value_end:]
        self._value_end = self._value_start + len(value)


class Keyfile(object):
    def __init__(self, text):
        self.lines = []
        section = None
        for raw in _LINE.findall(decode_bytes(text)):
            line = KeyfileLine(raw, section)
            section = line.section
            self.lines.append(line)

    def _find(self, section, key):
        found = None
        for line in self.lines:
            if not line.header and line.section == section and line.key == key:
                found = line  # the last one wins, as in GKeyFile
        return found

    def get(self, section, key, default=None):
        line = self._find(section, key)
        return line.value if line is not None else default

    def items(self):
        """(section, key, value) of every key line, in order."""
        return [(line.section, line.key, line.value) for line in self.lines if line.key is not None]

    def set(self, section, key, value):
        line = self._find(section, key)
        if line is None:
            raise KeyError('[%s] %s is not in the keyfile' % (section, key))
        if line.value == value:
            return False
        line.set_value(value)
        return True

    def remove(self, section, key):
        before = len(self.lines)
        self.lines = [line for line in self.lines
                      if line.header or line.section != section or line.key != key]
        return len(self.lines) != before

    def render(self):
        return ''.join(line.raw for line in self.lines)

    def render_bytes(self):
        return encode_text(self.render())


def _remap_address_item(item, address_map):
    """'ip/prefix[,gateway]' or 'ip' with both addresses mapped."""
    parts = item.split(',')
    address, sep, prefix = parts[0].partition('/')
    found = address_map.lookup(address.strip())
    if found:
        prefix = '%d' % found[1] if found[1] is not None else prefix
        parts[0] = found[0] + ('/' + prefix if (sep or found[1] is not None) else '')
    if len(parts) > 1:
        gateway = address_map.new_address(parts[1].strip())
        parts[1] = gateway or parts[1]
    return ','.join(parts)


def remap_keyfile(keyfile, address_map, mac_map, unmapped_mac='drop'):
    """Apply the maps to a Keyfile; change records (section, key, old, new; new None when removed).

    [ipv4]/[ipv6] address<n>, addresses<n>, gateway and dns (``a;b;`` lists) are mapped;
    ``mac-address`` of [ethernet]/[infiniband] is rebound by ``mac_map`` or dropped ('drop') /
    kept ('keep') when its MAC is not in the map, so the profile comes up on the new NIC.
    """
    changes = []
    for section, key, value in keyfile.items():
        new = value
        if section in ('ipv4', 'ipv6') and _ADDRESS_KEY.match(key):
            new = ';'.join(_remap_address_item(item, address_map) if item else item for item in value.split(';'))
        elif section in ('ipv4', 'ipv6') and key == 'gateway':
            new = address_map.new_address(value.strip()) or value
        elif section in ('ipv4', 'ipv6') and key == 'dns':
            new = ';'.join((address_map.new_address(item.strip()) or item) if item else item
                           for item in value.split(';'))
        elif key == 'mac-address' and section in ('ethernet', 'infiniband', '802-3-ethernet'):
            mapped = mac_map.rewritten(value)
            if mapped is None and unmapped_mac == 'drop':
                keyfile.remove(section, key)
                changes.append({'section': section, 'key': key, 'old': value, 'new': None})
                continue
            new = mapped or value
        if new != value:
            keyfile.set(section, key, new)
            changes.append({'section': section, 'key': key, 'old': value, 'new': new})
    return changes


def keyfile_facts(text):
    """What a rebuild needs of one connection profile: id, type, interface, autoconnect, MAC, methods, addresses."""
    keyfile = Keyfile(text)
    facts = {}
    for section, key, name in (('connection', 'id', 'id'), ('connection', 'uuid', 'uuid'), ('connection', 'type', 'type'),
                               ('connection', 'interface-name', 'interface_name'),
                               ('connection', 'autoconnect', 'autoconnect'), ('connection', 'master', 'master'),
                               ('connection', 'slave-type', 'slave_type'), ('ethernet', 'mac-address', 'mac_address'),
                               ('infiniband', 'mac-address', 'mac_address'), ('infiniband', 'transport-mode', 'ipoib_mode'),
                               ('infiniband', 'p-key', 'pkey'), ('infiniband', 'parent', 'parent'),
                               ('bond', 'mode', 'bond_mode'), ('bond', 'primary', 'bond_primary'),
                               ('ipv4', 'method', 'ipv4_method'), ('ipv4', 'dns', 'ipv4_dns'),
                               ('ipv4', 'dns-search', 'ipv4_dns_search'), ('ipv4', 'gateway', 'ipv4_gateway'),
                               ('ipv6', 'method', 'ipv6_method'), ('ipv6', 'dns', 'ipv6_dns')):
        value = keyfile.get(section, key)
        if value is not None:
            facts[name] = value
    bond = dict((key, value) for section, key, value in keyfile.items() if section == 'bond')
    if bond:
        facts['bond_options'] = bond
    for family in ('ipv4', 'ipv6'):
        addresses = [value for section, key, value in keyfile.items()
                     if section == family and _ADDRESS_KEY.match(key)]
        if addresses:
            facts[family + '_addresses'] = addresses
    return facts
