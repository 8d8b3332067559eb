# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""The appliance ``sharenfs`` property: typed NFS exceptions in, option string out, and semantic comparison.

``sharenfs`` holds either a plain mode (``off``, ``on``/``rw``, ``ro``) or a comma-separated option
string in the Solaris share_nfs style the appliance is built on, for example::

    sec=sys,ro,rw=@10.0.0.0/24:@10.0.1.5/32,root=@10.0.1.5/32

- a bare ``rw`` or ``ro`` is the mode of every client not listed in an exception;
- with neither bare mode but a ``rw=``/``ro=`` list, unlisted clients get no access;
- ``rw=``, ``ro=``, ``none=`` and ``root=`` take colon-separated access lists; ``@net/len`` is a network.
  A list may also be given as repeated options (``rw=@a,rw=@b``).

The appliance may return the value in another order or spelling than we wrote it, so values are
compared as parsed structures (``equivalent``), never as strings. IPv6 networks are written as
``@[addr]/len`` so that their colons cannot be confused with the list separator (the appliance's
own IPv6 spelling is not documented).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import struct

from ansible_collections.exalogic.backup.plugins.module_utils._host.ipaddr import (
    ascii_digits, format_packed, ipv4_bytes, ipv6_bytes, masked)


ACCESS_MODES = ('rw', 'ro', 'none')
# Global modes a user may ask for; 'off' means the same as 'none' (no access unless listed).
DEFAULT_ACCESS_CHOICES = ('rw', 'ro', 'none', 'off')
LIST_OPTIONS = ('rw', 'ro', 'none', 'root')
PLAIN_MODES = {'off': 'off', 'on': 'rw', 'rw': 'rw', 'ro': 'ro'}


# ------------------------------------------------------------------------------------------ networks

def parse_network(value, option='network'):
    """(address text, prefix length, family) of an IPv4/IPv6 address or CIDR network.

    A host address without ``/len`` means a single host (/32 or /128). A leading ``@`` and IPv6
    brackets are accepted. ValueError naming ``option`` otherwise.
    """
    text = ('%s' % value).strip()
    if text.startswith('@'):
        text = text[1:]
    address, slash, prefix_text = text.partition('/')
    if address.startswith('[') and address.endswith(']'):
        address = address[1:-1]
    packed = ipv4_bytes(address)
    family = 4
    if packed is None:
        packed = ipv6_bytes(address)
        family = 6
    if packed is None:
        raise ValueError("%s: '%s' is not an IPv4 or IPv6 address or network; write it like 10.0.1.0/24, "
                         "10.0.1.5 (one host) or fd00::/64" % (option, value))
    bits = len(packed) * 8
    if not slash:
        return format_packed(packed), bits, family
    if not ascii_digits(prefix_text) or int(prefix_text) > bits:
        raise ValueError("%s: '%s' has an invalid prefix length; use /0 to /%d" % (option, value, bits))
    return format_packed(packed), int(prefix_text), family


def network_entry(value, option='network'):
    """The access-list entry for a network as this module writes it: ``@10.0.1.0/24``, ``@[fd00::]/64``."""
    address, prefix, family = parse_network(value, option)
    if family == 6:
        return '@[%s]/%d' % (address, prefix)
    return '@%s/%d' % (address, prefix)


def _short_ipv4_network(text):
    """Solaris '@172.16' style (octet-aligned, no prefix): (bytes, prefix) or None."""
    parts = text.split('.')
    if not 1 <= len(parts) < 4 or not all(ascii_digits(p) and int(p) < 256 for p in parts):
        return None
    numbers = [int(p) for p in parts] + [0] * (4 - len(parts))
    return struct.pack('!4B', *numbers), 8 * len(parts)


def canonical_entry(entry):
    """Comparable form of one access-list entry: networks masked to their prefix, names lower-cased.

    ``-`` (deny) prefixes are kept. Entries that are not addresses (host names, netgroups, domain
    suffixes, network names) are compared case-insensitively as text.
    """
    text = entry.strip()
    deny = ''
    if text.startswith('-'):
        deny, text = '-', text[1:]
    if not text.startswith('@'):
        return deny + text.lower()
    body = text[1:]
    address, slash, prefix_text = body.partition('/')
    if address.startswith('[') and address.endswith(']'):
        address = address[1:-1]
    packed = ipv4_bytes(address) or ipv6_bytes(address)
    prefix = None
    if packed is None and not slash:
        short = _short_ipv4_network(address)
        if short:
            packed, prefix = short
    if packed is None:
        return deny + text.lower()
    if prefix is None:
        prefix = int(prefix_text) if ascii_digits(prefix_text) else len(packed) * 8
    prefix = min(prefix, len(packed) * 8)
    return '%s@%s/%d' % (deny, format_packed(masked(packed, prefix)), prefix)


# ------------------------------------------------------------------------------------------- parsing

def _split_list(text):
    """Access-list entries of 'a:b:c', keeping IPv6 brackets together ('@[fd00::1]/128:@10.0.0.1')."""
    entries, current, depth = [], '', 0
    for char in text:
        if char == '[':
            depth += 1
        elif char == ']':
            depth = max(0, depth - 1)
        if char == ':' and depth == 0:
            entries.append(current)
            current = ''
        else:
            current += char
    entries.append(current)
    return [e for e in (x.strip() for x in entries) if e]


def parse(value):
    """Structure of a sharenfs value, for comparison and display.

    ``{'mode': 'off'|'rw'|'ro'|'none', 'sec': 'sys', 'rw': set, 'ro': set, 'none': set, 'root': set,
    'other': set}``; list entries are canonical (see canonical_entry); ``other`` keeps options this
    module does not interpret (``anon=0``, ``nosuid`` ...) as lower-cased text.
    """
    text = (value or '').strip()
    result = {'mode': None, 'sec': 'sys', 'other': set()}
    for name in LIST_OPTIONS:
        result[name] = set()
    if text.lower() in PLAIN_MODES:
        result['mode'] = PLAIN_MODES[text.lower()]
        return result
    bare = set()
    for option in (o.strip() for o in text.split(',')):
        if not option:
            continue
        key, has_value, rest = option.partition('=')
        key = key.strip().lower()
        if key in LIST_OPTIONS and has_value:
            result[key].update(canonical_entry(e) for e in _split_list(rest))
        elif key in ('rw', 'ro') and not has_value:
            bare.add(key)
        elif key == 'sec' and has_value:
            result['sec'] = rest.strip().lower()
        else:
            result['other'].add(option.lower())
    if 'ro' in bare:  # with both, share_nfs gives read-only to clients not listed in rw=
        result['mode'] = 'ro'
    elif 'rw' in bare:
        result['mode'] = 'rw'
    elif result['rw'] or result['ro']:
        result['mode'] = 'none'
    else:
        result['mode'] = 'rw'  # no access restriction at all: read-write for everyone
    return result


def _comparable(parsed):
    if parsed['mode'] == 'off':
        return ('off',)
    return (parsed['mode'], parsed['sec'], tuple(sorted(parsed['other'])),
            tuple(tuple(sorted(parsed[name])) for name in LIST_OPTIONS))


def equivalent(first, second):
    """True when two sharenfs values grant the same access (order and spelling do not matter)."""
    if first is None or second is None:
        return first is second
    return _comparable(parse(first)) == _comparable(parse(second))


def canonical(value):
    """A hashable, order-free form of a sharenfs value (equal for equivalent values)."""
    if value is None:
        return None
    return _comparable(parse(value))


# ----------------------------------------------------------------------------------------- rendering

def check_exceptions(exceptions, option='nfs_exceptions'):
    """Validated copies of the exception dicts ({network, access, root}); ValueError naming the entry."""
    checked = []
    seen = {}
    for index, item in enumerate(exceptions or []):
        where = '%s[%d]' % (option, index)
        if not isinstance(item, dict) or not item.get('network'):
            raise ValueError('%s: each exception needs a network, for example {network: 10.0.1.5, access: rw, root: true}' % where)
        access = item.get('access') or 'rw'
        if access not in ACCESS_MODES:
            raise ValueError("%s.access: '%s' is not one of %s" % (where, access, ', '.join(ACCESS_MODES)))
        root = bool(item.get('root'))
        if root and access == 'none':
            raise ValueError('%s: root: true needs access rw or ro; a client without access cannot have root access' % where)
        entry = network_entry(item['network'], '%s.network' % where)
        key = canonical_entry(entry)
        if key in seen:
            raise ValueError("%s.network: '%s' is the same network as %s; give each network once"
                             % (where, item['network'], seen[key]))
        seen[key] = '%s[%d]' % (option, index)
        checked.append({'network': entry, 'access': access, 'root': root})
    return checked


def render(exceptions=None, default_access=None):
    """sharenfs value for a global mode and typed exceptions.

    ``default_access`` is the mode of clients not listed (rw, ro, none/off; default none, also for an
    empty list: a templated list that comes out empty must revoke access, never open the share).
    Without exceptions the plain mode is returned (``on``, ``ro`` or ``off``).
    """
    checked = check_exceptions(exceptions)
    mode = default_access or 'none'
    if mode not in DEFAULT_ACCESS_CHOICES:
        raise ValueError("default_access: '%s' is not one of %s" % (mode, ', '.join(DEFAULT_ACCESS_CHOICES)))
    if mode == 'off':
        mode = 'none'
    if mode == 'none' and not any(e['access'] != 'none' for e in checked):
        checked = []  # nobody gets access: the share is simply not exported
    if not checked:
        return {'rw': 'on', 'ro': 'ro', 'none': 'off'}[mode]
    options = ['sec=sys']
    if mode != 'none':
        options.append(mode)
    for name in ACCESS_MODES:
        entries = [e['network'] for e in checked if e['access'] == name]
        if entries:
            options.append('%s=%s' % (name, ':'.join(entries)))
    roots = [e['network'] for e in checked if e['root']]
    if roots:
        options.append('root=%s' % ':'.join(roots))
    return ','.join(options)


UNLISTED_RANK = {'off': 0, 'none': 0, 'ro': 1, 'rw': 2}


def unlisted_access(value):
    """Access of an NFS client that no exception lists: 'none', 'ro' or 'rw' (None for no value)."""
    if value is None:
        return None
    mode = parse(value)['mode']
    return 'none' if mode == 'off' else mode


def widening(before, after):
    """(before, after) access of unlisted clients when ``after`` grants them more than ``before``, else None.

    ``before`` None (a new object) counts as no access, so creating an open share is reported too.
    """
    old = unlisted_access(before) or 'none'
    new = unlisted_access(after)
    if new is not None and UNLISTED_RANK[new] > UNLISTED_RANK[old]:
        return old, new
    return None


def exceptions_of(value):
    """Typed exceptions ({network, access, root}) read back from a sharenfs value, for return values."""
    parsed = parse(value)
    found = []
    for access in ACCESS_MODES:
        for entry in sorted(parsed[access]):
            found.append({'network': entry, 'access': access, 'root': entry in parsed['root']})
    return found
