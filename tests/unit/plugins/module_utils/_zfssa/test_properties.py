# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Project and share properties and the project-or-share scope options (module_utils/_zfssa/properties.py).

The scope task itself (ScopeTask) is tested in test_module.py."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import scope_label, scope_spec


class Failed(Exception):
    pass


class FakeModule(object):
    def __init__(self, **params):
        self.params = params

    def fail_json(self, **kwargs):
        raise Failed(kwargs)


def test_scope_label_names_the_share_only_when_given():
    assert scope_label('gold', 'backups') == 'gold/backups'
    assert scope_label('gold', 'backups', '') == 'gold/backups'
    assert scope_label('gold', 'backups', 'vs01') == 'gold/backups/vs01'


def test_scope_spec_requires_pool_and_project_and_accepts_share_for_filesystem():
    spec = scope_spec()
    assert spec['pool']['required'] and spec['project']['required']
    assert spec['filesystem'] == dict(type='str', aliases=['share'])


def test_boolean_properties_are_sent_as_json_booleans_whatever_their_spelling():
    from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import (
        COMMON_TYPED, desired_properties)
    params = dict((key, None) for key in COMMON_TYPED)
    params.update(atime='no', properties={'vscan': 'false', 'quota_snap': 'yes', 'rstchown': 1, 'nodestroy': True})
    desired = desired_properties(params, COMMON_TYPED)
    assert desired == {'atime': False, 'vscan': False, 'quota_snap': True, 'rstchown': True, 'nodestroy': True}
    assert all(value is True or value is False for value in desired.values())
