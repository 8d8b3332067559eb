"""pytest fixtures of the NFS test bed: an appliance simulator, ganesha exporting its shares, and a
private mount namespace where `mount -t nfs` goes through our FUSE client.

Fixtures: `nfs_appliance` (session; the simulator), `nfs_server` (session; NfsServer), `nfs_bed`
(per test: the simulator emptied, a project `nfsbed`, exports in sync). Every fixture cleans up in
its finalizer, also when the test fails; at the end of the session the host's mount table and
process list are checked for anything the bed left behind.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nfsbed.bed import NfsBed, remove_appliance_data, start_appliance  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.server import NfsServer  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.leftovers import leftovers  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope='session')
def nfs_appliance(tmp_path_factory):
    data = tmp_path_factory.mktemp('appliance')
    sim = start_appliance(data)
    yield sim
    sim.stop()
    remove_appliance_data(data)


@pytest.fixture(scope='session')
def nfs_server(tmp_path_factory):
    server = NfsServer(tmp_path_factory.mktemp('ganesha'))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def nfs_bed(nfs_appliance, nfs_server):
    """An empty appliance with project `nfsbed`, exported by a running server."""
    nfs_appliance.reset()
    if not nfs_server.running():
        nfs_server.start()
    bed = NfsBed(nfs_appliance, nfs_server)
    bed.project('nfsbed')
    bed.sync()
    yield bed
    if not nfs_server.running():
        nfs_server.restart()


SESSION_TMP = []  # this run's pytest base directory: other runs on the machine have their own beds


@pytest.fixture(scope='session', autouse=True)
def session_tmp(tmp_path_factory):
    SESSION_TMP.append(str(tmp_path_factory.getbasetemp()))


def pytest_sessionfinish(session, exitstatus):  # pylint: disable=unused-argument
    """Fail the run when the bed left a fuse.nfs mount, a FUSE client, ganesha or rpcbind behind."""
    found = leftovers(SESSION_TMP[0] if SESSION_TMP else None)
    if found:
        sys.stderr.write('\nNFS test bed left behind: %s\n' % found)
        session.exitstatus = 1
