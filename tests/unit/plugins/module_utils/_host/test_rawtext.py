# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host/rawtext.py: bytes -> text -> the same bytes, whatever the file holds."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._host.rawtext import (
    decode_bytes, encode_text, escape_undecodable, has_undecodable)


@pytest.mark.parametrize('data', [
    b'', b'plain ascii\n', b'caf\xc3\xa9 UTF-8', b'caf\xe9 Latin-1', b'\xff\xfe', b'\xed\xa0\x80 (a UTF-8 surrogate)',
    b'\xf0\x9f\x92\xbe four bytes', bytes(bytearray(range(256))),
])
def test_decode_then_encode_gives_the_same_bytes(data):
    text = decode_bytes(data)
    assert encode_text(text) == data


def test_non_utf8_bytes_are_flagged_and_escaped_as_octal():
    text = decode_bytes(b'# appliance, caf\xe9')
    assert has_undecodable(text) and not has_undecodable(decode_bytes(b'caf\xc3\xa9'))
    assert escape_undecodable(text) == u'# appliance, caf\\351'
    assert escape_undecodable(decode_bytes(b'caf\xc3\xa9')) == u'caf\u00e9'
