# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.module_utils._host.shellvars import parse_shell_assignments


def test_shell_assignments_quotes_and_comments():
    values = parse_shell_assignments('A="x \\"y\\""\nB=\'z\'\nC=plain # note\n#D=no\nexport E=1\n')
    assert values == {'A': 'x "y"', 'B': 'z', 'C': 'plain', 'E': '1'}
