# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host/ipaddr.py: address text as bytes, masks, RFC 5952 text."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._host.ipaddr import (
    ascii_digits, compress_ipv6, format_packed, ipv4_bytes, ipv6_bytes, masked)


@pytest.mark.parametrize('text, packed', [
    ('10.1.0.11', b'\x0a\x01\x00\x0b'),
    ('255.255.255.255', b'\xff\xff\xff\xff'),
    ('256.1.1.1', None),
    ('10.1.0', None),
    ('10.1.0.0011', None),
    (u'10.1.0.\u00b2', None),      # a superscript two is a digit to str.isdigit(), not to an address
    (u'10.1.0.\u0661', None),      # an Arabic-Indic one
    ('10.1.0.-1', None),
    ('', None),
])
def test_ipv4_bytes_accepts_four_ascii_octets_only(text, packed):
    assert ipv4_bytes(text) == packed


def test_ipv6_bytes_and_back():
    packed = ipv6_bytes('fd00:0:0::11')
    assert packed == b'\xfd' + b'\x00' * 14 + b'\x11'
    assert format_packed(packed) == 'fd00::11'
    assert ipv6_bytes('fd00::11%eth0') is None and ipv6_bytes('10.1.0.1') is None


def test_masked_keeps_the_network_part():
    assert format_packed(masked(ipv4_bytes('10.1.7.200'), 22)) == '10.1.4.0'
    assert format_packed(masked(ipv4_bytes('10.1.7.200'), 32)) == '10.1.7.200'
    assert format_packed(masked(ipv6_bytes('fd00:1:2:3::9'), 48)) == 'fd00:1:2::'


@pytest.mark.parametrize('groups, text', [
    (['fd00', '0', '0', '0', '0', '0', '0', '11'], 'fd00::11'),
    (['2001', 'db8', '0', '1', '0', '0', '0', '1'], '2001:db8:0:1::1'),  # the longer run of zeros wins
    (['2001', 'db8', '0', '1', '1', '1', '1', '1'], '2001:db8:0:1:1:1:1:1'),  # one zero group stays
    (['0'] * 8, '::'),
    (['FE80', '0000', '0', '0', '021e', '67ff', 'fe01', '0001'], 'fe80::21e:67ff:fe01:1'),
])
def test_compress_ipv6_follows_rfc_5952(groups, text):
    assert compress_ipv6(groups) == text


@pytest.mark.parametrize('text, expected', [
    ('24', True), ('0', True), ('', False), (u'2\u00b2', False), (u'\u0662\u0664', False), ('-1', False), (' 8', False),
])
def test_ascii_digits_only(text, expected):
    assert ascii_digits(text) is expected
