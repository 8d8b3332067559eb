# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.module_utils._backup import sidecar


ACLS = b"""# file: data/f5
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
# flags: s--
user::rw-
group:50:rwx\t#effective:r-x
mask::r-x
other::---

"""


def test_acl_entries_drop_owner_group_and_flags_lines():
    entries, problems = sidecar.acl_entries(ACLS)
    assert problems == []
    assert [name for name, _text in entries] == [b'data/f5', b'opt/app/my file']
    assert entries[1][1] == b'user::rw-\ngroup:50:rwx\nmask::r-x\nother::---\n'
    assert b'owner' not in b''.join(text for _name, text in entries)
    assert sidecar.select(entries, [b'opt/app']) == entries[1:]
    assert sidecar.select(entries, ['opt/ap']) == []


def test_acl_entries_refuse_names_that_leave_the_root_and_bad_entry_lines():
    data = (b'# file: ../../etc/shadow\nuser::rw-\n\n# file: /etc/sudoers\nuser::rw-\n\n'
            b'# file: opt/app/../../../x\nuser::rw-\n\n# file: ok\nuser::rw-\nsomething else\n\n'
            b'# file: x\\377y\nuser::rw-\n\n')
    entries, problems = sidecar.acl_entries(data)
    assert entries == [(b'x\xffy', b'user::rw-\n')]
    assert len(problems) == 4 and 'something else' in problems[3]


def test_capabilities_both_getcap_styles_and_several_clauses():
    data = (b'usr/bin/ping cap_net_raw=ep\nusr/sbin/arping = cap_net_raw+ep\n\n'
            b'my file mixed cap_net_admin=i cap_net_raw+p\n')
    entries, problems = sidecar.capability_entries(data)
    assert problems == []
    assert entries == [(b'usr/bin/ping', b'cap_net_raw=ep'), (b'usr/sbin/arping', b'cap_net_raw+ep'),
                       (b'my file mixed', b'cap_net_admin=i cap_net_raw+p')]
    assert sidecar.select(entries, ['usr/sbin']) == [(b'usr/sbin/arping', b'cap_net_raw+ep')]


def test_capabilities_refuse_bad_text_and_escaping_names():
    entries, problems = sidecar.capability_entries(
        b'usr/bin/ls cap_setuid=ep;rm\n../../usr/bin/python3 cap_setuid=ep\n/usr/bin/x cap_setuid=ep\n')
    assert entries == [] and len(problems) == 3


def test_getcap_output_is_matched_to_the_names_asked_for():
    names = [b'mixed', b'a b', b'x\xff']
    out = b'mixed cap_net_admin=i cap_net_raw+p\na b = cap_net_raw+ep\nx\xff cap_sys_admin=ep\n'
    assert sidecar.parse_getcap_output(out, names) == [
        b'mixed cap_net_admin=i cap_net_raw+p', b'a b cap_net_raw+ep', b'x\xff cap_sys_admin=ep']
