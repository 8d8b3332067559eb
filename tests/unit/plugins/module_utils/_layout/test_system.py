# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible_collections.exalogic.backup.plugins.module_utils._layout.system import (
    parse_hostname_file, parse_os_release, parse_release_file, parse_selinux_config)


OL8_OS_RELEASE = """\
NAME="Oracle Linux Server"
VERSION="8.9"
ID="ol"
ID_LIKE="fedora"
VARIANT="Server"
VERSION_ID="8.9"
PLATFORM_ID="platform:el8"
PRETTY_NAME="Oracle Linux Server 8.9"
ANSI_COLOR="0;31"
HOME_URL="https://linux.oracle.com/"
"""


SELINUX_CONFIG = """\
# This file controls the state of SELinux on the system.
# SELINUX= can take one of these three values:
SELINUX=enforcing
# SELINUXTYPE= can take one of these three values:
SELINUXTYPE=targeted
"""


def test_os_release_ol8():
    result = parse_os_release(OL8_OS_RELEASE)
    assert (result['id'], result['version_id'], result['id_like']) == ('ol', '8.9', 'fedora')
    assert result['pretty_name'] == 'Oracle Linux Server 8.9'


@pytest.mark.parametrize('text, os_id, version', [
    ('Oracle Linux Server release 6.10\n', 'ol', '6.10'),
    ('Red Hat Enterprise Linux Server release 6.10 (Santiago)\n', 'rhel', '6.10'),
    ('CentOS release 6.5 (Final)\n', 'centos', '6.5'),
])
def test_el6_release_files(text, os_id, version):
    result = parse_release_file(text)
    assert (result['id'], result['version_id']) == (os_id, version)


def test_selinux_config_and_hostname_files():
    assert parse_selinux_config(SELINUX_CONFIG) == {'config_mode': 'enforcing', 'config_type': 'targeted'}
    assert parse_hostname_file('# set by kickstart\nvs1.example.com\n') == 'vs1.example.com'
    assert parse_hostname_file('') is None
