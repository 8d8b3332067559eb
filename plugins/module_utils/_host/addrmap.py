# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""The explicit maps the remap modules apply: old address -> new address, old MAC -> new MAC.

Addresses are compared as addresses, not as text (``10.0.0.01`` is not an address; ``fd00::0:1`` and
``fd00::1`` are the same one). An IPv6 zone index (``fe80::1%eth0``) in a map key matches only that
zone; a key without a zone matches the address in any zone, and the zone is kept. A value may carry
a prefix length (``10.2.0.5/23``) for files that also hold the prefix (ifcfg PREFIX, keyfile
address1); elsewhere only the address is written. Building a map checks every pair and raises
ValueError naming the parameter and the bad item, so nothing is changed on bad input.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible_collections.exalogic.backup.plugins.module_utils._host.ipaddr import ipv4_bytes, ipv6_bytes

_MAC = re.compile(r'[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\Z|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){19}\Z')


def parse_address(text):
    """(family, packed, zone) of an IPv4/IPv6 address text, zone None when absent; None if not an address."""
    if not isinstance(text, str) and not _is_text(text):
        return None
    address, _sep, zone = text.partition('%')
    if _sep and not zone:
        return None
    packed = ipv4_bytes(address)
    if packed is not None and not zone:
        return 4, packed, None
    packed = ipv6_bytes(address) if ':' in address else None
    if packed is not None:
        return 6, packed, zone or None
    return None


def _is_text(value):
    try:
        return isinstance(value, unicode)  # noqa: F821 pylint: disable=undefined-variable
    except NameError:
        return False


def _split_prefix(text, family):
    """(address, prefix or None) of 'addr' or 'addr/prefix'."""
    address, sep, prefix = ('%s' % (text,)).partition('/')
    if not sep:
        return address, None
    limit = 32 if family == 4 else 128
    if not re.match(r'[0-9]{1,3}\Z', prefix) or int(prefix) > limit:
        return address, -1
    return address, int(prefix)


class AddressMap(object):
    """old -> new addresses; ``lookup`` answers for one address text of a file."""

    def __init__(self, mapping, parameter='address_map'):
        self._exact = {}
        self._any_zone = {}
        self.parameter = parameter
        for old, new in sorted((mapping or {}).items()):
            old_parsed = parse_address('%s' % (old,))
            if old_parsed is None:
                raise ValueError('%s: key %r is not an IPv4 or IPv6 address (write it without a prefix, '
                                 'for example 10.1.0.5 or fe80::1%%eth0)' % (parameter, old))
            new_address, prefix = _split_prefix(new, old_parsed[0])
            new_parsed = parse_address(new_address)
            if new_parsed is None or prefix == -1:
                raise ValueError('%s: value %r for %s is not an address (optionally with /prefix)'
                                 % (parameter, new, old))
            if new_parsed[0] != old_parsed[0]:
                raise ValueError('%s: %s is IPv%d but its new address %s is IPv%d; map each family to itself'
                                 % (parameter, old, old_parsed[0], new, new_parsed[0]))
            target = (new_address, prefix)
            family, packed, zone = old_parsed
            table, key = (self._any_zone, (family, packed)) if zone is None else (self._exact, (family, packed, zone))
            if key in table:
                raise ValueError('%s: %s is listed twice (two keys are the same address)' % (parameter, old))
            table[key] = target

    def __len__(self):
        return len(self._exact) + len(self._any_zone)

    def lookup(self, text):
        """(new address text, new prefix or None) for ``text``, or None when it is not mapped."""
        parsed = parse_address(text)
        if parsed is None:
            return None
        family, packed, zone = parsed
        if (family, packed, zone) in self._exact:
            return self._exact[(family, packed, zone)]
        if (family, packed) in self._any_zone:
            address, prefix = self._any_zone[(family, packed)]
            if zone and '%' not in address:
                address = '%s%%%s' % (address, zone)
            return address, prefix
        return None

    def new_address(self, text):
        """The new address text for ``text`` (no prefix), or None."""
        found = self.lookup(text)
        return found[0] if found else None


def normalize_mac(text):
    """Lower-case MAC (Ethernet or 20-byte IPoIB), or None when ``text`` is not one."""
    text = ('%s' % (text,)).strip()
    return text.lower() if _MAC.match(text) else None


class MacMap(object):
    """old NIC MAC -> new NIC MAC, compared case-insensitively (``nic_map``)."""

    def __init__(self, mapping, parameter='nic_map'):
        self._map = {}
        for old, new in sorted((mapping or {}).items()):
            old_mac, new_mac = normalize_mac(old), normalize_mac(new)
            if old_mac is None or new_mac is None:
                bad = old if old_mac is None else new
                raise ValueError('%s: %r is not a MAC address (six or twenty hex pairs separated by colons)'
                                 % (parameter, bad))
            if old_mac in self._map:
                raise ValueError('%s: %s is listed twice (keys differ only in case)' % (parameter, old))
            self._map[old_mac] = new_mac

    def __len__(self):
        return len(self._map)

    def rewritten(self, mac):
        """The new MAC for ``mac`` written in its case (a file that writes MACs upper case keeps doing so);
        ``mac`` itself when it already is the new one; None when it is not in the map."""
        mapped = self.lookup(mac)
        if mapped is None or mapped == normalize_mac(mac):
            return None if mapped is None else mac
        return mapped.upper() if mac == mac.upper() else mapped

    def lookup(self, mac):
        """The new MAC (lower case) for ``mac``, or None. A new MAC maps to itself (runs are idempotent)."""
        normalized = normalize_mac(mac)
        if normalized in self._map:
            return self._map[normalized]
        return normalized if normalized in self._map.values() else None
