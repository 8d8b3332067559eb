# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Lossless bytes <-> text for configuration files, the same on Python 2.7 and 3.

Configuration files on old hosts may hold Latin-1 or other non-UTF-8 bytes. The parsers work on
text, so bytes that are not UTF-8 become lone surrogates U+DC80..U+DCFF (Python 3's
``surrogateescape``) and go back to the same bytes when the file is written. Results that leave
the module must not hold lone surrogates (ansible-core refuses them, strict JSON readers too):
``escape_undecodable`` writes such bytes the way fstab(5) writes special characters (``\\351``).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
import sys

PY2 = sys.version_info[0] == 2

if PY2:
    _unichr = unichr  # noqa: F821 pylint: disable=undefined-variable
    text_type = unicode  # noqa: F821 pylint: disable=undefined-variable
else:
    _unichr = chr
    text_type = str

# a low surrogate that is not the second half of a pair (Python 2 narrow builds store pairs)
_ESCAPED_BYTE = re.compile(u'(?<![\ud800-\udbff])[\udc80-\udcff]')

# well-formed UTF-8 (RFC 3629: no surrogates, no overlongs); used where surrogateescape is missing
_UTF8_RUN = re.compile(
    b'(?:[\x00-\x7f]|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}'
    b'|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2})+')


def decode_bytes(data):
    """Text for ``data``; bytes that are not UTF-8 become lone surrogates (nothing is lost)."""
    if isinstance(data, text_type):
        return data
    if not PY2:
        return data.decode('utf-8', 'surrogateescape')
    parts = []
    position = 0
    for match in _UTF8_RUN.finditer(data):
        parts.extend(_unichr(0xdc00 + ord(byte)) for byte in data[position:match.start()])
        parts.append(match.group(0).decode('utf-8'))
        position = match.end()
    parts.extend(_unichr(0xdc00 + ord(byte)) for byte in data[position:])
    return u''.join(parts)


def encode_text(text):
    """The bytes ``decode_bytes`` read ``text`` from."""
    if not isinstance(text, text_type):
        return text
    if not PY2:
        return text.encode('utf-8', 'surrogateescape')
    parts = []
    position = 0
    for match in _ESCAPED_BYTE.finditer(text):
        parts.append(text[position:match.start()].encode('utf-8'))
        parts.append(chr(ord(match.group(0)) - 0xdc00))
        position = match.end()
    parts.append(text[position:].encode('utf-8'))
    return b''.join(parts)


def has_undecodable(text):
    """True when ``text`` holds bytes that were not UTF-8."""
    return bool(_ESCAPED_BYTE.search(text))


def escape_undecodable(text):
    """``text`` with every non-UTF-8 byte written as a 3-digit octal escape (``\\351``)."""
    return _ESCAPED_BYTE.sub(lambda match: u'\\%03o' % (ord(match.group(0)) - 0xdc00), text)
