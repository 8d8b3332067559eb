"""Fixtures of the ssh fleet suite: one fleet per session (sshd, simulator, NFS bed), cleaned up after."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fleet import Fleet  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.leftovers import leftovers  # noqa: E402  pylint: disable=wrong-import-position

TARGET_PYTHON = os.environ.get('FLEET_PYTHON', '/usr/bin/python3')


@pytest.fixture(scope='session')
def fleet(tmp_path_factory):
    with Fleet(tmp_path_factory.mktemp('fleet'), python=TARGET_PYTHON) as running:
        yield running


def pytest_sessionfinish(session, exitstatus):  # pylint: disable=unused-argument
    found = leftovers()
    if found:
        sys.stderr.write('\nfleet suite left behind: %s\n' % found)
        session.exitstatus = 1
