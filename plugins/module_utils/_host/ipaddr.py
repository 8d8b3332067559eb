# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Address text only (no netaddr: targets do not have it): recognise IPv4/IPv6 text as bytes, mask
to a prefix, format back, and RFC 5952 compression of eight hex groups. The one place for these;
controller-side address arithmetic lives in plugins/filter.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
import socket
import struct

_OCTET = re.compile(r'^[0-9]{1,3}\Z')
_DIGITS = re.compile(r'^[0-9]+\Z')


def ascii_digits(text):
    """True for a prefix length or octet written in ASCII digits (str.isdigit() also takes a superscript two,
    which int() refuses, and Arabic-Indic digits, which int() reads)."""
    return bool(_DIGITS.match(text))


def ipv4_bytes(text):
    """4 bytes of a dotted IPv4 address (all four octets), or None."""
    parts = text.split('.')
    if len(parts) != 4 or not all(_OCTET.match(p) and int(p) < 256 for p in parts):
        return None
    return struct.pack('!4B', *[int(p) for p in parts])


def ipv6_bytes(text):
    try:
        return socket.inet_pton(socket.AF_INET6, text)
    except (socket.error, ValueError, UnicodeError):
        return None


def masked(packed, prefix):
    """The address bytes with every bit after ``prefix`` cleared (the network the address belongs to)."""
    numbers = bytearray(packed)
    for index in range(len(numbers)):
        keep = max(0, min(8, prefix - 8 * index))
        numbers[index] &= (0xff << (8 - keep)) & 0xff
    return bytes(numbers)


def format_packed(packed):
    if len(packed) == 4:
        return '.'.join(str(b) for b in bytearray(packed))
    return socket.inet_ntop(socket.AF_INET6, packed)


def compress_ipv6(groups):
    """Eight 4-hex-digit groups -> RFC 5952 text (longest run of zero groups becomes ::)."""
    values = ['%x' % int(group, 16) for group in groups]
    best_start, best_len = -1, 0
    start = None
    for index, value in enumerate(values + ['end']):
        if value == '0':
            start = index if start is None else start
            continue
        if start is not None and index - start > best_len and index - start > 1:
            best_start, best_len = start, index - start
        start = None
    if best_len:
        head = ':'.join(values[:best_start])
        tail = ':'.join(values[best_start + best_len:])
        return head + '::' + tail
    return ':'.join(values)
