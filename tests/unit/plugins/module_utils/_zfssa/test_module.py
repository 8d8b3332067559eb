# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The appliance module skeleton (module_utils/_zfssa/module.py): run order, check mode, the error boundary."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import ZfssaError, zfssa_argument_spec
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.module import (
    InputError, ScopeTask, ZfssaTask, dispatch, run_zfssa_module)
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.zfssa_fake import (
    FakeAppliance, answer, fault, run)

CALLS = []


class QuotaTask(ZfssaTask):
    """A toy task: read a project, plan a quota, write it."""

    def __init__(self, module, client):
        super(QuotaTask, self).__init__(module, client)
        if module.params['quota'] < 0:
            raise InputError('quota: %d is negative; give 0 or more bytes' % module.params['quota'])

    def read(self):
        CALLS.append('read')
        return self.client.get('/pools/gold/projects/p', doing='read project gold/p')['project']

    def plan(self, current):
        CALLS.append('plan')
        return dispatch({'present': self.plan_present}, 'present')(current)

    def plan_present(self, current):
        return {} if current['quota'] == self.params['quota'] else {'quota': self.params['quota']}

    def apply(self, plan):
        CALLS.append('apply')
        if plan:
            self.client.put('/pools/gold/projects/p', plan, doing='change project gold/p')

    def report(self, current, plan):
        return dict(changed=bool(plan), diff=dict(before=current, after=dict(current, **plan)))


def main():
    spec = zfssa_argument_spec()
    spec['quota'] = dict(type='int', default=0)
    run_zfssa_module(AnsibleModule(argument_spec=spec, supports_check_mode=True), QuotaTask)


PROJECT = '/api/storage/v1/pools/gold/projects/p'


def test_read_plan_apply_report_and_check_mode_skips_apply(monkeypatch):
    del CALLS[:]
    appliance = FakeAppliance({('GET', PROJECT): answer({'project': {'quota': 0}}),
                               ('PUT', PROJECT): answer({'project': {'quota': 5}}, 202)})
    result, failed = run(main, appliance, monkeypatch, quota=5)
    assert not failed and result['changed'] and 'diff' not in result
    assert CALLS == ['read', 'plan', 'apply']
    del CALLS[:]
    result, failed = run(main, appliance, monkeypatch, check=True, diff=True, quota=5)
    assert not failed and result['diff']['after'] == {'quota': 5}
    assert CALLS == ['read', 'plan']
    assert [m for m, p, b in appliance.writes()] == ['PUT']


def test_appliance_errors_say_what_the_call_was_doing(monkeypatch):
    appliance = FakeAppliance({('GET', PROJECT): answer({'project': {'quota': 0}}),
                               ('PUT', PROJECT): fault(409, 'ERR_STATE_CHANGED', 'busy')})
    result, failed = run(main, appliance, monkeypatch, quota=5)
    assert failed
    assert result['msg'] == 'Could not change project gold/p: PUT %s: HTTP 409 ERR_STATE_CHANGED: busy' % PROJECT
    assert result['status'] == 409


def test_input_errors_fail_before_any_request(monkeypatch):
    appliance = FakeAppliance()
    result, failed = run(main, appliance, monkeypatch, quota=-1)
    assert failed and result['msg'] == 'quota: -1 is negative; give 0 or more bytes'
    assert appliance.calls == []


class FakeModule(object):
    def __init__(self, **params):
        self.params = params
        self.check_mode = False


def test_scope_task_names_the_owner_and_refuses_dot_names():
    task = ScopeTask(FakeModule(pool='gold', project='backups', filesystem='vs01'), client=None)
    assert task.owner == 'gold/backups/vs01'
    with pytest.raises(InputError) as info:
        ScopeTask(FakeModule(pool='gold', project='..', filesystem=None), client=None)
    assert str(info.value) == "project: '..' cannot name an appliance object: '.' and '..' are not names"


def test_scope_task_explains_a_404_by_the_missing_parent():
    class Client(object):
        def get(self, path, **kwargs):
            return {'pools': [{'name': 'gold'}]}

        def get_or_none(self, path, key, **kwargs):
            return None

    task = ScopeTask(FakeModule(pool='gold', project='nope', filesystem=None), client=Client())
    assert task.explain(ZfssaError('ERR_NOT_FOUND', status=404)) == (
        "project 'nope' does not exist in pool 'gold'; create it first with exalogic.backup.zfssa_project")
    assert task.explain(ZfssaError('ERR_BUSY', status=503)) is None
