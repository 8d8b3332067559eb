# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""``70-persistent-net.rules``: the udev rules that give a NIC its name by MAC (Oracle Linux 5/6).

A rule is a comma-separated list of ``KEY{attr}op"value"`` items. The MAC is matched by
``ATTR{address}==`` (older files: ``SYSFS{address}==``); udev compares it as text, and sysfs shows
lower case, so MACs are compared case-insensitively and written in lower case. A rebuild rebinds the
old names to the new NICs' MACs (``nic_map``); a rule for an old NIC that is not in the map is
commented out (or removed), so it does not hold a name the new NIC needs.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible_collections.exalogic.backup.plugins.module_utils._host.addrmap import normalize_mac
from ansible_collections.exalogic.backup.plugins.module_utils._host.rawtext import decode_bytes, encode_text

_LINE = re.compile(r'[^\n]*\n|[^\n]+$')
_ITEM = re.compile(r'[ \t]*([A-Za-z_]+(?:\{[^}]*\})?)[ \t]*(==|!=|\+=|-=|:=|=)[ \t]*"((?:[^"\\]|\\.)*)"[ \t]*(?:,|\Z)')
_MAC_KEYS = ('ATTR{address}', 'SYSFS{address}')


class RuleLine(object):
    def __init__(self, raw, number):
        self.raw = raw
        self.number = number
        body = raw.rstrip('\r\n')
        self.items = []
        if not body.strip(' \t') or body.lstrip(' \t').startswith('#'):
            return
        position = 0
        while position < len(body):
            match = _ITEM.match(body, position)
            if not match or match.end() == position:
                self.items = []  # not a rule this parser understands: left alone
                return
            self.items.append(match)
            position = match.end()

    def _item(self, keys, operator):
        for match in self.items:
            if match.group(1) in keys and match.group(2) == operator:
                return match
        return None

    @property
    def mac(self):
        match = self._item(_MAC_KEYS, '==')
        return match.group(3) if match else None

    @property
    def name(self):
        match = self._item(('NAME',), '=') or self._item(('NAME',), ':=')
        return match.group(3) if match else None

    def set_mac(self, mac):
        match = self._item(_MAC_KEYS, '==')
        self.raw = self.raw[:match.start(3)] + mac + self.raw[match.end(3):]
        self.__init__(self.raw, self.number)


def parse_rules(text):
    return [RuleLine(raw, number) for number, raw in enumerate(_LINE.findall(decode_bytes(text)), 1)]


def render_rules(lines):
    return ''.join(line.raw for line in lines)


def render_rules_bytes(lines):
    return encode_text(render_rules(lines))


def remap_rules(lines, mac_map, unmapped='comment'):
    """Rebind MAC rules by ``mac_map``; rules with other MACs: 'comment', 'remove' or 'keep'.

    Returns (new lines, change records with line, name, old, new; new None when commented/removed).
    """
    result, changes = [], []
    for line in lines:
        mac = line.mac
        if mac is None:
            result.append(line)
            continue
        new = mac_map.lookup(mac)
        if new is not None:
            if new != mac:
                line.set_mac(new)
                changes.append({'line': line.number, 'name': line.name, 'old': mac, 'new': new})
            result.append(line)
        elif unmapped == 'keep' or normalize_mac(mac) is None:
            result.append(line)
        else:
            changes.append({'line': line.number, 'name': line.name, 'old': mac, 'new': None, 'action': unmapped})
            if unmapped == 'comment':
                result.append(RuleLine('# ' + line.raw, line.number))
    return result, changes


def rules_facts(text):
    """MAC-to-name rules: [{mac (lower case), name}]."""
    return [{'mac': normalize_mac(line.mac) or line.mac, 'name': line.name}
            for line in parse_rules(text) if line.mac is not None]
