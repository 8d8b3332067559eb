"""The collection's playbooks against a fleet of vServers over ssh (see fleet.py for the set-up).

Order matters and is fixed by fixtures: appliance setup, then backups, then restores; each test states
what a user relies on and asserts it from the outside (appliance request log, share contents on the
NFS server's disk, the hosts' emulated roots, ansible's recap and summary lines).
"""

import os
import re

import pytest

from fleet import tree_state

FENCE_RE = r'^%s-\d{8}T\d{6}Z$'


@pytest.fixture(scope='session')
def setup_runs(fleet):
    """appliance_setup twice; the request log of the second run."""
    first = fleet.playbook('appliance_setup')
    assert first.returncode == 0, first.explain()
    fleet.sync_exports()
    fleet.clear_requests()
    second = fleet.playbook('appliance_setup')
    return first, second, fleet.requests()


@pytest.fixture(scope='session')
def backup_run(fleet, setup_runs):  # pylint: disable=unused-argument
    fleet.clear_requests()
    run = fleet.playbook('backup')
    return run, fleet.fences()


def test_appliance_setup_creates_one_share_per_host_for_exactly_its_address(fleet, setup_runs):
    first, _second, _log = setup_runs
    assert first.recap['localhost']['failed'] == 0 and first.recap['localhost']['changed'] >= 2, first.explain()
    shares = {s['name']: s for s in fleet.sim.shares() if s['project'] == 'backups'}
    assert sorted(shares) == fleet.names
    assert shares['vs01']['sharenfs'] == 'sec=sys,rw=@127.0.0.1/32,root=@127.0.0.1/32'
    assert shares['vs05']['sharenfs'] == 'sec=sys,rw=@127.0.0.25/32,root=@127.0.0.25/32'
    assert all(s['snapdir'] == 'visible' for s in shares.values())


def test_appliance_setup_second_run_changes_nothing_in_few_requests(fleet, setup_runs):
    _first, second, log = setup_runs
    assert second.returncode == 0, second.explain()
    assert second.recap['localhost']['changed'] == 0, second.explain()
    writes = [r for r in log if r['method'] != 'GET' and not r['path'].startswith('/api/access/')]
    assert writes == []
    reads = [r for r in log if r['method'] == 'GET']
    # project, the fleet's shares, the schedule, the share list: one read each, whatever the fleet size
    assert len(reads) == 4, log
    assert 'msg' and any('5 share(s) (per_host), 0 created or changed' in m for m in second.messages('localhost'))


def test_fleet_backup_in_parallel_with_fence_snapshots(fleet, backup_run):
    run, fences = backup_run
    ok_hosts = [h for h in fleet.names if h not in fleet.failing]
    for host in ok_hosts:
        assert run.recap[host]['failed'] == 0, run.explain()
        summary = [m for m in run.messages(host) if m.startswith('%s: backup complete' % host)]
        assert summary and re.search(r'fence %s-\d{8}T\d{6}Z' % host, summary[0]), run.explain()
        mirror = os.path.join(fleet.share_path(host), host)
        with open(os.path.join(mirror, 'root', 'etc', 'hosts'), encoding='utf-8') as handle:
            assert 'localhost' in handle.read()
        assert os.path.exists(os.path.join(mirror, 'meta', 'manifest.json'))
    for host in ok_hosts:
        assert len(fences.get(host, [])) == 1 and re.match(FENCE_RE % host, fences[host][0]), fences
    assert not [f for h in fleet.failing for f in fences.get(h, [])], 'a failed host got a fence: %s' % fences


def test_a_failing_host_fails_alone_and_says_why_and_how_to_fix(fleet, backup_run):
    run, _snapshots = backup_run
    assert run.returncode != 0
    for host in fleet.failing:
        assert run.recap[host]['failed'] == 1, run.explain()
        failure = [m for m in run.messages(host) if m.startswith('%s: backup FAILED' % host)]
        assert failure, run.explain()
        assert 'in phase mount' in failure[0] or 'in phase verify' in failure[0], failure[0]
        assert not os.listdir(fleet.share_path(host)) or os.listdir(fleet.share_path(host)) == ['.exalogic-backup-share']
