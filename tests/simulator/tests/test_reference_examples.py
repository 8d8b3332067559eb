"""The request/response examples of docs/reference/appliance-api.md §8 that the simulator models, one test each.

The documentation's own quirks are not reproduced (cinder-style snapshot keys, broken Location
paths, the Get-filesystem example that requests a project URL); tests assert the native form.
"""

import os

import pytest

SNAPSHOT_KEYS = {'name', 'id', 'href', 'pool', 'project', 'collection', 'canonical_name', 'type', 'creation',
                 'numclones', 'space_unique', 'space_data'}


def test_8_1_login_and_logout(own_sim):
    sim = own_sim(password='letmein-xxx')
    status, headers, body = sim.request('POST', '/api/access/v1', headers={'X-Auth-User': 'root', 'X-Auth-Key': 'letmein-xxx'})
    assert status == 201
    assert headers['content-type'] == 'application/json'
    assert headers['x-zfssa-access-api'] == '1.0'
    assert list(body) == ['access'] and body['access']['services']
    status, headers, body = sim.request('DELETE', '/api/access/v1', headers={'X-Auth-Session': headers['x-auth-session']})
    assert (status, body, headers['x-zfssa-access-api']) == (204, None, '1.0')


def test_8_2_fault_body(sim):
    status, body = sim.post('/pools/gold/projects', {'name': 'p', 'compression': 'bogus'})
    assert status == 400
    assert set(body) == {'fault'}
    assert set(body['fault']) == {'message', 'details', 'code'}
    assert body['fault']['message'] == 'ERR_INVALID_ARG'
    assert body['fault']['code'] == 400  # the doc example says 500; the simulator sends the HTTP status
    assert 'compression' in body['fault']['details']


def test_8_3_generic_shapes(sim):
    sim.project()
    single = sim.ok('GET', '/pools/gold/projects/backups')
    assert list(single) == ['project'] and single['project']['href'] == '/api/storage/v1/pools/gold/projects/backups'
    listing = sim.ok('GET', '/pools/gold/projects')
    assert list(listing) == ['projects'] and all('href' in p for p in listing['projects'])


def test_8_4_create_project(sim):
    status, headers, body = sim.api('POST', '/api/storage/v1/pools/gold/projects', {'name': 'proj-01', 'sharenfs': 'ro'},
                                    headers={'Accept': 'application/json'})
    assert status == 201
    assert headers['location'] == '/api/storage/v1/pools/gold/projects/proj-01'
    assert body['project']['name'] == 'proj-01' and body['project']['sharenfs'] == 'ro'


def test_8_5_create_and_get_filesystem(sim):
    sim.project('proj-01')
    status, headers, body = sim.api('POST', '/api/storage/v1/pools/gold/projects/proj-01/filesystems', {'name': 'share-01', 'owner': 'joe'})
    assert status == 201
    assert headers['content-type'] == 'application/json'
    assert headers['location'] == '/api/storage/v1/pools/gold/projects/proj-01/filesystems/share-01'
    assert (body['filesystem']['name'], body['filesystem']['pool'], body['filesystem']['collection']) == ('share-01', 'gold', 'local')
    got = sim.ok('GET', '/pools/gold/projects/proj-01/filesystems/share-01')
    assert list(got) == ['filesystem']


def test_8_6_snapshots(sim):
    sim.project('default')
    sim.project('rest')
    for fs in ('fs01', 'fs-01'):
        sim.share(fs, project='default')
    for name in ('snap-001', 'snap-002', 'initial-snapshot'):
        sim.ok('POST', '/pools/gold/projects/default/snapshots', {'name': name})
    listed = sim.ok('GET', '/pools/gold/projects/default/snapshots')['snapshots']
    assert [s['name'] for s in listed] == ['snap-001', 'snap-002', 'initial-snapshot']
    assert all(set(s) == SNAPSHOT_KEYS for s in listed)
    assert 'display_name' not in listed[0]
    one = sim.ok('GET', '/pools/gold/projects/default/snapshots/snap-001')['snapshot']
    assert one == listed[0]

    status, headers, body = sim.api('PUT', '/api/storage/v1/pools/gold/projects/default/snapshots/initial-snapshot', {'name': 'old-snapshot'})
    assert status == 202
    assert headers['content-type'] == 'application/json'
    assert headers['location'] == '/api/storage/v1/pools/gold/projects/default/snapshots/old-snapshot'

    sim.ok('POST', '/pools/gold/projects/default/filesystems/fs01/snapshots', {'name': 'snap01'})
    status, headers, body = sim.api('PUT', '/api/storage/v1/pools/gold/projects/default/filesystems/fs01/snapshots/snap01/clone',
                                    {'project': 'rest', 'share': 'snap01clone01', 'compression': 'gzip-9'})
    assert status == 201
    assert headers['x-zfssa-storage-api'] == '1.0'
    assert int(headers['content-length']) > 0
    assert (body['filesystem']['name'], body['filesystem']['project'], body['filesystem']['compression']) == ('snap01clone01', 'rest', 'gzip-9')

    sim.ok('POST', '/pools/gold/projects/default/filesystems/fs-01/snapshots', {'name': 'initial-backup'})
    status, headers, body = sim.api('PUT', '/api/storage/v1/pools/gold/projects/default/filesystems/fs-01/snapshots/initial-backup/rollback')
    assert status == 202
    assert headers['content-type'] == 'application/json'
    assert body['snapshot']['name'] == 'initial-backup'


def test_8_7_replication_service_and_targets(sim, peer):
    status, headers, body = sim.api('GET', '/api/service/v1/services/replication', headers={'Accept': 'application/json'})
    assert status == 200
    assert body['service']['<status>'] == 'online' and body['service']['href'] == '/service/v1/services/replication'
    status, headers, body = sim.api('POST', '/api/storage/v1/replication/targets',
                                    {'hostname': '%s:%d' % (peer.host, peer.port), 'root_password': 'peer-secret', 'label': 'east'})
    assert status == 201
    assert headers['x-zfssa-replication-api'] == '1.0'
    assert set(body['target']) >= {'actions', 'address', 'asn', 'hostname', 'href', 'label'}
    listed = sim.ok('GET', '/replication/targets')['targets']
    assert [set(t) for t in listed] == [{'address', 'label', 'hostname', 'asn', 'actions', 'target', 'href'}]
    assert listed[0]['href'] == '/api/storage/v1/replication/targets/east'
    assert sim.ok('GET', '/replication/targets/east')['target']['label'] == 'east'


def test_8_8_replication_actions(sim, peer):
    sim.project('blah1')
    sim.share('fs1', project='blah1')
    sim.ok('POST', '/replication/targets', {'hostname': '%s:%d' % (peer.host, peer.port), 'root_password': 'peer-secret', 'label': 'east'})
    created = sim.ok('POST', '/pools/gold/projects/blah1/filesystems/fs1/replication/actions', {'target': 'east', 'target_pool': 'gold'})
    status, headers, body = sim.api('GET', '/api/storage/v1/replication/actions')
    assert status == 200 and headers['x-zfssa-replication-api'] == '1.0'
    assert [a['id'] for a in body['actions']] == [created['action']['id']]
    action = sim.ok('GET', '/replication/actions/' + created['action']['id'])['action']
    assert set(action) >= {'average_throughput', 'bytes_sent', 'collection', 'continuous', 'enabled', 'estimated_size',
                           'estimated_time_left', 'href', 'id', 'include_snaps', 'last_sync', 'last_try', 'max_bandwidth',
                           'pool', 'project', 'share', 'state', 'target', 'use_ssl'}
    assert (action['collection'], action['pool'], action['project'], action['share']) == ('local', 'gold', 'blah1', 'fs1')
    assert (action['enabled'], action['continuous'], action['include_snaps'], action['bytes_sent']) == (True, False, True, 0)


def test_8_9_package_clone_and_conflicts(sim, peer):
    sim.project('zfssa-repl-project')
    sim.share('fs1', project='zfssa-repl-project')
    sim.ok('POST', '/replication/targets', {'hostname': '%s:%d' % (peer.host, peer.port), 'root_password': 'peer-secret', 'label': 'east'})
    action = sim.ok('POST', '/pools/gold/projects/zfssa-repl-project/replication/actions', {'target': 'east', 'target_pool': 'gold'})['action']
    sim.ok('PUT', '/replication/actions/%s/sendupdate' % action['id'])
    while sim.ok('GET', '/replication/actions/' + action['id'])['action']['state'] != 'idle':
        pass
    source = peer.ok('GET', '/replication/sources')['sources'][0]['name']
    base = '/api/storage/v1/replication/sources/%s/packages/%s' % (source, action['id'])
    status, headers, body = peer.api('GET', base + '/clone/conflicts')
    assert (status, headers['x-zfssa-replication-api'], headers['content-type']) == (200, '1.0', 'application/json')
    assert body == {'conflicts': 'There are no conflicts.\n'}
    status, headers, _body = peer.api('PUT', base + '/clone', {'target_project': 'restored', 'mountpoint': '/export/restored'})
    assert (status, headers['x-zfssa-replication-api']) == (202, '1.0')
    status, _headers, body = peer.api('GET', base + '/clone/conflicts?target_project=restored')
    assert "project 'restored' already exists" in body['conflicts']


def test_8_11_cinder_and_manila_project_bodies(sim):
    sim.ok('POST', '/pools/gold/projects', {'name': 'cinder', 'compression': 'off', 'logbias': 'latency'})
    body = {'name': 'manila', 'sharesmb': 'off', 'sharenfs': 'off', 'mountpoint': '/export/manila', 'compression': 'lzjb',
            'logbias': 'throughput', 'checksum': 'fletcher4', 'vscan': False, 'rstchown': True}
    project = sim.ok('POST', '/pools/gold/projects', body)['project']
    assert all(project[k] == v for k, v in body.items())
    stats = sim.ok('GET', '/pools/gold/projects/cinder')['project']
    assert isinstance(stats['space_available'], int) and isinstance(stats['space_total'], int)
    assert (stats['dedup'], stats['logbias'], stats['encryption']) == (False, 'latency', 'off')


def test_8_11_share_bodies_of_cinder_manila_csi(sim):
    sim.project(mountpoint='/export/backups')
    sim.ok('POST', '/schema', {'property': 'manila_managed', 'description': 'Managed by Manila', 'type': 'Boolean'})
    cinder = {'name': 'cinder-nfs', 'sharedav': 'rw', 'sharenfs': 'rw', 'root_permissions': '777', 'compression': 'off', 'logbias': 'latency'}
    manila = {'name': 'manila-share', 'quota': 10 * 2 ** 30, 'reservation': 2 ** 30, 'sharedav': 'off', 'shareftp': 'off',
              'sharesftp': 'off', 'sharetftp': 'off', 'root_permissions': '777', 'sharenfs': 'sec=sys', 'sharesmb': 'off',
              'quota_snap': True, 'reservation_snap': True, 'custom:manila_managed': True}
    csi = {'name': 'csi-vol', 'quota': 2 ** 30, 'reservation': 0, 'root_user': 'root', 'root_group': 'root',
           'root_permissions': '755', 'sharenfs': 'on', 'rstchown': True}
    for body in (cinder, manila, csi):
        fs = sim.ok('POST', '/pools/gold/projects/backups/filesystems', body)['filesystem']
        assert all(fs[k] == v for k, v in body.items()), body['name']
    allowed = sim.ok('PUT', '/pools/gold/projects/backups/filesystems/manila-share', {'sharenfs': 'sec=sys,rw=@10.0.0.2/32'})
    assert allowed['filesystem']['sharenfs'] == 'sec=sys,rw=@10.0.0.2/32'
    assert oct(os.stat(sim.share_path('cinder-nfs')).st_mode & 0o777) == '0o777'


def test_8_11_pool_ownership_matches_system_version(sim):
    pool = sim.ok('GET', '/pools/gold')['pool']
    version = sim.call('GET', '/api/system/v1/version')[1]['version']
    assert (pool['asn'], pool['owner']) == (version['asn'], version['nodename'])


@pytest.mark.parametrize('with_share', [False, True])
def test_8_11_cinder_action_and_sever(sim, peer, with_share):
    sim.project('vols')
    sim.share('v1', project='vols')
    sim.ok('POST', '/replication/targets', {'hostname': '%s:%d' % (peer.host, peer.port), 'root_password': 'peer-secret', 'label': 'east'})
    body = {'pool': 'gold', 'project': 'vols', 'target_pool': 'gold', 'target': 'east'}
    if with_share:
        body['share'] = 'v1'
    action = sim.ok('POST', '/replication/actions', body)['action']
    assert action['id']
    sim.ok('PUT', '/replication/actions/%s/sendupdate' % action['id'])
    while sim.ok('GET', '/replication/actions/' + action['id'])['action']['state'] != 'idle':
        pass
    source = peer.ok('GET', '/replication/sources')['sources'][0]
    assert [p['project'] for p in source['packages']] == ['vols']
    status, _body = peer.put('/replication/sources/%s/packages/%s/sever' % (source['name'], action['id']), {'projname': 'vols-copy'})
    assert status == 202
    assert [s['name'] for s in peer.ok('GET', '/pools/gold/projects/vols-copy/filesystems')['filesystems']] == ['v1']
