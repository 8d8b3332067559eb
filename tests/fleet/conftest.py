"""Fixtures of the ssh fleet suite: one fleet per session (sshd, simulator, NFS bed), cleaned up after."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fleet import Fleet  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.leftovers import leftovers  # noqa: E402  pylint: disable=wrong-import-position

TARGET_PYTHON = '/usr/bin/python3'
# make test-compat (FLEET_COMPAT=1, ansible-core 2.16): two hosts run the modules on the Python of
# Oracle Linux 7 (2.7) and 8 (3.6) guests
COMPAT_PYTHONS = {'vs01': '/root/.pyenv/versions/2.7.18/bin/python2.7', 'vs02': '/root/.pyenv/versions/3.6.15/bin/python3.6'}


@pytest.fixture(scope='session')
def fleet(tmp_path_factory):
    pythons = COMPAT_PYTHONS if os.environ.get('FLEET_COMPAT') == '1' else {}
    missing = [p for p in pythons.values() if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail('FLEET_COMPAT=1 needs %s (pyenv builds; tests/setup/install-deps.sh)' % ', '.join(missing))
    with Fleet(tmp_path_factory.mktemp('fleet'), python=TARGET_PYTHON, pythons=pythons) as running:
        yield running


SESSION_TMP = []  # this run's pytest base directory: other runs on the machine have their own beds


@pytest.fixture(scope='session', autouse=True)
def session_tmp(tmp_path_factory):
    SESSION_TMP.append(str(tmp_path_factory.getbasetemp()))


def pytest_sessionfinish(session, exitstatus):  # pylint: disable=unused-argument
    found = leftovers(SESSION_TMP[0] if SESSION_TMP else None)
    if found:
        sys.stderr.write('\nfleet suite left behind: %s\n' % found)
        session.exitstatus = 1
