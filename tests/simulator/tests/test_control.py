"""Test control (/_sim): faults, request log, reset, shares; the collection's REST client against the simulator."""

import http.client
import importlib
import json
import os
import ssl
import subprocess
import sys
import urllib.error

import pytest

from zfssa_sim import control

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def load_client_module():
    """The collection's REST client, imported as the modules import it (from the ansible_collections layout).

    The suite runs inside ``.build/ansible_collections/exalogic/backup``; the client imports its sibling
    module_utils by their collection names, so a file-by-file load would not resolve them.
    """
    layout_root = os.path.dirname(os.path.dirname(os.path.dirname(REPO)))
    if os.path.basename(os.path.dirname(os.path.dirname(REPO))) != 'ansible_collections':
        pytest.fail('run this suite from the built layout (make simulator-tests); %s is not in ansible_collections/' % REPO)
    if layout_root not in sys.path:
        sys.path.insert(0, layout_root)
    return importlib.import_module('ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client')


def test_injected_503_then_success_and_request_log(sim):
    sim.inject('503', count=2, path_prefix='/api/storage/v1/pools')
    sim.clear_requests()
    statuses = [sim.call('GET', '/api/storage/v1/pools')[0] for _attempt in range(3)]
    assert statuses == [503, 503, 200]
    status, body = sim.call('GET', '/api/storage/v1/pools')
    assert status == 200
    log = sim.requests()
    assert [(r['method'], r['path'], r['status']) for r in log] == [('GET', '/api/storage/v1/pools', s) for s in (503, 503, 200, 200)]
    sim.inject('503')
    status, body = sim.call('GET', '/api/storage/v1/pools')
    assert (status, body['fault']['message'], body['fault']['code']) == (503, 'ERR_BUSY', 503)


def test_injected_500_and_method_filter(sim):
    sim.inject('500', method='POST', message='ERR_INTERNAL', details='session not valid')
    assert sim.call('GET', '/api/storage/v1/pools')[0] == 200
    status, body = sim.call('POST', '/api/storage/v1/pools/gold/projects', {'name': 'p'})
    assert (status, body['fault']) == (500, {'message': 'ERR_INTERNAL', 'details': 'session not valid', 'code': 500})
    assert sim.get('/pools/gold/projects/p')[0] == 404


def test_injected_reset_and_reset_after(sim):
    sim.inject('reset')
    with pytest.raises((ConnectionError, urllib.error.URLError, http.client.HTTPException, ssl.SSLError)):
        sim.call('GET', '/api/storage/v1/pools')
    sim.inject('reset_after', method='POST')
    with pytest.raises((ConnectionError, urllib.error.URLError, http.client.HTTPException, ssl.SSLError)):
        sim.call('POST', '/api/storage/v1/pools/gold/projects', {'name': 'applied'})
    # the request was carried out before the connection dropped
    assert sim.get('/pools/gold/projects/applied')[0] == 200
    assert [r['status'] for r in sim.requests()][-3:] == ['reset', 'reset', 200]


def test_injected_delay(sim):
    sim.inject('delay', delay=0.2)
    assert sim.call('GET', '/api/storage/v1/pools')[0] == 200
    assert sim.control('GET', 'faults')['faults'] == []


def test_fault_kinds_are_checked(sim):
    with pytest.raises(control.SimulatorError):
        sim.inject('explode')


def test_reset_forgets_everything(sim):
    sim.project()
    sim.share('vs01')
    path = sim.share_path('vs01')
    sim.reset()
    assert sim.requests() == []
    assert sim.ok('GET', '/projects')['projects'] == []
    assert not os.path.exists(path)


def test_shares_control_lists_what_the_nfs_test_bed_exports(sim):
    sim.project(mountpoint='/export/backups', sharenfs='sec=sys,rw=@127.0.0.1/32,root=@127.0.0.1/32', snapdir='visible')
    sim.share('vs01')
    [item] = sim.shares()
    data = sim.control('GET', 'info')['data_dir']
    assert item['path'] == os.path.join(data, 'export', 'backups', 'vs01')
    assert item['sharenfs'] == 'sec=sys,rw=@127.0.0.1/32,root=@127.0.0.1/32'
    assert (item['pool'], item['project'], item['name'], item['mountpoint'], item['snapdir']) == (
        'gold', 'backups', 'vs01', '/export/backups/vs01', 'visible')
    assert item['snapshot_dir'] == os.path.join(item['path'], '.zfs', 'snapshot')


def test_unknown_control_endpoint(sim):
    with pytest.raises(control.SimulatorError):
        sim.control('GET', 'nothing')


def test_collection_client_survives_503s_and_expired_sessions(sim):
    zfssa = load_client_module()
    client = zfssa.ZfssaClient(sim.host, 'root', 'secret', port=sim.port, ca_path=sim.cert, backoff=0.01)
    with client:
        assert [p['name'] for p in client.get('/pools')['pools']] == ['gold', 'silver']
        sim.inject('503', count=2, path_prefix='/api/storage/v1/pools/gold/projects')
        created = client.post('/pools/gold/projects', {'name': 'viaclient'}, lookup='/pools/gold/projects/viaclient')
        assert created['project']['name'] == 'viaclient'
        sim.expire_sessions()
        assert client.get('/pools/gold/projects/viaclient')['project']['sharenfs'] == 'on'
        sim.inject('reset_after', method='POST', path_prefix='/api/storage/v1/pools/gold/projects/viaclient/filesystems')
        made = client.post('/pools/gold/projects/viaclient/filesystems', {'name': 'fs1'},
                           lookup='/pools/gold/projects/viaclient/filesystems/fs1')
        assert made['filesystem']['name'] == 'fs1'
        with pytest.raises(zfssa.ZfssaError) as err:
            client.get('/pools/gold/projects/missing')
        assert err.value.status == 404
    log = [(r['method'], r['path'], r['status']) for r in sim.requests()]
    assert log.count(('POST', '/api/access/v1', 201)) == 2
    assert log.count(('POST', '/api/storage/v1/pools/gold/projects', 503)) == 2
    assert ('GET', '/api/storage/v1/pools/gold/projects/viaclient', 401) in log
    assert log[-1] == ('DELETE', '/api/access/v1', 204)


def test_collection_client_verifies_the_certificate(sim, tmp_path):
    zfssa = load_client_module()
    other = tmp_path / 'other'
    other.mkdir()
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                    '-keyout', str(other / 'k.pem'), '-out', str(other / 'c.pem'), '-days', '1', '-subj', '/CN=x'],
                   check=True, capture_output=True)
    client = zfssa.ZfssaClient(sim.host, 'root', 'secret', port=sim.port, ca_path=str(other / 'c.pem'), retries=0)
    with pytest.raises(zfssa.ZfssaError):
        client.get('/pools')


def test_control_cli_start_and_stop(tmp_path):
    env = dict(os.environ, PYTHONPATH=control.PACKAGE_PARENT)
    data = str(tmp_path / 'cli')
    out = subprocess.run([sys.executable, '-m', 'zfssa_sim.control', 'start', '--data-dir', data],
                         check=True, capture_output=True, text=True, env=env).stdout
    info = json.loads(out)
    try:
        sim = control.attach(data)
        assert sim.api('GET', '/api/storage/v1/pools')[0] == 200
    finally:
        subprocess.run([sys.executable, '-m', 'zfssa_sim.control', 'stop', '--data-dir', data], check=True, env=env)
    assert not control.pid_alive(info['pid'])
    assert not os.path.exists(os.path.join(data, control.READY_NAME))


def test_control_cli_passes_simulator_options_after_double_dash(tmp_path):
    env = dict(os.environ, PYTHONPATH=control.PACKAGE_PARENT)
    data = str(tmp_path / 'cli-frozen')
    subprocess.run([sys.executable, '-m', 'zfssa_sim.control', 'start', '--data-dir', data, '--pools', 'gold',
                    '--', '--clock', 'frozen'], check=True, capture_output=True, text=True, env=env)
    try:
        assert control.attach(data).control('GET', 'clock')['frozen'] is True
    finally:
        subprocess.run([sys.executable, '-m', 'zfssa_sim.control', 'stop', '--data-dir', data], check=True, env=env)
