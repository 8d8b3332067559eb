# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.module_utils._backup import sidecar


ACLS = """# file: data/f5
# owner: 0
# group: 0
user::rw-
user:1234:r--
group::r--
mask::r--
other::r--

# file: opt/app/my\\040file
# owner: 0
# group: 0
user::rw-
group:50:rwx
mask::rwx
other::---

"""


def test_acl_dump_selection_by_path():
    assert [p for p, _b in sidecar.acl_blocks(ACLS)] == ['data/f5', 'opt/app/my file']
    assert sidecar.select_acls(ACLS, ['opt/app']).startswith('# file: opt/app/my\\040file')
    assert sidecar.select_acls(ACLS, ['opt/ap']) == ''
    assert sidecar.select_acls(ACLS).count('# file:') == 2


def test_capabilities_both_getcap_styles():
    text = 'usr/bin/ping cap_net_raw=ep\nusr/sbin/arping = cap_net_raw+ep\n\n'
    assert sidecar.capability_entries(text) == [('usr/bin/ping', 'cap_net_raw=ep'), ('usr/sbin/arping', 'cap_net_raw+ep')]
    assert sidecar.select_capabilities(text, ['usr/sbin']) == [('usr/sbin/arping', 'cap_net_raw+ep')]
