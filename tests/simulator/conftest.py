"""pytest setup for the simulator suite: make the zfssa_sim package importable, start simulators."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from zfssa_sim.control import start_simulator, unlock_data_dir  # noqa: E402  pylint: disable=wrong-import-position

# Every test starts from this appliance time, on a clock that only moves when a test moves it.
START = '2024-01-01T00:00:00Z'


class Api:
    """Thin helpers over Simulator.api for the tests: (status, body) pairs and short names."""

    def __init__(self, sim):
        self.sim = sim

    def __getattr__(self, name):
        return getattr(self.sim, name)

    def call(self, method, path, body=None, **kwargs):
        status, _headers, parsed = self.sim.api(method, path, body, **kwargs)
        return status, parsed

    def get(self, path):
        return self.call('GET', '/api/storage/v1' + path)

    def post(self, path, body):
        return self.call('POST', '/api/storage/v1' + path, body)

    def put(self, path, body=None):
        return self.call('PUT', '/api/storage/v1' + path, body)

    def delete(self, path):
        return self.call('DELETE', '/api/storage/v1' + path)

    def ok(self, method, path, body=None, expect=None):
        """Storage call that must succeed; returns the body."""
        status, parsed = self.call(method, '/api/storage/v1' + path, body)
        wanted = expect or {'GET': 200, 'POST': 201, 'PUT': 202, 'DELETE': 204}[method]
        assert status == wanted, (method, path, status, parsed)
        return parsed

    def project(self, name='backups', **props):
        return self.ok('POST', '/pools/gold/projects', dict(props, name=name))['project']

    def share(self, name, project='backups', **props):
        return self.ok('POST', '/pools/gold/projects/%s/filesystems' % project, dict(props, name=name))['filesystem']

    def share_path(self, name, project='backups'):
        for item in self.sim.shares():
            if item['name'] == name and item['project'] == project:
                return item['path']
        raise KeyError(name)


@pytest.fixture(autouse=True)
def unlock_tmp_path(request):
    """Snapshot trees are immutable; clear that after each test so pytest can delete its tmp_path."""
    path = request.getfixturevalue('tmp_path') if 'tmp_path' in request.fixturenames else None
    yield
    if path is not None:
        unlock_data_dir(path)


@pytest.fixture(scope='session')
def appliance(tmp_path_factory):
    data = tmp_path_factory.mktemp('appliance')
    with start_simulator(data, pools=('gold', 'silver'), clock='frozen', clock_start=START) as sim:
        yield sim
    unlock_data_dir(data)


@pytest.fixture(scope='session')
def peer_appliance(tmp_path_factory):
    """A second appliance, the replication target."""
    data = tmp_path_factory.mktemp('peer')
    with start_simulator(data, password='peer-secret', pools=('gold', 'dr'), clock='frozen', clock_start=START) as sim:
        yield sim
    unlock_data_dir(data)


@pytest.fixture
def sim(appliance):
    """The shared appliance, emptied: no projects, no faults, clean request log, clock at START."""
    appliance.reset()
    return Api(appliance)


@pytest.fixture
def peer(peer_appliance):
    peer_appliance.reset()
    return Api(peer_appliance)


@pytest.fixture
def own_sim(tmp_path):
    """Start a dedicated simulator with options: own_sim(session_timeout=1)."""
    started = []

    def start(**opts):
        opts.setdefault('clock', 'frozen')
        opts.setdefault('clock_start', START)
        sim = start_simulator(tmp_path / ('appliance%d' % len(started)), **opts)
        started.append(sim)
        return Api(sim)

    yield start
    for sim in started:
        sim.stop()
