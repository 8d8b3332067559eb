# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""zfssa_replication_clone against a routed fake appliance: the cases two simulators cannot show easily
(several sources, a release that lists sources without packages, conflicts text, a lost clone answer).
The clone itself between two real simulators is tests/integration/targets/zfssa_replication_clone."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.modules import zfssa_replication_clone
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.zfssa_fake import (
    FakeAppliance, answer, fault, not_found, run)

API = '/api/storage/v1'
SOURCES = API + '/replication/sources'
PKG = {'id': 'p1', 'project': 'backups', 'pool': 'gold', 'href': API + '/replication/sources/prod-a/packages/p1',
       'last_result': 'success'}
OTHER = {'id': 'p2', 'project': 'backups', 'pool': 'gold', 'href': API + '/replication/sources/prod-b/packages/p2'}
PKG_PATH = API + '/replication/sources/prod-a/packages/p1'
PROJECT = API + '/pools/gold/projects/restore'
SHARES = [{'name': 'vs01', 'mountpoint': '/export/backups/vs01'}]
CLONED = [{'name': 'vs01', 'mountpoint': '/export/restore/vs01'}]


def appliance_with(sources, project=None):
    return FakeAppliance({
        ('GET', SOURCES): answer({'sources': sources}),
        ('GET', PROJECT): answer({'project': project}) if project else not_found(),
        ('GET', PKG_PATH + '/projects/backups/filesystems'): answer({'filesystems': SHARES}),
        ('GET', PKG_PATH + '/clone/conflicts'): answer({'conflicts': 'There are no conflicts.\n'}),
        ('GET', PROJECT + '/filesystems'): answer({'filesystems': CLONED}),
    })


def clone(appliance, monkeypatch, **params):
    params.setdefault('project', 'backups')
    params.setdefault('target_project', 'restore')
    return run(zfssa_replication_clone.main, appliance, monkeypatch, **params)


def test_clones_through_the_package_href_with_the_properties_in_appliance_form(monkeypatch):
    appliance = appliance_with([{'name': 'prod-a', 'asn': 'a1', 'packages': [PKG]}])
    appliance.route('PUT', PKG_PATH + '/clone', [(202, {}, b'')])
    # the project appears once the clone ran
    appliance.route('GET', PROJECT, [not_found(), answer({'project': {'name': 'restore', 'pool': 'gold'}})])
    result, failed = clone(appliance, monkeypatch, properties={'mountpoint': '/export/restore', 'readonly': 'yes'})
    assert not failed, result
    assert appliance.writes() == [('PUT', PKG_PATH + '/clone',
                                   {'target_project': 'restore', 'mountpoint': '/export/restore', 'readonly': True})]
    assert result['changed'] and result['filesystems'] == CLONED and result['package']['source'] == 'prod-a'


def test_a_source_listed_without_packages_is_read_on_its_own(monkeypatch):
    appliance = appliance_with([{'name': 'prod-a', 'asn': 'a1'}])
    appliance.route('GET', SOURCES + '/prod-a', answer({'source': {'name': 'prod-a', 'packages': [PKG]}}))
    result, failed = clone(appliance, monkeypatch, check=True)
    assert not failed, result
    assert result['changed'] and result['package']['id'] == 'p1' and appliance.writes() == []


def test_two_sources_need_a_choice_and_source_makes_it(monkeypatch):
    sources = [{'name': 'prod-a', 'asn': 'a1', 'packages': [PKG]}, {'name': 'prod-b', 'asn': 'b1', 'packages': [OTHER]}]
    result, failed = clone(appliance_with(sources), monkeypatch)
    assert failed and '2 replication packages match project backups' in result['msg']
    assert 'set source, package or pool' in result['msg']
    result, failed = clone(appliance_with(sources), monkeypatch, source='prod-a', check=True)
    assert not failed and result['package']['id'] == 'p1', result


def test_conflicts_reported_by_the_appliance_stop_before_any_write(monkeypatch):
    appliance = appliance_with([{'name': 'prod-a', 'packages': [PKG]}])
    appliance.route('GET', PKG_PATH + '/clone/conflicts', answer({'conflicts': 'share vs01: mountpoint in use\n'}))
    result, failed = clone(appliance, monkeypatch)
    assert failed and 'the appliance reports conflicts: share vs01: mountpoint in use' in result['msg'], result
    assert appliance.writes() == []


def test_an_existing_clone_is_kept_and_another_project_is_refused(monkeypatch):
    sources = [{'name': 'prod-a', 'packages': [PKG]}]
    result, failed = clone(appliance_with(sources, project={'name': 'restore'}), monkeypatch)
    assert not failed and not result['changed'] and result['filesystems'] == CLONED, result
    appliance = appliance_with(sources, project={'name': 'restore'})
    appliance.route('GET', PROJECT + '/filesystems', answer({'filesystems': [{'name': 'db'}]}))
    result, failed = clone(appliance, monkeypatch)
    assert failed and 'is not a clone of package p1' in result['msg'] and 'holds the shares db' in result['msg']
    assert appliance.writes() == []


def test_a_lost_clone_answer_meets_its_own_clone(monkeypatch):
    appliance = appliance_with([{'name': 'prod-a', 'packages': [PKG]}])
    appliance.route('PUT', PKG_PATH + '/clone', fault(409, 'ERR_OBJECT_EXISTS', 'project restore exists'))
    appliance.route('GET', PROJECT, [not_found(), answer({'project': {'name': 'restore'}})])
    result, failed = clone(appliance, monkeypatch)
    assert not failed and result['changed'] and result['filesystems'] == CLONED, result


def test_reserved_properties_are_refused_before_any_request(monkeypatch):
    appliance = appliance_with([])
    result, failed = clone(appliance, monkeypatch, properties={'pool': 'dr'})
    assert failed and 'properties must not contain pool' in result['msg']
    assert appliance.requests() == []
