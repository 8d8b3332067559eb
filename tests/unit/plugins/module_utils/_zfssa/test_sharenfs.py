# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa import sharenfs


# ---------------------------------------------------------------------------------------- networks

@pytest.mark.parametrize('given, expected', [
    ('10.0.1.5', '@10.0.1.5/32'),
    ('10.0.1.0/24', '@10.0.1.0/24'),
    ('@10.0.1.0/24', '@10.0.1.0/24'),
    (' 192.168.56.101/24 ', '@192.168.56.101/24'),
    ('0.0.0.0/0', '@0.0.0.0/0'),
    ('fd00::1', '@[fd00::1]/128'),
    ('FD00:0:0::/64', '@[fd00::]/64'),
    ('[fd00::]/48', '@[fd00::]/48'),
    ('::ffff:10.0.0.1', '@[::ffff:10.0.0.1]/128'),
])
def test_network_entry_accepts_hosts_and_cidr_networks(given, expected):
    assert sharenfs.network_entry(given) == expected


@pytest.mark.parametrize('given', [
    '10.0.1', '10.0.1.256', '10.0.1.0/33', '10.0.1.0/', '10.0.1.0/x', 'fd00::/129', 'vs01.example.com',
    '', '1.2.3.4.5', 'fd00:::1', '10.0.0.1/-1',
    u'10.0.1.0/2\u00b2', u'10.0.1.0/\u0662\u0664',  # a superscript two, Arabic-Indic digits: not ASCII digits
])
def test_network_entry_rejects_what_is_not_an_address(given):
    with pytest.raises(ValueError) as err:
        sharenfs.network_entry(given, 'nfs_exceptions[0].network')
    assert str(err.value).startswith('nfs_exceptions[0].network:')


@pytest.mark.parametrize('given, expected', [
    ('@10.0.1.5/24', '@10.0.1.0/24'),       # host bits do not matter for a network
    ('@10.0.1.5', '@10.0.1.5/32'),
    ('@172.16', '@172.16.0.0/16'),          # share_nfs short form: octet-aligned network
    ('@[FD00::1]/64', '@fd00::/64'),
    ('-@10.0.0.0/8', '-@10.0.0.0/8'),
    ('VS01.Example.COM', 'vs01.example.com'),
    ('.example.com', '.example.com'),
    ('@mynet', '@mynet'),
    (u'@1\u00b2', u'@1\u00b2'),             # not ASCII digits: compared as text, never a crash
    (u'@10.0.1.0/\u00b2', '@10.0.1.0/32'),  # an unreadable prefix: the address itself
])
def test_canonical_entry(given, expected):
    assert sharenfs.canonical_entry(given) == expected


# ----------------------------------------------------------------------------------------- parsing

@pytest.mark.parametrize('value, mode, rw, ro, root', [
    ('off', 'off', [], [], []),
    ('on', 'rw', [], [], []),
    ('RW', 'rw', [], [], []),
    ('ro', 'ro', [], [], []),
    ('sec=sys', 'rw', [], [], []),
    ('sec=sys,rw=@10.0.0.2/32', 'none', ['@10.0.0.2/32'], [], []),
    ('sec=sys,ro,rw=@10.0.0.0/24', 'ro', ['@10.0.0.0/24'], [], []),
    ('sec=sys,rw,root=@10.0.0.5/32', 'rw', [], [], ['@10.0.0.5/32']),
    ('rw=@192.168.56.101/24:@192.168.56.1/24', 'none', ['@192.168.56.0/24'], [], []),
    ('sec=sys,rw=@10.0.0.1/32,rw=@10.0.0.2/32,ro=@10.1.0.0/16', 'none', ['@10.0.0.1/32', '@10.0.0.2/32'],
     ['@10.1.0.0/16'], []),
    ('sec=sys,rw=@[fd00::1]/128:@10.0.0.1/32', 'none', ['@10.0.0.1/32', '@fd00::1/128'], [], []),
])
def test_parse_reads_mode_and_exceptions(value, mode, rw, ro, root):
    parsed = sharenfs.parse(value)
    assert parsed['mode'] == mode
    assert sorted(parsed['rw']) == rw
    assert sorted(parsed['ro']) == ro
    assert sorted(parsed['root']) == root


def test_parse_keeps_options_it_does_not_interpret():
    parsed = sharenfs.parse('sec=sys,rw,anon=0,nosuid')
    assert parsed['other'] == set(['anon=0', 'nosuid'])


# -------------------------------------------------------------------------------------- comparison

@pytest.mark.parametrize('first, second', [
    ('sec=sys,rw=@10.0.0.1/32:@10.0.0.2/32', 'sec=sys,rw=@10.0.0.2/32:@10.0.0.1/32'),
    ('sec=sys,rw=@10.0.0.1/32:@10.0.0.2/32', 'rw=@10.0.0.1/32,rw=@10.0.0.2/32,sec=sys'),
    ('sec=sys,rw=@10.0.0.1/32:@10.0.0.2/32', 'rw=@10.0.0.2:@10.0.0.1'),
    ('sec=sys,ro,rw=@10.0.0.0/24,root=@10.0.0.5/32', 'root=@10.0.0.5/32,rw=@10.0.0.0/24,ro,sec=sys'),
    ('sec=sys,rw=@10.0.0.0/24', 'SEC=SYS,RW=@10.0.0.7/24'),
    ('on', 'rw'),
    ('on', 'sec=sys'),
    ('on', 'sec=sys,rw'),
    ('ro', 'sec=sys,ro'),
    ('off', 'OFF'),
    ('sec=sys,rw=@[fd00::1]/128', 'sec=sys,rw=@[FD00:0::1]/128'),
    ('sec=sys,rw=@172.16', 'sec=sys,rw=@172.16.0.0/16'),
])
def test_equivalent_values_compare_equal(first, second):
    assert sharenfs.equivalent(first, second)
    assert sharenfs.canonical(first) == sharenfs.canonical(second)


@pytest.mark.parametrize('first, second', [
    ('sec=sys,rw=@10.0.0.1/32', 'sec=sys,rw=@10.0.0.2/32'),
    ('sec=sys,rw=@10.0.0.1/32', 'sec=sys,ro=@10.0.0.1/32'),
    ('sec=sys,rw=@10.0.0.1/32', 'sec=sys,rw=@10.0.0.1/32,root=@10.0.0.1/32'),
    ('sec=sys,rw=@10.0.0.1/32', 'sec=sys,ro,rw=@10.0.0.1/32'),
    ('sec=sys,rw=@10.0.0.0/24', 'sec=sys,rw=@10.0.0.0/25'),
    ('sec=sys,rw=@10.0.0.1/32', 'sec=krb5,rw=@10.0.0.1/32'),
    ('on', 'off'),
    ('on', 'ro'),
    ('sec=sys,rw', 'sec=sys,rw,anon=0'),
    ('on', None),
])
def test_different_values_do_not_compare_equal(first, second):
    assert not sharenfs.equivalent(first, second)


def test_none_is_only_equivalent_to_none():
    assert sharenfs.equivalent(None, None)
    assert sharenfs.canonical(None) is None


# ---------------------------------------------------------------------------------------- rendering

VS1 = {'network': '10.0.1.5', 'access': 'rw', 'root': True}
VS2 = {'network': '10.0.1.6', 'access': 'rw', 'root': True}
ADMIN_NET = {'network': '10.0.9.0/24', 'access': 'ro'}


@pytest.mark.parametrize('exceptions, default_access, expected', [
    ([], None, 'off'),  # an emptied exception list revokes access; it never opens the share
    ([], 'rw', 'on'),
    ([], 'ro', 'ro'),
    ([], 'none', 'off'),
    ([], 'off', 'off'),
    ([VS1], None, 'sec=sys,rw=@10.0.1.5/32,root=@10.0.1.5/32'),
    ([VS1, VS2], 'none', 'sec=sys,rw=@10.0.1.5/32:@10.0.1.6/32,root=@10.0.1.5/32:@10.0.1.6/32'),
    ([VS1, ADMIN_NET], 'off', 'sec=sys,rw=@10.0.1.5/32,ro=@10.0.9.0/24,root=@10.0.1.5/32'),
    ([ADMIN_NET], 'rw', 'sec=sys,rw,ro=@10.0.9.0/24'),
    ([{'network': '10.0.1.0/24'}], 'ro', 'sec=sys,ro,rw=@10.0.1.0/24'),
    ([{'network': '10.0.1.66', 'access': 'none'}], 'rw', 'sec=sys,rw,none=@10.0.1.66/32'),
    ([{'network': '10.0.1.66', 'access': 'none'}], 'none', 'off'),
    ([{'network': 'fd00::5', 'root': True}], None, 'sec=sys,rw=@[fd00::5]/128,root=@[fd00::5]/128'),
])
def test_render(exceptions, default_access, expected):
    assert sharenfs.render(exceptions, default_access) == expected


@pytest.mark.parametrize('exceptions, default_access', [
    ([VS1, VS2], None), ([VS1, ADMIN_NET], 'rw'), ([ADMIN_NET], 'ro'), ([], 'rw'), ([], 'none'),
    ([{'network': 'fd00::5', 'root': True}, VS1], 'ro'),
])
def test_rendered_values_read_back_as_equivalent_in_any_order(exceptions, default_access):
    forward = sharenfs.render(exceptions, default_access)
    backward = sharenfs.render(list(reversed(exceptions)), default_access)
    assert sharenfs.equivalent(forward, backward)
    shuffled = ','.join(reversed(forward.split(',')))
    assert sharenfs.equivalent(forward, shuffled)


@pytest.mark.parametrize('exceptions, message', [
    ([{'access': 'rw'}], 'nfs_exceptions[0]: each exception needs a network'),
    ([VS1, {'network': 'bad'}], "nfs_exceptions[1].network: 'bad' is not an IPv4 or IPv6 address"),
    ([{'network': '10.0.0.1', 'access': 'write'}], "nfs_exceptions[0].access: 'write' is not one of rw, ro, none"),
    ([{'network': '10.0.0.1', 'access': 'none', 'root': True}], 'nfs_exceptions[0]: root: true needs access rw or ro'),
    ([VS1, {'network': '10.0.1.5/32', 'access': 'ro'}], "nfs_exceptions[1].network: '10.0.1.5/32' is the same network as nfs_exceptions[0]"),
])
def test_render_rejects_bad_exceptions_naming_the_entry(exceptions, message):
    with pytest.raises(ValueError) as err:
        sharenfs.render(exceptions)
    assert str(err.value).startswith(message)


def test_render_rejects_unknown_default_access():
    with pytest.raises(ValueError) as err:
        sharenfs.render([VS1], 'write')
    assert str(err.value).startswith("default_access: 'write'")


def test_exceptions_of_reads_typed_exceptions_back():
    value = sharenfs.render([VS1, ADMIN_NET], 'none')
    assert sharenfs.exceptions_of(value) == [
        {'network': '@10.0.1.5/32', 'access': 'rw', 'root': True},
        {'network': '@10.0.9.0/24', 'access': 'ro', 'root': False},
    ]


@pytest.mark.parametrize('before, after, expected', [
    ('sec=sys,rw=@10.0.1.5/32', 'on', ('none', 'rw')),
    ('off', 'sec=sys,ro,rw=@10.0.1.5/32', ('none', 'ro')),
    ('ro', 'sec=sys,rw,root=@10.0.1.5/32', ('ro', 'rw')),
    (None, 'on', ('none', 'rw')),
    ('sec=sys,rw=@10.0.1.5/32', 'off', None),
    ('on', 'sec=sys,rw=@10.0.1.5/32', None),
    ('on', 'on', None),
    (None, 'sec=sys,rw=@10.0.1.5/32', None),
])
def test_widening_compares_the_access_of_unlisted_clients(before, after, expected):
    assert sharenfs.widening(before, after) == expected
