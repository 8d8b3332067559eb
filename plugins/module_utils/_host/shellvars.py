# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""``KEY=value`` files (os-release, /etc/sysconfig/*, ifcfg-*): shell-style assignments read as a dict.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re


def parse_shell_assignments(text):
    """KEY=value lines with shell quoting (os-release, sysconfig files, selinux/config)."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#') or '=' not in line:
            continue
        key, _sep, value = line.partition('=')
        key = key.strip()
        if key.startswith('export '):
            key = key[len('export '):].strip()
        value = value.strip()
        quote = value[0] if len(value) >= 2 and value[0] == value[-1] and value[0] in ('"', "'") else None
        if quote:
            value = value[1:-1]
            if quote == '"':
                value = re.sub(r'\\(["\\$`])', r'\1', value)
        else:
            value = value.split(' #')[0].strip()
        values[key] = value
    return values
