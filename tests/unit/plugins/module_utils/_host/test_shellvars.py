# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.module_utils._host.shellvars import parse_shell_assignments


def test_shell_assignments_quotes_and_comments():
    values = parse_shell_assignments('A="x \\"y\\""\nB=\'z\'\nC=plain # note\n#D=no\nexport E=1\n')
    assert values == {'A': 'x "y"', 'B': 'z', 'C': 'plain', 'E': '1'}


def test_quoted_value_followed_by_a_comment_loses_its_quotes():
    # review parsers.md F9: the quotes used to stay when a comment followed
    assert parse_shell_assignments('HOSTNAME="vs01.example.com"   # set by anaconda\n') == {'HOSTNAME': 'vs01.example.com'}
    assert parse_shell_assignments("SELINUXTYPE='targeted' # default\n") == {'SELINUXTYPE': 'targeted'}


def test_shell_words_run_together_and_share_lines():
    assert parse_shell_assignments('A="x""y"\n') == {'A': 'xy'}
    assert parse_shell_assignments('IPADDR=10.0.0.1 NETMASK=255.0.0.0\n') == {'IPADDR': '10.0.0.1', 'NETMASK': '255.0.0.0'}
    assert parse_shell_assignments('BONDING_OPTS="mode=active-backup miimon=100 primary=eth0"\n') == {
        'BONDING_OPTS': 'mode=active-backup miimon=100 primary=eth0'}
    assert parse_shell_assignments('P=a\\ b#c\nQ=\n') == {'P': 'a b#c', 'Q': ''}


def test_lines_that_are_not_assignments_are_ignored():
    assert parse_shell_assignments('echo hi\n  # A=1\n[section]\nkey = value\n') == {}


def test_quote_value_reads_back():
    from ansible_collections.exalogic.backup.plugins.module_utils._host.shellvars import quote_value, scan_line
    for value in ('10.0.0.1', '', 'a b', 'x"y', 'c$d', 'back\\slash', "it's", 'tab\there', '#x'):
        line = 'K=' + quote_value(value) + '  # note'
        assert [(a.key, a.value) for a in scan_line(line)] == [('K', value)]
