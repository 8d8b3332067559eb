# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""System files: os-release, release files, hostname files, SELinux config.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible_collections.exalogic.backup.plugins.module_utils._host.shellvars import parse_shell_assignments


def parse_os_release(text):
    """/etc/os-release -> the keys a rebuild cares about (os-release(5) names, lower case)."""
    values = parse_shell_assignments(text)
    return {
        'id': values.get('ID'),
        'id_like': values.get('ID_LIKE'),
        'name': values.get('NAME'),
        'version_id': values.get('VERSION_ID'),
        'version': values.get('VERSION'),
        'pretty_name': values.get('PRETTY_NAME'),
    }


def parse_release_file(text):
    """'Oracle Linux Server release 6.10' / 'Red Hat Enterprise Linux Server release 7.9 (Maipo)'."""
    line = text.strip().splitlines()[0] if text.strip() else ''
    match = re.match(r'^(.*?)\s+release\s+([0-9][0-9.]*)', line)
    if not match:
        return {'id': None, 'id_like': None, 'name': line or None, 'version_id': None, 'version': None,
                'pretty_name': line or None}
    name, version = match.group(1), match.group(2)
    os_id = None
    for words, candidate in (('oracle', 'ol'), ('red hat', 'rhel'), ('centos', 'centos')):
        if words in name.lower():
            os_id = candidate
            break
    return {'id': os_id, 'id_like': None, 'name': name, 'version_id': version, 'version': version,
            'pretty_name': line}


def parse_hostname_file(text):
    """/etc/hostname: the first line that is not a comment."""
    for line in text.splitlines():
        line = line.split('#')[0].strip()
        if line:
            return line
    return None


def parse_selinux_config(text):
    values = parse_shell_assignments(text)
    return {'config_mode': values.get('SELINUX'), 'config_type': values.get('SELINUXTYPE')}
