"""Access service: login (Basic, X-Auth-User/Key), sessions, logout, expiry, discovery, versions."""

import time


def login(sim, headers):
    return sim.request('POST', '/api/access/v1', headers=headers)


def test_basic_login_creates_a_session(sim):
    status, headers, body = login(sim, sim.basic_auth())
    assert status == 201
    assert len(headers['x-auth-session']) == 16
    assert headers['x-zfssa-access-api'] == '1.0'
    assert headers['x-zfssa-version']
    services = body['access']['services']
    assert {'name': 'storage', 'version': '1.0', 'uri': sim.url + '/api/storage/v1'} in services
    assert all(set(s) == {'name', 'version', 'uri'} for s in services)


def test_x_auth_user_login_and_session_use(sim):
    status, headers, _body = login(sim, {'X-Auth-User': 'root', 'X-Auth-Key': 'secret'})
    assert status == 201
    session = {'X-Auth-Session': headers['x-auth-session']}
    status, headers, body = sim.request('GET', '/api/storage/v1/pools', headers=session)
    assert status == 200
    assert [p['name'] for p in body['pools']] == ['gold', 'silver']
    assert headers['x-zfssa-storage-api'] == '1.0'


def test_wrong_credentials_are_401_with_a_fault(sim):
    for headers in (sim.basic_auth(password='wrong'), {'X-Auth-User': 'root', 'X-Auth-Key': 'nope'},
                    sim.basic_auth(user='admin')):
        status, _headers, body = login(sim, headers)
        assert status == 401
        assert body['fault']['code'] == 401
        assert body['fault']['message'] == 'ERR_UNAUTHORIZED'
    status, _headers, body = sim.request('GET', '/api/storage/v1/pools', headers=sim.basic_auth(password='wrong'))
    assert status == 401


def test_requests_without_credentials_are_401(sim):
    for path in ('/api/storage/v1/pools', '/api/access/v1', '/api/service/v1/services/replication'):
        status, _headers, body = sim.request('GET', path)
        assert status == 401, path
        assert body['fault']['code'] == 401
    status, _headers, _body = sim.request('POST', '/api/access/v1')
    assert status == 401


def test_service_discovery_lists_services(sim):
    status, _headers, body = sim.api('GET', '/api/access/v1')
    assert status == 200
    names = set(s['name'] for s in body['services'])
    assert {'access', 'storage', 'service', 'system'} <= names
    status, _headers, body = sim.api('GET', '/api/storage/v1')
    assert status == 200
    assert {'path': '/pools', 'request': 'GET', 'description': 'List pools'} in body['service']['methods']


def test_logout_ends_the_session(sim):
    _status, headers, _body = login(sim, sim.basic_auth())
    session = {'X-Auth-Session': headers['x-auth-session']}
    status, headers, body = sim.request('DELETE', '/api/access/v1', headers=session)
    assert (status, body) == (204, None)
    assert headers['x-zfssa-access-api'] == '1.0'
    status, _headers, body = sim.request('GET', '/api/storage/v1/pools', headers=session)
    assert status == 401


def test_idle_session_expires(own_sim):
    sim = own_sim(session_timeout=0.3)
    _status, headers, _body = login(sim, sim.basic_auth())
    session = {'X-Auth-Session': headers['x-auth-session']}
    assert sim.request('GET', '/api/storage/v1/pools', headers=session)[0] == 200
    time.sleep(0.6)
    status, _headers, body = sim.request('GET', '/api/storage/v1/pools', headers=session)
    assert status == 401
    assert 'expired' in body['fault']['details']


def test_used_session_stays_alive(own_sim):
    sim = own_sim(session_timeout=0.6)
    _status, headers, _body = login(sim, sim.basic_auth())
    session = {'X-Auth-Session': headers['x-auth-session']}
    for _round in range(4):
        time.sleep(0.2)
        assert sim.request('GET', '/api/storage/v1/pools', headers=session)[0] == 200


def test_expire_all_sessions_control(sim):
    _status, headers, _body = login(sim, sim.basic_auth())
    session = {'X-Auth-Session': headers['x-auth-session']}
    assert sim.expire_sessions() == 1
    assert sim.request('GET', '/api/storage/v1/pools', headers=session)[0] == 401


def test_v2_access_and_version_rules(sim):
    status, headers, _body = sim.request('POST', '/api/access/v2', headers=sim.basic_auth())
    assert status == 201
    assert headers['x-zfssa-access-api'] == '2.0'
    assert sim.api('GET', '/api/storage/v1.0/pools')[0] == 200
    assert sim.api('GET', '/api/storage/v2/pools')[0] == 200
    for bad in ('/api/storage/v3/pools', '/api/storage/v1.1/pools', '/api/nosuch/v1/x'):
        status, _headers, body = sim.api('GET', bad)
        assert status == 404, bad
        assert body['fault']['message'] == 'ERR_NOT_FOUND'


def test_system_version_identifies_the_appliance(sim):
    status, _headers, body = sim.api('GET', '/api/system/v1/version')
    assert status == 200
    info = sim.control('GET', 'info')
    assert body['version']['asn'] == info['asn']
    assert body['version']['nodename'] == info['nodename']
