# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.modules import zfssa_project
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.zfssa_fake import (
    CONNECTION, NO_CONTENT, FakeAppliance, answer, fault, module_args, not_found, run_zfssa_module)

API = '/api/storage/v1'
POOL = API + '/pools/gold'
PROJECTS = POOL + '/projects'
PROJECT = PROJECTS + '/backups'
G = 1024 ** 3

EXISTING = {
    'name': 'backups', 'pool': 'gold', 'quota': 0, 'compression': 'off', 'snapdir': 'hidden', 'atime': True,
    'readonly': False, 'mountpoint': '/export', 'sharenfs': 'on', 'logbias': 'latency',
    'source': {'compression': 'default', 'sharenfs': 'default'},
}


def args(**kwargs):
    return dict(CONNECTION, pool='gold', name='backups', **kwargs)


def run(appliance, monkeypatch, check=False, diff=False, **args):
    params = module_args(dict(pool='gold', name='backups'), check, diff, **args)
    return run_zfssa_module(zfssa_project.main, params, monkeypatch, appliance)


def existing(**changes):
    return dict(EXISTING, **changes)


def appliance_with(project):
    return FakeAppliance({
        ('GET', PROJECT): answer({'project': project}),
        ('GET', API + '/pools'): answer({'pools': [{'name': 'gold'}]}),
        ('PUT', PROJECT): answer({'project': project}, 202),
    })


# ------------------------------------------------------------------------------------------- create

def test_creates_a_missing_project_with_typed_options(monkeypatch):
    created = existing(quota=2048 * G, snapdir='visible')
    appliance = FakeAppliance({
        ('GET', PROJECT): not_found(),
        ('GET', API + '/pools'): answer({'pools': [{'name': 'gold'}]}),
        ('POST', PROJECTS): answer({'project': created}, 201),
    })
    result, failed = run(appliance, monkeypatch, quota='2T', snapdir='visible', atime=False, compression='lz4',
                         mountpoint='/export/backups', nfs_exceptions=[{'network': '10.0.1.5', 'root': True}],
                         diff=True)
    assert not failed, result
    assert result['changed'] is True
    assert appliance.writes() == [('POST', PROJECTS, {
        'name': 'backups', 'quota': 2048 * G, 'snapdir': 'visible', 'atime': False, 'compression': 'lz4',
        'mountpoint': '/export/backups', 'sharenfs': 'sec=sys,rw=@10.0.1.5/32,root=@10.0.1.5/32'})]
    assert result['project'] == created
    assert result['diff']['before'] == {}
    assert result['diff']['after']['quota'] == 2048 * G


def test_empty_exception_list_on_a_project_gives_its_inheriting_shares_no_access(monkeypatch):
    appliance = FakeAppliance({
        ('GET', PROJECT): not_found(),
        ('GET', API + '/pools'): answer({'pools': [{'name': 'gold'}]}),
        ('POST', PROJECTS): answer({'project': existing(sharenfs='off')}, 201),
    })
    result, failed = run(appliance, monkeypatch, nfs_exceptions=[])
    assert not failed, result
    assert appliance.writes() == [('POST', PROJECTS, {'name': 'backups', 'sharenfs': 'off'})]
    assert result['access_widened'] is False


def test_opening_a_restricted_project_to_everyone_is_reported(monkeypatch):
    appliance = appliance_with(existing(sharenfs='sec=sys,rw=@10.0.1.5/32'))
    result, failed = run(appliance, monkeypatch, default_access='rw', diff=True)
    assert not failed, result
    assert appliance.writes() == [('PUT', PROJECT, {'sharenfs': 'on'})]
    assert result['access_widened'] is True
    assert result['diff']['after_header'].startswith('project gold/backups (sharenfs on gives every NFS client')
    assert any('read-write access (before: no access)' in w for w in result['warnings'])


def test_create_in_check_mode_only_reads(monkeypatch):
    appliance = FakeAppliance({
        ('GET', PROJECT): not_found(),
        ('GET', API + '/pools'): answer({'pools': [{'name': 'gold'}]}),
    })
    result, failed = run(appliance, monkeypatch, quota='10G', check=True)
    assert not failed, result
    assert result['changed'] is True
    assert appliance.writes() == []
    assert result['project'] == {'name': 'backups', 'pool': 'gold', 'quota': 10 * G}


def test_unknown_pool_fails_naming_the_pools(monkeypatch):
    appliance = FakeAppliance({
        ('GET', API + '/pools/silver/projects/backups'): not_found(),
        ('GET', API + '/pools'): answer({'pools': [{'name': 'gold'}, {'name': 'platinum'}]}),
    })
    result, failed = run_zfssa_module(zfssa_project.main, dict(CONNECTION, pool='silver', name='backups'),
                                      monkeypatch, appliance)
    assert failed
    assert result['msg'] == ("Could not create project silver/backups: pool 'silver' does not exist on the appliance "
                             "(pools: gold, platinum); set the pool option to one of them")
    assert appliance.writes() == []


def test_pool_check_trusts_the_pool_list(monkeypatch):
    # An appliance (or stand-in) that does not serve GET /pools/<pool> must not make the module claim
    # "pool 'gold' does not exist (pools: gold)".
    appliance = FakeAppliance({
        ('GET', PROJECT): not_found(),
        ('GET', POOL): not_found(),
        ('GET', API + '/pools'): answer({'pools': [{'name': 'gold'}]}),
        ('POST', PROJECTS): answer({'project': existing()}, 201),
    })
    result, failed = run(appliance, monkeypatch)
    assert not failed, result
    assert appliance.requests() == [('GET', PROJECT), ('GET', API + '/pools'), ('POST', PROJECTS)]


def test_unreadable_pool_list_is_reported_as_it_is_not_as_no_pools(monkeypatch):
    appliance = FakeAppliance({
        ('GET', PROJECT): not_found(),
        ('GET', API + '/pools'): fault(500, 'ERR_INTERNAL', 'pool service restarting'),
    })
    result, failed = run(appliance, monkeypatch)
    assert failed
    assert result['msg'] == ('Could not create project gold/backups: GET /api/storage/v1/pools: HTTP 500 ERR_INTERNAL: '
                             'pool service restarting')
    assert 'pools: none' not in result['msg']
    assert appliance.writes() == []


def test_invalid_value_reports_the_appliance_fault(monkeypatch):
    appliance = FakeAppliance({
        ('GET', PROJECT): not_found(),
        ('GET', API + '/pools'): answer({'pools': [{'name': 'gold'}]}),
        ('POST', PROJECTS): fault(400, 'ERR_INVALID_ARG', "recordsize must be a power of two from 512 to 1048576, got 1000"),
    })
    result, failed = run(appliance, monkeypatch, properties={'recordsize': 1000})
    assert failed
    assert result['msg'].startswith('Could not create project gold/backups: POST /api/storage/v1/pools/gold/projects: '
                                    'HTTP 400 ERR_INVALID_ARG: recordsize must be a power of two')
    assert result['status'] == 400


# ------------------------------------------------------------------------------------------- modify

def test_changes_only_what_differs(monkeypatch):
    appliance = appliance_with(existing(quota=10 * G))
    result, failed = run(appliance, monkeypatch, quota='20G', compression='off', atime=True, diff=True,
                         properties={'logbias': 'throughput', 'nodestroy': 'yes'})
    assert not failed, result
    assert appliance.writes() == [('PUT', PROJECT, {'quota': 20 * G, 'logbias': 'throughput', 'nodestroy': True})]
    assert result['diff'] == {
        'before': {'quota': 10 * G, 'logbias': 'latency'},
        'after': {'quota': 20 * G, 'logbias': 'throughput', 'nodestroy': True},
    }


@pytest.mark.parametrize('given, current', [
    ({'quota': '10G'}, {'quota': 10 * G}),
    ({'quota': 10 * G}, {'quota': 10 * G}),
    ({'atime': False}, {'atime': False}),
    ({'sharenfs': 'sec=sys,rw=@10.0.0.1/32:@10.0.0.2/32'}, {'sharenfs': 'sec=sys,rw=@10.0.0.2/32:@10.0.0.1/32'}),
    ({'nfs_exceptions': [{'network': '10.0.0.2', 'root': True}, {'network': '10.0.0.1', 'root': True}]},
     {'sharenfs': 'rw=@10.0.0.1/32:@10.0.0.2/32,root=@10.0.0.1/32:@10.0.0.2/32,sec=sys'}),
    ({'default_access': 'rw'}, {'sharenfs': 'on'}),
    ({'default_access': 'off'}, {'sharenfs': 'off'}),
    ({'properties': {'default_permissions': '0750'}}, {'default_permissions': '750'}),
    ({'properties': {'recordsize': '128K'}}, {'recordsize': 131072}),
])
def test_equal_meaning_is_no_change(monkeypatch, given, current):
    appliance = appliance_with(existing(**current))
    result, failed = run(appliance, monkeypatch, **given)
    assert not failed, result
    assert result['changed'] is False
    assert appliance.writes() == []


def test_modify_in_check_mode_predicts_without_writing(monkeypatch):
    appliance = appliance_with(existing())
    result, failed = run(appliance, monkeypatch, snapdir='visible', check=True, diff=True)
    assert not failed, result
    assert result['changed'] is True
    assert appliance.writes() == []
    assert result['project']['snapdir'] == 'visible'
    assert result['diff'] == {'before': {'snapdir': 'hidden'}, 'after': {'snapdir': 'visible'}}


def test_no_diff_key_without_diff_mode(monkeypatch):
    appliance = appliance_with(existing())
    result, failed = run(appliance, monkeypatch, snapdir='visible')
    assert not failed
    assert 'diff' not in result


# ------------------------------------------------------------------------------------------- delete

def test_deletes_an_empty_project(monkeypatch):
    appliance = FakeAppliance({
        ('GET', PROJECT): answer({'project': existing()}),
        ('GET', PROJECT + '/filesystems'): answer({'filesystems': []}),
        ('DELETE', PROJECT): NO_CONTENT,
    })
    result, failed = run(appliance, monkeypatch, state='absent')
    assert not failed, result
    assert result['changed'] is True
    assert result['project'] is None
    assert appliance.writes() == [('DELETE', PROJECT, None)]


def test_delete_of_a_project_with_shares_needs_force(monkeypatch):
    appliance = FakeAppliance({
        ('GET', PROJECT): answer({'project': existing()}),
        ('GET', PROJECT + '/filesystems'): answer({'filesystems': [{'name': 'vs02'}, {'name': 'vs01'}]}),
        ('DELETE', PROJECT): NO_CONTENT,
    })
    result, failed = run(appliance, monkeypatch, state='absent')
    assert failed
    assert 'project gold/backups still holds 2 share(s): vs01, vs02' in result['msg']
    assert 'set force: true' in result['msg']
    assert appliance.writes() == []

    result, failed = run(appliance, monkeypatch, state='absent', force=True)
    assert not failed, result
    assert result['filesystems'] == ['vs01', 'vs02']
    assert appliance.writes() == [('DELETE', PROJECT, None)]


def test_delete_in_check_mode_and_of_a_missing_project_write_nothing(monkeypatch):
    appliance = FakeAppliance({
        ('GET', PROJECT): answer({'project': existing()}),
        ('GET', PROJECT + '/filesystems'): answer({'filesystems': []}),
    })
    result, failed = run(appliance, monkeypatch, state='absent', check=True)
    assert not failed and result['changed'] is True
    assert appliance.writes() == []

    gone = FakeAppliance({('GET', PROJECT): not_found()})
    result, failed = run(gone, monkeypatch, state='absent')
    assert not failed and result['changed'] is False
    assert gone.writes() == []


# -------------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize('given, message', [
    ({'quota': 'lots'}, "quota: 'lots' is not a size"),
    ({'nfs_exceptions': [{'network': '10.0.0.300'}]}, "nfs_exceptions[0].network: '10.0.0.300' is not an IPv4"),
    ({'properties': {'name': 'other'}}, 'properties.name: set the name with its own option'),
    ({'quota': '1G', 'properties': {'quota': 5}}, 'properties.quota is also set by an option'),
    ({'properties': {'atime': 'maybe'}}, "properties.atime: 'maybe' is not a boolean"),
    ({'sharenfs': ' '}, "sharenfs: an empty value is not allowed; use 'off'"),
])
def test_bad_input_fails_before_any_request(monkeypatch, given, message):
    appliance = FakeAppliance()
    result, failed = run(appliance, monkeypatch, **given)
    assert failed
    assert result['msg'].startswith(message)
    assert appliance.requests() == []


def test_sharenfs_and_nfs_exceptions_are_mutually_exclusive(monkeypatch):
    appliance = FakeAppliance()
    result, failed = run(appliance, monkeypatch, sharenfs='on', nfs_exceptions=[{'network': '10.0.0.1'}])
    assert failed
    assert 'mutually exclusive' in result['msg']
    assert appliance.requests() == []


@pytest.mark.parametrize('body', [b'[]', b'"backups"', b'{"project": ["backups"]}'])
def test_an_answer_of_the_wrong_shape_fails_clearly_without_a_traceback(monkeypatch, body):
    appliance = FakeAppliance({('GET', PROJECT): (200, {'Content-Type': 'application/json'}, body)})
    result, failed = run(appliance, monkeypatch)
    assert failed
    assert result['msg'].startswith('Could not read project gold/backups: GET %s: HTTP 200 the answer ' % PROJECT)
    assert appliance.writes() == []


@pytest.mark.parametrize('name', ['..', '.'])
def test_dot_names_are_refused_before_any_request(monkeypatch, name):
    appliance = FakeAppliance()
    result, failed = run(appliance, monkeypatch, name=name)
    assert failed
    assert "'%s' cannot name an appliance object" % name in result['msg']
    assert appliance.calls == []


def test_validate_certs_false_gives_one_warning_per_run(monkeypatch):
    appliance = appliance_with(existing())
    result, failed = run(appliance, monkeypatch, validate_certs=False)
    assert not failed, result
    assert [w for w in result['warnings'] if 'validate_certs is false' in w] == [result['warnings'][0]]
    assert len(result['warnings']) == 1
