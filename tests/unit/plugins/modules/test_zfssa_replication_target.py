# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.modules import zfssa_replication_target
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.zfssa_fake import (
    CONNECTION, NO_CONTENT, FakeAppliance, answer, fault, run_zfssa_module)

TARGETS = '/api/storage/v1/replication/targets'
DR = {'label': 'dr', 'hostname': 'zfssa-dr.example.com', 'address': '192.0.2.20:216', 'actions': 0,
      'asn': '9d7a7543-ca83-68f5-a8fc-f818f65e1cfc', 'target': 'target-000', 'href': TARGETS + '/dr'}
CREATE = dict(CONNECTION, label='dr', hostname='zfssa-dr.example.com', root_password='peer-Secret1')


def appliance_with(*targets):
    return FakeAppliance({('GET', TARGETS): answer({'targets': list(targets)})})


def run(args, appliance, monkeypatch):
    return run_zfssa_module(zfssa_replication_target.main, args, monkeypatch, appliance)


def test_creates_missing_target_with_exactly_label_hostname_and_password(monkeypatch):
    appliance = appliance_with()
    appliance.route('POST', TARGETS, answer({'target': DR}, 201))
    result, failed = run(dict(CREATE, _ansible_diff=True), appliance, monkeypatch)
    assert not failed, result
    assert result['changed'] is True
    assert appliance.writes() == [('POST', TARGETS, {'label': 'dr', 'hostname': 'zfssa-dr.example.com',
                                                     'root_password': 'peer-Secret1'})]
    assert result['target']['asn'] == DR['asn']
    assert result['diff'] == {'before': {}, 'after': {'label': 'dr', 'hostname': 'zfssa-dr.example.com'}}


def test_existing_target_is_left_alone_and_password_not_sent(monkeypatch):
    appliance = appliance_with(DR)
    result, failed = run(CREATE, appliance, monkeypatch)
    assert not failed, result
    assert result['changed'] is False
    assert appliance.writes() == []
    assert result['target'] == DR
    assert appliance.requests() == [('GET', TARGETS)]


def test_check_mode_create_sends_nothing(monkeypatch):
    appliance = appliance_with()
    result, failed = run(dict(CREATE, _ansible_check_mode=True), appliance, monkeypatch)
    assert not failed
    assert result['changed'] is True
    assert appliance.writes() == []
    assert result['target'] == {'label': 'dr', 'hostname': 'zfssa-dr.example.com'}


def test_create_without_password_fails_before_writing(monkeypatch):
    appliance = appliance_with()
    result, failed = run(dict(CONNECTION, label='dr', hostname='zfssa-dr.example.com'), appliance, monkeypatch)
    assert failed
    assert 'root_password is required' in result['msg']
    assert appliance.writes() == []


def test_changed_hostname_fails_and_tells_to_recreate(monkeypatch):
    appliance = appliance_with(DR)
    result, failed = run(dict(CREATE, hostname='zfssa-dr2.example.com'), appliance, monkeypatch)
    assert failed
    assert 'cannot change' in result['msg'] and 'state: absent' in result['msg']
    assert appliance.writes() == []


def test_update_password_always_sends_only_the_password(monkeypatch):
    appliance = appliance_with(DR)
    appliance.route('PUT', TARGETS + '/dr', answer({'target': DR}, 202))
    result, failed = run(dict(CREATE, update_password='always'), appliance, monkeypatch)
    assert not failed, result
    assert result['changed'] is True
    assert appliance.writes() == [('PUT', TARGETS + '/dr', {'root_password': 'peer-Secret1'})]


def test_update_password_always_in_check_mode_sends_nothing(monkeypatch):
    appliance = appliance_with(DR)
    result, failed = run(dict(CREATE, update_password='always', _ansible_check_mode=True), appliance, monkeypatch)
    assert not failed
    assert result['changed'] is True
    assert appliance.writes() == []


def test_absent_deletes_then_is_idempotent(monkeypatch):
    appliance = appliance_with(DR)
    appliance.route('DELETE', TARGETS + '/dr', NO_CONTENT)
    result, failed = run(dict(CONNECTION, label='dr', state='absent', _ansible_diff=True), appliance, monkeypatch)
    assert not failed, result
    assert result['changed'] is True
    assert appliance.writes() == [('DELETE', TARGETS + '/dr', None)]
    assert result['diff']['before'] == {'label': 'dr', 'hostname': 'zfssa-dr.example.com'}
    assert result['diff']['after'] == {}

    appliance = appliance_with()
    result, failed = run(dict(CONNECTION, label='dr', state='absent'), appliance, monkeypatch)
    assert not failed
    assert result['changed'] is False
    assert appliance.writes() == []


def test_absent_in_check_mode_sends_nothing(monkeypatch):
    appliance = appliance_with(DR)
    result, failed = run(dict(CONNECTION, label='dr', state='absent', _ansible_check_mode=True), appliance, monkeypatch)
    assert not failed
    assert result['changed'] is True
    assert appliance.writes() == []


def test_absent_target_in_use_fails_naming_the_actions(monkeypatch):
    appliance = appliance_with(dict(DR, actions=2))
    result, failed = run(dict(CONNECTION, label='dr', state='absent'), appliance, monkeypatch)
    assert failed
    assert 'used by 2 replication action(s)' in result['msg']
    assert 'zfssa_replication_action' in result['msg']
    assert appliance.writes() == []


def test_refused_peer_password_is_reported_with_the_appliance_fault(monkeypatch):
    appliance = appliance_with()
    appliance.route('POST', TARGETS, fault(400, 'ERR_INVALID_ARG', "replication target 'zfssa-dr' refused root_password"))
    result, failed = run(CREATE, appliance, monkeypatch)
    assert failed
    assert result['msg'].startswith('Could not create replication target dr: POST /api/storage/v1/replication/targets: HTTP 400')
    assert 'refused root_password' in result['msg']
    assert 'peer-Secret1' not in str(result)


def test_hostname_is_the_peer_not_an_alias_of_host():
    spec = zfssa_replication_target.argument_spec()
    assert 'hostname' not in spec['host'].get('aliases', [])
    assert spec['root_password']['no_log'] is True


@pytest.mark.parametrize('state, args, method, body', [
    ('present', dict(update_password='always', root_password='peer-Secret1'), 'PUT', {'root_password': 'peer-Secret1'}),
    ('absent', {}, 'DELETE', None),
])
def test_target_is_changed_and_removed_through_its_href(monkeypatch, state, args, method, body):
    # An appliance whose target href ends in its generated name (target-000), not the label:
    # PUT and DELETE go where the appliance says the object is (issue 12).
    listed = dict(DR, href=TARGETS + '/target-000')
    appliance = appliance_with(listed)
    appliance.route(method, TARGETS + '/target-000', answer({'target': listed}, 202) if method == 'PUT' else NO_CONTENT)
    result, failed = run(dict(CONNECTION, label='dr', state=state, **args), appliance, monkeypatch)
    assert not failed, result
    assert appliance.writes() == [(method, TARGETS + '/target-000', body)]


def test_target_without_a_usable_href_is_addressed_by_its_label(monkeypatch):
    # The OS8.6+ documented form is /replication/targets/{label}; an href under another service
    # (the 2013.1 documents show /service/v1/services/replication/targets/target-000) is not used.
    appliance = appliance_with(dict(DR, href='/service/v1/services/replication/targets/target-000'))
    appliance.route('DELETE', TARGETS + '/dr', NO_CONTENT)
    result, failed = run(dict(CONNECTION, label='dr', state='absent'), appliance, monkeypatch)
    assert not failed, result
    assert appliance.writes() == [('DELETE', TARGETS + '/dr', None)]
