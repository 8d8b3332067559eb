# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""/etc/hosts read and rewritten line by line, keeping every byte that is not changed.

hosts(5): an address, a canonical name and aliases separated by spaces or tabs; ``#`` starts a
comment anywhere on a line. ``render_hosts(parse_hosts(text)) == text`` for any text; a rewrite
replaces one token and keeps the tabs, the comment and the line ending.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible_collections.exalogic.backup.plugins.module_utils._host.addrmap import parse_address
from ansible_collections.exalogic.backup.plugins.module_utils._host.rawtext import decode_bytes, encode_text, escape_undecodable

_LINE = re.compile(r'[^\n]*\n|[^\n]+$')
_TOKEN = re.compile(r'[^ \t]+')


class HostsLine(object):
    """One line; kind is 'entry', 'comment', 'blank' or 'invalid' (``error`` says why)."""

    def __init__(self, raw, number):
        self.raw = raw
        self.number = number
        self.error = None
        self._parse()

    def _parse(self):
        body = self.raw.rstrip('\r\n')
        hash_at = body.find('#')
        data = body if hash_at < 0 else body[:hash_at]
        # (start, end) of each token before the comment
        self._spans = [match.span() for match in _TOKEN.finditer(data)]
        if not self._spans:
            self.kind = 'comment' if hash_at >= 0 else 'blank'
        elif parse_address(self._text(0)) is None:
            self.kind, self.error = 'invalid', '%r is not an IPv4 or IPv6 address' % self._text(0)
        elif len(self._spans) < 2:
            self.kind, self.error = 'invalid', 'an address without a host name'
        else:
            self.kind = 'entry'

    def _text(self, index):
        start, end = self._spans[index]
        return self.raw[start:end]

    @property
    def address(self):
        return self._text(0) if self.kind == 'entry' else None

    @property
    def names(self):
        """Canonical name first, then the aliases."""
        return [self._text(index) for index in range(1, len(self._spans))] if self.kind == 'entry' else []

    def _replace(self, index, value):
        if not value or re.search(r'[ \t\r\n#]', value):
            raise ValueError('%r cannot be written as one /etc/hosts field' % (value,))
        start, end = self._spans[index]
        self.raw = self.raw[:start] + value + self.raw[end:]
        self._parse()

    def set_address(self, address):
        if parse_address(address) is None:
            raise ValueError('%r is not an IPv4 or IPv6 address' % (address,))
        self._replace(0, address)

    def rename(self, name_map):
        """Replace names by ``name_map`` (keys compared case-insensitively); the (old, new) pairs done."""
        done = []
        lowered = dict((key.lower(), value) for key, value in name_map.items())
        for index in range(1, len(self._spans)):
            old = self._text(index)
            new = lowered.get(old.lower())
            if new is not None and new != old:
                self._replace(index, new)
                done.append((old, new))
        return done


def parse_hosts(text):
    """HostsLine objects for hosts ``text`` (text, or the file's bytes)."""
    return [HostsLine(raw, number) for number, raw in enumerate(_LINE.findall(decode_bytes(text)), 1)]


def render_hosts(lines):
    return ''.join(line.raw for line in lines)


def render_hosts_bytes(lines):
    return encode_text(render_hosts(lines))


def remap_hosts(lines, address_map, name_map=None):
    """Apply an AddressMap and a {old name: new name} map; a list of change records (line, what, old, new)."""
    changes = []
    for line in lines:
        if line.kind != 'entry':
            continue
        new = address_map.new_address(line.address)
        if new is not None and new != line.address:
            changes.append({'line': line.number, 'field': 'address', 'old': line.address, 'new': new})
            line.set_address(new)
        for old_name, new_name in line.rename(name_map or {}):
            changes.append({'line': line.number, 'field': 'name', 'old': old_name, 'new': new_name})
    return changes


def hosts_to_dict(text):
    """Facts: entries (line, address, names) and invalid lines (line, text, error)."""
    lines = parse_hosts(text)
    return {
        'entries': [{'line': line.number, 'address': line.address, 'names': [escape_undecodable(name) for name in line.names]}
                    for line in lines if line.kind == 'entry'],
        'invalid': [{'line': line.number, 'text': escape_undecodable(line.raw.rstrip('\r\n')),
                     'error': escape_undecodable(line.error)}
                    for line in lines if line.kind == 'invalid'],
    }
