"""Fixtures of the operations suite (tests/ops): the collection as laid out, a throwaway venv with
ansible + awx.awx + ansible-runner (built once, cached in /var/tmp), and an appliance simulator.

Run from the laid-out collection (make layout), like the other pytest suites:
    cd .build/ansible_collections/exalogic/backup && python -m pytest -q -p no:cacheprovider tests/ops
"""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
COLLECTIONS_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION)))
sys.path.insert(0, os.path.join(COLLECTION, 'tests', 'simulator'))
sys.path.insert(0, COLLECTIONS_ROOT)  # import the laid-out collection's filters

from zfssa_sim.control import remove_data_dir, start_simulator  # noqa: E402  pylint: disable=wrong-import-position

OPS_VENV = os.environ.get('EXALOGIC_OPS_VENV', '/var/tmp/exalogic-awx-venv')
OUTPUT = os.path.join(COLLECTION, 'tests', 'output', 'ops')


@pytest.fixture(scope='session')
def ops_venv():
    """The throwaway venv (tests/ops/make_ops_venv.sh): its bin directory."""
    subprocess.check_call(['bash', os.path.join(HERE, 'make_ops_venv.sh'), OPS_VENV])
    return os.path.join(OPS_VENV, 'bin')


@pytest.fixture(scope='session')
def output_dir():
    os.makedirs(OUTPUT, exist_ok=True)
    return OUTPUT


@pytest.fixture
def appliance(tmp_path):
    data = str(tmp_path / 'appliance')
    sim = start_simulator(data, clock='frozen')
    sim.set_clock('2026-12-07T06:00:00Z')
    try:
        yield sim
    finally:
        sim.stop()
        remove_data_dir(data)
