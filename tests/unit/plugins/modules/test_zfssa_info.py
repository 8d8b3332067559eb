# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import sys

from ansible_collections.exalogic.backup.plugins.modules import zfssa_info
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.zfssa_fake import (
    CONNECTION, FakeAppliance, answer, not_found, run_zfssa_module)

API = '/api/storage/v1'
GOLD = {'name': 'gold', 'status': 'online'}
SILVER = {'name': 'silver', 'status': 'online'}
BACKUPS = {'name': 'backups', 'pool': 'gold', 'collection': 'local'}
OTHER = {'name': 'other', 'pool': 'silver', 'collection': 'local'}
VS01 = {'name': 'vs01', 'pool': 'gold', 'project': 'backups', 'collection': 'local'}
VS02 = {'name': 'vs02', 'pool': 'silver', 'project': 'other', 'collection': 'local'}
REPLICA = {'name': 'vs09', 'pool': 'gold', 'project': 'remote', 'collection': 'replication'}
SNAPS = [{'name': 'nightly-1', 'pool': 'gold', 'project': 'backups', 'creation': '20240102T01:00:00'},
         {'name': 'nightly-0', 'pool': 'gold', 'project': 'backups', 'creation': '20240101T01:00:00'},
         {'name': 'manual', 'pool': 'gold', 'project': 'backups', 'share': 'vs01', 'creation': '20240103T01:00:00'},
         {'name': 'x', 'pool': 'silver', 'project': 'other', 'creation': '20240101T01:00:00'}]
ACTION = {'id': 'a1', 'pool': 'gold', 'project': 'backups', 'target': 'dr', 'last_result': 'success'}


def full_appliance():
    return FakeAppliance({
        ('GET', API + '/pools'): answer({'pools': [GOLD, SILVER]}),
        ('GET', API + '/projects'): answer({'projects': [BACKUPS, OTHER]}),
        ('GET', API + '/pools/gold/projects'): answer({'projects': [BACKUPS]}),
        ('GET', API + '/filesystems'): answer({'filesystems': [VS01, VS02, REPLICA]}),
        ('GET', API + '/pools/gold/projects/backups/filesystems'): answer({'filesystems': [VS01]}),
        ('GET', API + '/snapshots'): answer({'snapshots': SNAPS}),
        ('GET', API + '/pools/gold/projects/backups/automatic'): answer({'automatic': [
            {'id': 'automatic-000', 'frequency': 'day', 'hour': '01', 'minute': '00', 'keep': 7}]}),
        ('GET', API + '/pools/gold/projects/backups/filesystems/vs01/automatic'): answer({'automatic': []}),
        ('GET', API + '/pools/silver/projects/other/automatic'): answer({'automatic': []}),
        ('GET', API + '/pools/silver/projects/other/filesystems/vs02/automatic'): answer({'automatic': []}),
        ('GET', API + '/replication/targets'): answer({'targets': [{'label': 'dr'}]}),
        ('GET', API + '/replication/actions'): answer({'actions': [dict(ACTION)]}),
        ('GET', API + '/replication/actions/a1/schedules'): answer({'schedules': [{'id': 'schedule-000', 'frequency': 'hour', 'minute': '05'}]}),
        ('GET', API + '/replication/sources'): answer({'sources': [{'name': 'primary', 'asn': 'asn-p'}]}),
        ('GET', API + '/replication/sources/primary'): answer({'source': {'name': 'primary', 'packages': [{'id': 'p1'}]}}),
    })


def run(args, appliance, monkeypatch):
    return run_zfssa_module(zfssa_info.main, dict(CONNECTION, **args), monkeypatch, appliance)


def test_default_reads_pools_projects_and_shares_in_three_requests(monkeypatch):
    appliance = full_appliance()
    result, failed = run({}, appliance, monkeypatch)
    assert not failed, result
    assert result['changed'] is False
    assert appliance.requests() == [('GET', API + '/pools'), ('GET', API + '/projects'), ('GET', API + '/filesystems')]
    data = result['appliance']
    assert data['gathered'] == ['pools', 'projects', 'filesystems']
    assert [p['name'] for p in data['pools']] == ['gold', 'silver']
    assert [f['name'] for f in data['filesystems']] == ['vs01', 'vs02', 'vs09']
    assert 'snapshots' not in data
    assert appliance.writes() == []


def test_all_reads_every_subset_reusing_lists(monkeypatch):
    appliance = full_appliance()
    result, failed = run({'gather_subset': ['all'], '_ansible_check_mode': True}, appliance, monkeypatch)
    assert not failed, result
    data = result['appliance']
    assert data['gathered'] == list(zfssa_info.SUBSETS)
    assert data['schedules'] == [{'id': 'automatic-000', 'frequency': 'day', 'hour': '01', 'minute': '00', 'keep': 7,
                                  'pool': 'gold', 'project': 'backups', 'share': None}]
    assert data['replication_actions'][0]['schedules'][0]['frequency'] == 'hour'
    assert data['replication_sources'][0]['packages'] == [{'id': 'p1'}]
    paths = [p for m, p in appliance.requests()]
    assert paths.count(API + '/projects') == 1 and paths.count(API + '/filesystems') == 1
    # the replicated share (collection replication) has no local schedules to read
    assert API + '/pools/gold/projects/remote/filesystems/vs09/automatic' not in paths
    assert len(paths) == 13
    assert appliance.writes() == []


def test_negated_subset_is_left_out():
    assert zfssa_info.resolve_subsets(['all', '!schedules', '!snapshots']) == [
        'pools', 'projects', 'filesystems', 'replication_targets', 'replication_actions', 'replication_sources']
    assert zfssa_info.resolve_subsets(['!pools']) == [s for s in zfssa_info.SUBSETS if s != 'pools']


def test_unknown_subset_fails_naming_the_choices(monkeypatch):
    appliance = full_appliance()
    result, failed = run({'gather_subset': ['luns']}, appliance, monkeypatch)
    assert failed
    assert "unknown subset 'luns'" in result['msg'] and 'replication_actions' in result['msg']
    assert appliance.calls == []


def test_pool_and_project_filters_use_the_narrow_lists(monkeypatch):
    appliance = full_appliance()
    args = {'gather_subset': ['projects', 'filesystems', 'snapshots', 'schedules', 'replication_actions'],
            'pool': 'gold', 'project': 'backups'}
    result, failed = run(args, appliance, monkeypatch)
    assert not failed, result
    data = result['appliance']
    assert appliance.requests()[:2] == [('GET', API + '/pools/gold/projects'),
                                        ('GET', API + '/pools/gold/projects/backups/filesystems')]
    assert [s['name'] for s in data['snapshots']] == ['nightly-1', 'nightly-0', 'manual']
    assert [s['project'] for s in data['schedules']] == ['backups']
    assert [a['id'] for a in data['replication_actions']] == ['a1']
    assert len(appliance.requests()) == 7


def test_project_filter_without_pool_searches_every_pool(monkeypatch):
    appliance = full_appliance()
    result, failed = run({'gather_subset': ['projects', 'filesystems'], 'project': 'other'}, appliance, monkeypatch)
    assert not failed
    assert [p['pool'] for p in result['appliance']['projects']] == ['silver']
    assert [f['name'] for f in result['appliance']['filesystems']] == ['vs02']


def test_query_picks_from_the_result(monkeypatch):
    appliance = full_appliance()
    args = {'gather_subset': 'snapshots', 'pool': 'gold', 'project': 'backups',
            'query': "sort_by(snapshots[?!share], &creation)[].name"}
    result, failed = run(args, appliance, monkeypatch)
    assert not failed, result
    assert result['query_result'] == ['nightly-0', 'nightly-1']


def test_bad_query_fails_before_any_request(monkeypatch):
    appliance = full_appliance()
    result, failed = run({'query': 'pools[?'}, appliance, monkeypatch)
    assert failed
    assert result['msg'].startswith('query is not a valid JMESPath expression')
    assert appliance.calls == []


def test_query_without_jmespath_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, 'jmespath', None)  # makes `import jmespath` raise ImportError
    appliance = full_appliance()
    result, failed = run({'query': 'pools[].name'}, appliance, monkeypatch)
    assert failed
    assert 'jmespath' in result['msg'] and 'pip install jmespath' in result['msg']
    assert appliance.calls == []


def test_missing_pool_fails_with_the_request_and_fault(monkeypatch):
    appliance = FakeAppliance({('GET', API + '/pools/bronze/projects'): not_found("pool 'bronze'")})
    result, failed = run({'gather_subset': 'projects', 'pool': 'bronze'}, appliance, monkeypatch)
    assert failed
    assert result['msg'].startswith('Could not read /pools/bronze/projects: GET /api/storage/v1/pools/bronze/projects: HTTP 404')
