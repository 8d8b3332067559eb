# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The project-or-share scope shared by the snapshot and replication modules (module_utils/_zfssa/properties.py)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import ZfssaError
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import (
    ScopeTask, scope_label, scope_spec)


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


def test_scope_task_returns_what_the_call_returns():
    task = ScopeTask(FakeModule(pool='gold', project='backups', filesystem='vs01'), client=None)
    assert task.owner == 'gold/backups/vs01'
    assert task.guarded(lambda a, b: a + b, 1, 2) == 3


def test_scope_task_names_the_current_action_when_the_appliance_fails():
    task = ScopeTask(FakeModule(pool='gold', project='backups', filesystem=None), client=None)
    task.action = 'delete snapshot %s@daily' % task.owner

    def refused():
        raise ZfssaError('snapshot is busy', method='DELETE', path='/x', status=409)

    with pytest.raises(Failed) as caught:
        task.guarded(refused)
    failure = caught.value.args[0]
    assert failure['msg'].startswith('Could not delete snapshot gold/backups@daily: ')
    assert 'snapshot is busy' in failure['msg']
    assert failure['status'] == 409


def test_boolean_properties_are_sent_as_json_booleans_whatever_their_spelling():
    from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import (
        COMMON_TYPED, desired_properties)
    params = dict((key, None) for key in COMMON_TYPED)
    params.update(atime='no', properties={'vscan': 'false', 'quota_snap': 'yes', 'rstchown': 1, 'nodestroy': True})
    desired = desired_properties(params, COMMON_TYPED)
    assert desired == {'atime': False, 'vscan': False, 'quota_snap': True, 'rstchown': True, 'nodestroy': True}
    assert all(value is True or value is False for value in desired.values())
