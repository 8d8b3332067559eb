"""Replication between two simulators: service, targets, actions, updates, sources, packages."""

import os
import time

import pytest

R = '/replication'
P = '/pools/gold/projects/backups'


def target_body(peer, label='dr', password='peer-secret'):
    return {'hostname': '%s:%d' % (peer.host, peer.port), 'root_password': password, 'label': label}


@pytest.fixture
def pair(sim, peer):
    """Source appliance with project backups (vs01, vs02, a project snapshot) and a target 'dr'."""
    sim.project(mountpoint='/export/backups', snapdir='visible', sharenfs='sec=sys,ro=@10.0.0.0/24')
    for name in ('vs01', 'vs02'):
        sim.share(name)
        os.makedirs(os.path.join(sim.share_path(name), 'etc'))
        with open(os.path.join(sim.share_path(name), 'etc', 'hosts'), 'w', encoding='utf-8') as handle:
            handle.write('hosts of %s\n' % name)
    sim.ok('POST', P + '/snapshots', {'name': 'nightly'})
    sim.ok('POST', R + '/targets', target_body(peer))
    return sim, peer


def wait_idle(sim, action_id, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        action = sim.ok('GET', R + '/actions/' + action_id)['action']
        if action['state'] == 'idle' or time.monotonic() > deadline:
            return action
        time.sleep(0.05)


def new_action(sim, **extra):
    body = dict({'target': 'dr', 'target_pool': 'dr'}, **extra)
    return sim.ok('POST', P + '/replication/actions', body)['action']


def test_replication_service_state(sim):
    status, headers, body = sim.api('GET', '/api/service/v1/services/replication')
    assert status == 200
    assert headers['x-zfssa-service-api'] == '1.0'
    assert body == {'service': {'<status>': 'online', 'href': '/service/v1/services/replication', 'sources': [], 'targets': []}}
    assert sim.api('PUT', '/api/service/v1/services/replication/disable')[0] == 202
    assert sim.api('GET', '/api/service/v1/services/replication')[2]['service']['<status>'] == 'disabled'
    assert sim.api('PUT', '/api/service/v1/services/replication/enable')[0] == 202


def test_targets(sim, peer):
    status, parsed = sim.post(R + '/targets', target_body(peer, password='wrong'))
    assert (status, parsed['fault']['message']) == (400, 'ERR_INVALID_ARG')
    status, headers, body = sim.api('POST', '/api/storage/v1' + R + '/targets', target_body(peer))
    assert status == 201
    assert headers['location'] == '/api/storage/v1/replication/targets/dr'
    assert headers['x-zfssa-replication-api'] == '1.0'
    target = body['target']
    assert target['asn'] == peer.control('GET', 'info')['asn']
    assert 'root_password' not in target
    assert (target['label'], target['actions'], target['target']) == ('dr', 0, 'target-000')
    assert sim.ok('GET', R + '/targets')['targets'] == [target]
    assert sim.ok('GET', R + '/targets/dr')['target'] == target
    assert sim.ok('GET', R + '/targets/target-000')['target'] == target
    assert sim.post(R + '/targets', target_body(peer))[0] == 409
    assert sim.post(R + '/targets', {'hostname': 'x', 'label': 'y'})[0] == 400
    assert sim.api('GET', '/api/service/v1/services/replication/targets/dr')[0] == 200
    assert sim.delete(R + '/targets/dr') == (204, None)
    assert sim.get(R + '/targets/dr')[0] == 404


def test_unreachable_target_is_refused(sim):
    status, parsed = sim.post(R + '/targets', {'hostname': '127.0.0.1:1', 'root_password': 'x', 'label': 'gone'})
    assert (status, parsed['fault']['message']) == (400, 'ERR_INVALID_ARG')


def test_action_create_list_get_modify_delete(pair):
    sim, _peer = pair
    status, headers, body = sim.api('POST', '/api/storage/v1' + P + '/replication/actions', {'target': 'dr', 'target_pool': 'dr'})
    assert status == 201
    action = body['action']
    assert headers['location'] == '/api/storage/v1/replication/actions/' + action['id']
    assert (action['enabled'], action['continuous'], action['include_snaps'], action['max_bandwidth']) == (True, False, True, 0)
    assert (action['state'], action['last_result'], action['last_sync']) == ('idle', '<unknown>', None)
    assert (action['pool'], action['project'], action['target'], action['target_pool']) == ('gold', 'backups', 'dr', 'dr')
    flat_body = {'pool': 'gold', 'project': 'backups', 'share': 'vs01', 'target': 'dr', 'target_pool': 'gold'}
    flat = sim.ok('POST', R + '/actions', flat_body)['action']
    assert flat['share'] == 'vs01'
    assert [a['id'] for a in sim.ok('GET', R + '/actions')['actions']] == sorted([action['id'], flat['id']])
    assert len(sim.ok('GET', P + '/replication/actions')['actions']) == 2
    assert sim.ok('GET', R + '/actions/' + action['id'])['action'] == action
    assert sim.ok('GET', P + '/replication/actions/' + action['id'])['action'] == action
    changed = sim.ok('PUT', R + '/actions/' + action['id'], {'continuous': True, 'max_bandwidth': 1048576})['action']
    assert (changed['continuous'], changed['max_bandwidth']) == (True, 1048576)
    status, parsed = sim.put(R + '/actions/' + action['id'], {'target_pool': 'other'})
    assert (status, parsed['fault']['message']) == (400, 'ERR_INVALID_ARG')
    status, parsed = sim.put(R + '/actions/' + action['id'], {'continuous': 'yes'})
    assert status == 400
    assert sim.ok('PUT', R + '/actions/' + action['id'], {'continuous': 'false'})['action']['continuous'] is False
    assert sim.ok('GET', R + '/targets/dr')['target']['actions'] == 2
    assert sim.delete(R + '/targets/dr')[0] == 403
    assert sim.delete(R + '/actions/' + action['id']) == (204, None)
    assert sim.get(R + '/actions/' + action['id'])[0] == 404


def test_action_errors(pair):
    sim, _peer = pair
    assert sim.post(P + '/replication/actions', {'target': 'dr'})[1]['fault']['message'] == 'ERR_MISSING_ARG'
    assert sim.post(P + '/replication/actions', {'target': 'nope', 'target_pool': 'dr'})[0] == 400
    assert sim.post(R + '/actions', {'pool': 'gold', 'project': 'nope', 'target': 'dr', 'target_pool': 'dr'})[0] == 404
    assert sim.post(P + '/replication/actions', {'target': 'dr', 'target_pool': 'dr', 'colour': 1})[0] == 400


def test_update_copies_shares_and_snapshots_to_the_target(pair):
    sim, peer = pair
    action = new_action(sim)
    sim.configure(replication_delay=0.5)
    status, _headers, body = sim.api('PUT', '/api/storage/v1' + R + '/actions/%s/sendupdate' % action['id'])
    assert status == 202
    assert body['action']['state'] == 'sending'
    assert sim.ok('GET', R + '/actions/' + action['id'])['action']['state'] == 'sending'
    assert sim.put(R + '/actions/%s/sendupdate' % action['id'])[0] == 409
    done = wait_idle(sim, action['id'])
    assert (done['state'], done['last_result'], done['last_sync']) == ('idle', 'success', '20240101T00:00:00')
    assert done['bytes_sent'] > 0
    v2 = sim.call('GET', '/api/storage/v2' + R + '/actions/' + action['id'])[1]['action']
    assert v2['last_sync'] == '2024-01-01T00:00:00Z'

    sources = peer.ok('GET', R + '/sources')['sources']
    info = sim.control('GET', 'info')
    assert [(s['name'], s['asn']) for s in sources] == [(info['nodename'], info['asn'])]
    packages = sources[0]['packages']
    assert [(p['id'], p['project'], p['pool']) for p in packages] == [(action['id'], 'backups', 'dr')]
    source = peer.ok('GET', R + '/sources/' + info['nodename'])['source']
    assert source['packages'] == packages
    pkg_path = R + '/sources/%s/packages/%s' % (info['nodename'], action['id'])
    assert peer.ok('GET', pkg_path)['package'] == packages[0]
    assert peer.ok('GET', R + '/packages/' + action['id'])['package'] == packages[0]
    shares = peer.ok('GET', pkg_path + '/projects/backups/filesystems')['filesystems']
    assert [(s['name'], s['mountpoint'], s['sharenfs']) for s in shares] == [
        ('vs01', '/export/backups/vs01', 'sec=sys,ro=@10.0.0.0/24'), ('vs02', '/export/backups/vs02', 'sec=sys,ro=@10.0.0.0/24')]
    assert [s['name'] for s in peer.ok('GET', pkg_path + '/projects/backups/snapshots')['snapshots']] == ['nightly']
    # nothing is exported on the target until the package is cloned or severed
    assert peer.shares() == []

    status, parsed = peer.get(R + '/packages/%s/clone/conflicts' % action['id'])
    assert (status, parsed) == (200, {'conflicts': 'There are no conflicts.\n'})
    status, parsed = peer.put(R + '/packages/%s/clone' % action['id'], {'target_project': 'drill', 'mountpoint': '/export/drill'})
    assert status == 202
    assert parsed['project']['name'] == 'drill'
    drill = dict((s['name'], s) for s in peer.shares())
    with open(os.path.join(drill['vs01']['path'], 'etc', 'hosts'), encoding='utf-8') as handle:
        assert handle.read() == 'hosts of vs01\n'
    assert drill['vs01']['mountpoint'] == '/export/drill/vs01'


def test_second_update_and_sever(pair):
    sim, peer = pair
    action = new_action(sim)
    sim.ok('PUT', R + '/actions/%s/sendupdate' % action['id'])
    wait_idle(sim, action['id'])
    with open(os.path.join(sim.share_path('vs02'), 'etc', 'hosts'), 'w', encoding='utf-8') as handle:
        handle.write('changed\n')
    sim.ok('POST', P + '/filesystems/vs02/snapshots', {'name': 'after-change'})
    sim.advance(3600)
    sim.ok('PUT', R + '/actions/%s/sendupdate' % action['id'])
    assert wait_idle(sim, action['id'])['last_sync'] == '20240101T01:00:00'
    status, parsed = peer.put(R + '/packages/%s/sever' % action['id'], {'projname': 'backups-dr'})
    assert status == 202
    assert parsed['project']['name'] == 'backups-dr'
    assert peer.get(R + '/packages/' + action['id'])[0] == 404
    severed = dict((s['name'], s) for s in peer.shares())
    with open(os.path.join(severed['vs02']['path'], 'etc', 'hosts'), encoding='utf-8') as handle:
        assert handle.read() == 'changed\n'
    snaps = peer.ok('GET', '/pools/dr/projects/backups-dr/filesystems/vs02/snapshots')['snapshots']
    assert [s['name'] for s in snaps] == ['nightly', 'after-change']
    old = os.path.join(severed['vs02']['path'], '.zfs', 'snapshot', 'nightly', 'etc', 'hosts')
    with open(old, encoding='utf-8') as handle:
        assert handle.read() == 'hosts of vs02\n'
    assert [s['name'] for s in peer.ok('GET', '/pools/dr/projects/backups-dr/snapshots')['snapshots']] == ['nightly']
    # the source's next update fails: the package is gone
    sim.ok('PUT', R + '/actions/%s/sendupdate' % action['id'])
    assert wait_idle(sim, action['id'])['last_result'].startswith('failed')


def test_cancel_update(pair):
    sim, peer = pair
    action = new_action(sim)
    sim.configure(replication_delay=30)
    sim.ok('PUT', R + '/actions/%s/sendupdate' % action['id'])
    assert sim.ok('PUT', R + '/actions/%s/cancelupdate' % action['id'])['action']['id'] == action['id']
    done = wait_idle(sim, action['id'])
    assert (done['state'], done['last_result'], done['last_sync']) == ('idle', 'cancelled', None)
    assert peer.ok('GET', R + '/packages')['packages'] == []


def test_wrong_target_pool_fails_the_update(pair):
    sim, _peer = pair
    action = new_action(sim, target_pool='nosuchpool')
    sim.ok('PUT', R + '/actions/%s/sendupdate' % action['id'])
    result = wait_idle(sim, action['id'])['last_result']
    assert result.startswith('failed') and 'nosuchpool' in result


def test_disabled_action_and_service_refuse_updates(pair):
    sim, _peer = pair
    action = new_action(sim, enabled=False)
    assert sim.put(R + '/actions/%s/sendupdate' % action['id'])[0] == 409
    sim.ok('PUT', R + '/actions/' + action['id'], {'enabled': True})
    sim.api('PUT', '/api/service/v1/services/replication/disable')
    assert sim.put(R + '/actions/%s/sendupdate' % action['id'])[0] == 409


def test_schedules_run_updates_on_the_clock(pair):
    sim, peer = pair
    action = new_action(sim)
    base = R + '/actions/%s/schedules' % action['id']
    status, headers, body = sim.api('POST', '/api/storage/v1' + base, {'frequency': 'hour', 'minute': 30})
    assert status == 201
    assert body['schedule']['id'] == 'schedule-000'
    assert headers['location'] == '/api/storage/v1' + base + '/schedule-000'
    assert sim.ok('GET', base)['schedules'] == [body['schedule']]
    assert sim.ok('PUT', base + '/schedule-000', {'minute': 45})['schedule']['minute'] == '45'
    sim.advance(1800)
    assert sim.ok('GET', R + '/actions/' + action['id'])['action']['last_sync'] is None
    sim.advance(1800)
    assert sim.ok('GET', R + '/actions/' + action['id'])['action']['last_sync'] == '20240101T01:00:00'
    assert [p['id'] for p in peer.ok('GET', R + '/packages')['packages']] == [action['id']]
    assert sim.delete(base + '/schedule-000') == (204, None)


def test_replication_stream_needs_root_credentials(peer):
    for headers in ({}, peer.basic_auth(password='wrong')):
        status, _headers, body = peer.request('PUT', '/_repl/v1/packages/x', None, headers)
        assert (status, body['fault']['code']) == (401, 401)
    assert peer.ok('GET', R + '/packages')['packages'] == []
