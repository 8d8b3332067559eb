"""Storage service: pools, projects, filesystems, properties, inheritance, validation, directories."""

import os
import stat

import pytest

from zfssa_sim.control import start_simulator


def without_free_space(obj):
    """The object minus space_available, which follows the real disk the data dir is on."""
    key = next(iter(obj))
    return {key: dict((k, v) for k, v in obj[key].items() if k != 'space_available')}


def fault(sim, method, path, body=None):
    status, parsed = sim.call(method, '/api/storage/v1' + path, body)
    assert parsed['fault']['code'] == status
    return status, parsed['fault']['message']


def test_pools(sim):
    pools = sim.ok('GET', '/pools')['pools']
    assert [p['name'] for p in pools] == ['gold', 'silver']
    pool = sim.ok('GET', '/pools/gold')['pool']
    assert pool['status'] == 'online'
    assert pool['href'] == '/api/storage/v1/pools/gold'
    assert set(pool['usage']) >= {'available', 'used', 'total'}
    assert fault(sim, 'GET', '/pools/copper') == (404, 'ERR_NOT_FOUND')


def test_project_create_defaults_and_location(sim):
    status, headers, body = sim.api('POST', '/api/storage/v1/pools/gold/projects', {'name': 'proj-01', 'sharenfs': 'ro'})
    assert status == 201
    assert headers['location'] == '/api/storage/v1/pools/gold/projects/proj-01'
    project = body['project']
    assert project['sharenfs'] == 'ro'
    assert project['source']['sharenfs'] == 'local'
    assert project['source']['compression'] == 'default'
    assert (project['compression'], project['mountpoint'], project['snapdir'], project['quota']) == ('off', '/export', 'hidden', 0)
    assert without_free_space(body) == without_free_space(sim.ok('GET', '/pools/gold/projects/proj-01'))


def test_project_errors(sim):
    sim.project('proj-01')
    assert fault(sim, 'POST', '/pools/gold/projects', {'name': 'proj-01'}) == (409, 'ERR_OBJECT_EXISTS')
    assert fault(sim, 'POST', '/pools/gold/projects', {'sharenfs': 'on'}) == (400, 'ERR_MISSING_ARG')
    assert fault(sim, 'POST', '/pools/gold/projects', {'name': 'p2', 'colour': 'blue'}) == (400, 'ERR_UNKNOWN_ARG')
    assert fault(sim, 'POST', '/pools/gold/projects', {'name': 'p2', 'compression': 'zip'}) == (400, 'ERR_INVALID_ARG')
    assert fault(sim, 'POST', '/pools/gold/projects', {'name': 'p2', 'quota': '10G'}) == (400, 'ERR_INVALID_ARG')
    assert fault(sim, 'POST', '/pools/gold/projects', {'name': 'p2', 'atime': 'yes'}) == (400, 'ERR_INVALID_ARG')
    assert fault(sim, 'POST', '/pools/gold/projects', {'name': 'bad/name'}) == (400, 'ERR_INVALID_ARG')
    assert fault(sim, 'GET', '/pools/gold/projects/nope') == (404, 'ERR_NOT_FOUND')
    assert fault(sim, 'DELETE', '/pools/gold/projects/nope') == (404, 'ERR_NOT_FOUND')
    assert fault(sim, 'POST', '/pools/copper/projects', {'name': 'x'}) == (404, 'ERR_NOT_FOUND')


def test_bad_value_changes_nothing(sim):
    sim.project('proj-01', sharenfs='ro')
    assert fault(sim, 'PUT', '/pools/gold/projects/proj-01', {'sharenfs': 'rw', 'logbias': 'fast'}) == (400, 'ERR_INVALID_ARG')
    assert sim.ok('GET', '/pools/gold/projects/proj-01')['project']['sharenfs'] == 'ro'


def test_json_content_type_is_required(sim):
    status, _headers, body = sim.request('POST', '/api/storage/v1/pools/gold/projects', None,
                                         dict(sim.basic_auth(), **{'Content-Type': 'text/plain'}))
    assert status == 400 or status == 415
    assert body['fault']['code'] == status


def test_filesystem_create_example(sim):
    sim.project('proj-01')
    status, headers, body = sim.api('POST', '/api/storage/v1/pools/gold/projects/proj-01/filesystems',
                                    {'name': 'share-01', 'owner': 'joe'})
    assert status == 201
    assert headers['location'] == '/api/storage/v1/pools/gold/projects/proj-01/filesystems/share-01'
    fs = body['filesystem']
    assert (fs['name'], fs['pool'], fs['collection'], fs['project']) == ('share-01', 'gold', 'local', 'proj-01')
    assert fs['root_user'] == 'joe'
    assert fs['mountpoint'] == '/export/share-01'
    assert fs['canonical_name'] == 'gold/local/proj-01/share-01'
    assert without_free_space(body) == without_free_space(sim.ok('GET', '/pools/gold/projects/proj-01/filesystems/share-01'))


def test_inheritance_and_source(sim):
    sim.project(sharenfs='sec=sys,ro=@10.0.0.0/24', compression='lzjb', mountpoint='/export/backups')
    fs = sim.share('vs01', quota=1073741824)
    assert fs['sharenfs'] == 'sec=sys,ro=@10.0.0.0/24'
    assert fs['source']['sharenfs'] == 'inherited'
    assert fs['mountpoint'] == '/export/backups/vs01'
    assert fs['quota'] == 1073741824
    sim.ok('PUT', '/pools/gold/projects/backups', {'compression': 'gzip'})
    assert sim.ok('GET', '/pools/gold/projects/backups/filesystems/vs01')['filesystem']['compression'] == 'gzip'
    fs = sim.ok('PUT', '/pools/gold/projects/backups/filesystems/vs01', {'compression': 'off'})['filesystem']
    assert (fs['compression'], fs['source']['compression']) == ('off', 'local')
    sim.ok('PUT', '/pools/gold/projects/backups', {'compression': 'gzip-9'})
    assert sim.ok('GET', '/pools/gold/projects/backups/filesystems/vs01')['filesystem']['compression'] == 'off'


def test_sharenfs_is_returned_exactly_as_written(sim):
    sim.project()
    value = 'sec=sys,rw=@192.168.56.101/24:@192.168.56.1/24,root=@10.0.0.5/32'
    assert sim.share('vs01', sharenfs=value)['sharenfs'] == value
    odd = 'rw=@10.0.0.2/32,sec=sys, anon=0'
    assert sim.ok('PUT', '/pools/gold/projects/backups/filesystems/vs01', {'sharenfs': odd})['filesystem']['sharenfs'] == odd
    assert sim.ok('GET', '/pools/gold/projects/backups/filesystems/vs01')['filesystem']['sharenfs'] == odd


def test_modify_returns_the_full_object(sim):
    sim.project()
    sim.share('vs01')
    changed = sim.ok('PUT', '/pools/gold/projects/backups/filesystems/vs01', {'readonly': True, 'quota': 5 * 2 ** 30})
    fs = changed['filesystem']
    assert (fs['readonly'], fs['quota']) == (True, 5 * 2 ** 30)
    assert without_free_space(changed) == without_free_space(sim.ok('GET', '/pools/gold/projects/backups/filesystems/vs01'))


def test_create_only_and_read_only_properties(sim):
    sim.project()
    sim.share('vs01', casesensitivity='sensitive')
    path = '/pools/gold/projects/backups/filesystems/vs01'
    assert fault(sim, 'PUT', path, {'casesensitivity': 'mixed'}) == (400, 'ERR_INVALID_ARG')
    assert fault(sim, 'PUT', path, {'space_data': 1}) == (400, 'ERR_INVALID_ARG')
    assert fault(sim, 'PUT', path, {'mountpoint': '/srv/x'}) == (400, 'ERR_INVALID_ARG')


def test_filesystem_errors(sim):
    sim.project()
    sim.share('vs01')
    assert fault(sim, 'POST', '/pools/gold/projects/backups/filesystems', {'name': 'vs01'}) == (409, 'ERR_OBJECT_EXISTS')
    assert fault(sim, 'POST', '/pools/gold/projects/nope/filesystems', {'name': 'x'}) == (404, 'ERR_NOT_FOUND')
    assert fault(sim, 'GET', '/pools/gold/projects/backups/filesystems/vs02') == (404, 'ERR_NOT_FOUND')
    assert fault(sim, 'POST', '/pools/gold/projects/backups/filesystems', {'name': 'x', 'root_permissions': '999'}) == (400, 'ERR_INVALID_ARG')
    # two shares on one mountpoint (or one inside the other) are refused
    assert fault(sim, 'POST', '/pools/gold/projects/backups/filesystems',
                 {'name': 'x', 'mountpoint': '/export/vs01/inner'}) == (400, 'ERR_INVALID_ARG')


def test_delete_filesystem_and_project(sim):
    sim.project()
    sim.share('vs01')
    path = sim.share_path('vs01')
    assert os.path.isdir(path)
    assert sim.delete('/pools/gold/projects/backups/filesystems/vs01') == (204, None)
    assert not os.path.exists(path)
    assert fault(sim, 'DELETE', '/pools/gold/projects/backups/filesystems/vs01') == (404, 'ERR_NOT_FOUND')
    sim.share('vs02')
    assert sim.delete('/pools/gold/projects/backups') == (204, None)
    assert sim.shares() == []


def test_nodestroy_refuses_delete(sim):
    sim.project()
    sim.share('vs01', nodestroy=True)
    assert fault(sim, 'DELETE', '/pools/gold/projects/backups/filesystems/vs01') == (403, 'ERR_DENIED')
    assert fault(sim, 'DELETE', '/pools/gold/projects/backups') == (403, 'ERR_DENIED')
    sim.ok('PUT', '/pools/gold/projects/backups/filesystems/vs01', {'nodestroy': False})
    sim.ok('DELETE', '/pools/gold/projects/backups')


def test_v1_and_v2_dates(sim):
    sim.project()
    v1 = sim.call('GET', '/api/storage/v1/pools/gold/projects/backups')[1]['project']
    v2 = sim.call('GET', '/api/storage/v2/pools/gold/projects/backups')[1]['project']
    assert v1['creation'] == '20240101T00:00:00'
    assert v2['creation'] == '2024-01-01T00:00:00Z'
    assert v2['href'] == '/api/storage/v2/pools/gold/projects/backups'


def test_lists_across_pools_and_snaps_flag(sim):
    sim.project()
    sim.ok('POST', '/pools/silver/projects', {'name': 'other'})
    sim.share('vs01')
    sim.ok('POST', '/pools/gold/projects/backups/snapshots', {'name': 'daily'})
    assert [p['name'] for p in sim.ok('GET', '/projects')['projects']] == ['backups', 'other']
    assert [p['name'] for p in sim.ok('GET', '/pools/silver/projects')['projects']] == ['other']
    assert [f['name'] for f in sim.ok('GET', '/filesystems')['filesystems']] == ['vs01']
    assert 'snapshots' not in sim.ok('GET', '/pools/gold/projects/backups/filesystems')['filesystems'][0]
    listed = sim.ok('GET', '/pools/gold/projects/backups/filesystems?snaps=true')['filesystems'][0]
    assert [s['name'] for s in listed['snapshots']] == ['daily']


def test_share_directory_follows_the_mountpoint(sim):
    sim.project(mountpoint='/export/backups')
    sim.share('vs01')
    data = sim.control('GET', 'info')['data_dir']
    path = os.path.join(data, 'export', 'backups', 'vs01')
    assert sim.share_path('vs01') == path and os.path.isdir(path)
    with open(os.path.join(path, 'f'), 'w', encoding='utf-8') as handle:
        handle.write('x')
    sim.ok('PUT', '/pools/gold/projects/backups', {'mountpoint': '/export/b2'})
    moved = os.path.join(data, 'export', 'b2', 'vs01')
    assert sim.share_path('vs01') == moved
    assert os.path.exists(os.path.join(moved, 'f'))
    sim.ok('PUT', '/pools/gold/projects/backups/filesystems/vs01', {'name': 'vs09'})
    assert os.path.exists(os.path.join(data, 'export', 'b2', 'vs09', 'f'))


def test_move_filesystem_to_another_project(sim):
    sim.project()
    sim.project('archive', mountpoint='/export/archive')
    sim.share('vs01')
    fs = sim.ok('PUT', '/pools/gold/projects/backups/filesystems/vs01', {'project': 'archive'})['filesystem']
    assert (fs['project'], fs['mountpoint']) == ('archive', '/export/archive/vs01')
    assert fault(sim, 'GET', '/pools/gold/projects/backups/filesystems/vs01') == (404, 'ERR_NOT_FOUND')


def test_root_directory_properties_are_share_local_and_applied(sim):
    sim.project(default_permissions='750')
    fs = sim.share('vs01', root_user='0', root_group='0', root_permissions='770')
    assert (fs['root_user'], fs['root_group'], fs['root_permissions']) == ('0', '0', '770')
    assert 'root_user' not in fs['source']
    st = os.stat(sim.share_path('vs01'))
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, 0, 0o770)
    assert sim.share('vs02')['root_permissions'] == '750'
    sim.ok('PUT', '/pools/gold/projects/backups/filesystems/vs01', {'root_permissions': '700'})
    assert stat.S_IMODE(os.stat(sim.share_path('vs01')).st_mode) == 0o700


def test_custom_schema_properties(sim):
    sim.ok('POST', '/schema', {'property': 'backup_host', 'description': 'vServer', 'type': 'String'})
    sim.project()
    fs = sim.share('vs01', **{'custom:backup_host': 'vs01.example.com'})
    assert fs['custom:backup_host'] == 'vs01.example.com'
    assert fault(sim, 'POST', '/pools/gold/projects/backups/filesystems', {'name': 'x', 'custom:nope': 1}) == (400, 'ERR_UNKNOWN_ARG')
    assert [p['property'] for p in sim.ok('GET', '/schema')['schema']] == ['backup_host']


def test_state_survives_a_restart(tmp_path):
    data = tmp_path / 'appliance'
    with start_simulator(data) as first:
        first.api('POST', '/api/storage/v1/pools/gold/projects', {'name': 'keep', 'sharenfs': 'ro'})
        first.api('POST', '/api/storage/v1/pools/gold/projects/keep/filesystems', {'name': 'fs1'})
        first.api('POST', '/api/storage/v1/pools/gold/projects/keep/snapshots', {'name': 's1'})
        cert = open(first.cert, encoding='utf-8').read()
    with start_simulator(data) as second:
        assert open(second.cert, encoding='utf-8').read() == cert
        status, _headers, body = second.api('GET', '/api/storage/v1/pools/gold/projects/keep/filesystems/fs1/snapshots')
        assert status == 200
        assert [s['name'] for s in body['snapshots']] == ['s1']


@pytest.mark.parametrize('version', ['v1', 'v2'])
def test_unknown_paths_are_404(sim, version):
    status, parsed = sim.call('GET', '/api/storage/%s/nothing/here' % version)
    assert status == 404
    assert parsed['fault']['message'] == 'ERR_NOT_FOUND'


def test_string_booleans_are_accepted_like_the_vendor_client_sends_them(sim):
    # The body the appliance vendor's Manila driver sends to create a project, then a share.
    project = sim.ok('POST', '/pools/gold/projects', {
        'name': 'manila', 'sharesmb': 'off', 'sharenfs': 'off', 'mountpoint': '/export/manila', 'compression': 'off',
        'logbias': 'latency', 'vscan': 'false', 'rstchown': 'true'})['project']
    assert (project['vscan'], project['rstchown']) == (False, True)
    share = sim.ok('POST', '/pools/gold/projects/manila/filesystems', {
        'name': 'share-1', 'quota': 2 ** 30, 'quota_snap': 'true', 'reservation_snap': 'TRUE', 'readonly': 'false',
        'sharenfs': 'sec=sys'})['filesystem']
    assert (share['quota_snap'], share['reservation_snap'], share['readonly']) == (True, True, False)
    changed = sim.ok('PUT', '/pools/gold/projects/manila/filesystems/share-1', {'readonly': 'true'})['filesystem']
    assert changed['readonly'] is True
    assert fault(sim, 'PUT', '/pools/gold/projects/manila/filesystems/share-1', {'readonly': 'on'}) == (400, 'ERR_INVALID_ARG')


def test_reservations_and_quotas_are_accounted_in_pool_and_project_space(sim):
    G = 2 ** 30
    before = sim.ok('GET', '/pools/gold')['pool']['usage']
    sim.project('space')
    sim.share('reserved', project='space', reservation=2 * G)
    pool = sim.ok('GET', '/pools/gold')['pool']['usage']
    # The unused reservation is used space of the pool and no longer available to others (the disk may move a
    # little under the test, hence the tolerance of 64 MiB).
    assert pool['used'] - before['used'] == 2 * G
    assert abs((before['available'] - pool['available']) - 2 * G) < 64 * 2 ** 20
    assert pool['total'] == pool['used'] + pool['available']
    project = sim.ok('GET', '/pools/gold/projects/space')['project']
    assert (project['space_unused_res_shares'], project['space_total']) == (2 * G, 2 * G)
    share = sim.ok('GET', '/pools/gold/projects/space/filesystems/reserved')['filesystem']
    assert share['space_unused_res'] == 2 * G
    assert share['space_available'] - project['space_available'] in range(2 * G - 64 * 2 ** 20, 2 * G + 64 * 2 ** 20)

    # A project quota caps what its shares can still write, counting the reservation.
    sim.ok('PUT', '/pools/gold/projects/space', {'quota': 3 * G})
    project = sim.ok('GET', '/pools/gold/projects/space')['project']
    assert project['space_available'] == G
    other = sim.share('other', project='space')
    assert other['space_available'] == G
    # A project reservation holds space for the project as a whole.
    sim.ok('PUT', '/pools/gold/projects/space', {'quota': 0, 'reservation': 5 * G})
    project = sim.ok('GET', '/pools/gold/projects/space')['project']
    assert (project['space_unused_res'], project['space_total']) == (3 * G, 5 * G)


def test_deleting_a_project_destroys_its_shares_and_their_data(sim):
    sim.project('doomed')
    paths = []
    for name in ('vs01', 'vs02'):
        sim.share(name, project='doomed')
        paths.append(sim.share_path(name, project='doomed'))
        with open(os.path.join(paths[-1], 'data'), 'w') as handle:
            handle.write('backup')
    sim.ok('POST', '/pools/gold/projects/doomed/snapshots', {'name': 'fence-1'})
    assert sim.delete('/pools/gold/projects/doomed') == (204, None)
    assert [p for p in paths if os.path.exists(p)] == []
    assert fault(sim, 'GET', '/pools/gold/projects/doomed/filesystems/vs01') == (404, 'ERR_NOT_FOUND')
    assert [s for s in sim.ok('GET', '/filesystems')['filesystems'] if s['project'] == 'doomed'] == []
    assert [s for s in sim.ok('GET', '/snapshots')['snapshots'] if s.get('project') == 'doomed'] == []


def test_every_documented_service_can_be_enabled_disabled_and_configured(sim):
    def service(name, method='GET', suffix='', body=None):
        status, _headers, parsed = sim.api(method, '/api/service/v1/services/%s%s' % (name, suffix), body)
        return status, parsed

    status, listed = sim.api('GET', '/api/service/v1/services')[::2]
    assert status == 200
    assert {'nfs', 'smb', 'ftp', 'http', 'iscsi', 'ndmp', 'replication', 'rest', 'ssh'} <= set(s['name'] for s in listed['services'])
    # The vendor's Manila driver enables nfs and then smb at start-up.
    assert service('nfs', 'PUT', '/enable')[0] == 202
    status, parsed = service('smb', 'PUT', '/enable')
    assert (status, parsed['service']['<status>']) == (202, 'online')
    assert service('smb')[1]['service'] == {'<status>': 'online', 'href': '/service/v1/services/smb'}
    status, parsed = service('nfs', 'PUT', body={'v4delegation': False, 'nfsd_servers': 1000})
    assert (status, parsed['service']['nfsd_servers'], parsed['service']['<status>']) == (202, 1000, 'online')
    assert service('nfs')[1]['service']['v4delegation'] is False
    assert service('smb', 'PUT', '/disable')[0] == 202
    assert service('smb')[1]['service']['<status>'] == 'disabled'
    # The documented JSON form of the state change: {"<status>": "enable"} / {"<status>": "disable"}.
    status, parsed = service('ftp', 'PUT', body={'<status>': 'enable'})
    assert (status, parsed['service']['<status>']) == (202, 'online')
    assert service('ftp', 'PUT', body={'<status>': 'disable'})[1]['service']['<status>'] == 'disabled'
    assert service('replication', 'PUT', body={'<status>': 'disable'})[1]['service']['<status>'] == 'disabled'
    assert service('replication')[1]['service']['<status>'] == 'disabled'
    assert service('nfs', 'PUT', body={'<status>': 'disabled'})[0] == 400
    assert service('nfs', 'PUT', body={'href': '/elsewhere'})[0] == 400
    assert service('gopher')[0] == 404
    assert service('gopher', 'PUT', '/enable')[0] == 404
