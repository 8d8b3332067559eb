"""The collection's playbooks against a fleet of vServers over ssh (see fleet.py for the set-up).

Order matters and is fixed by fixtures: appliance setup, then backups, then restores; each test states
what a user relies on and asserts it from the outside (appliance request log, share contents on the
NFS server's disk, the hosts' emulated roots, ansible's recap and summary lines).
"""

import os
import re
import subprocess

import pytest

from fleet import NON_ASCII, tree_state

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
    assert any('5 share(s) (per_host), 0 created or changed' in m for m in second.messages('localhost'))


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
        assert 'in phase mount' in failure[0] and 'Permission denied' in failure[0], failure[0]
        assert 'zfssa_backup_share_address' in failure[0], failure[0]  # the hint names the fix
        assert not os.listdir(fleet.share_path(host)) or os.listdir(fleet.share_path(host)) == ['.exalogic-backup-share']


def test_a_pre_backup_hook_dump_is_fresh_and_backed_up(fleet, backup_run):
    run, _fences = backup_run
    assert run.recap['vs02']['failed'] == 0, run.explain()
    with open(os.path.join(fleet.share_path('vs02'), 'vs02', 'root', 'var', 'dump.sql'), encoding='utf-8') as handle:
        assert handle.read().strip()


def test_a_stale_hook_dump_stops_that_backup(fleet, backup_run):  # pylint: disable=unused-argument
    stale = os.path.join(fleet.root('vs03'), 'var', 'old.dump')
    with open(stale, 'w', encoding='utf-8') as handle:
        handle.write('last week\n')
    os.utime(stale, (1000000000, 1000000000))
    before = tree_state(fleet.share_path('vs03'))
    run = fleet.playbook('backup', '--limit', 'vs03', extra={
        'vserver_backup_hooks': [{'name': 'ldap export', 'command': 'true', 'dump': stale}]})
    assert run.recap['vs03']['failed'] == 1, run.explain()
    assert any('pre-backup hook ldap export' in m and 'older than this run' in m and 'Fix the hook' in m
               for m in run.messages('vs03')), run.explain()
    assert tree_state(fleet.share_path('vs03')) == before
    os.unlink(stale)


def test_check_mode_of_each_playbook_changes_nothing(fleet, backup_run):
    run, fences = backup_run
    assert run.recap['vs01']['failed'] == 0
    hosts = [h for h in fleet.names if h not in fleet.failing]
    with open(os.path.join(fleet.root('vs01'), 'etc', 'hosts'), 'a', encoding='utf-8') as handle:
        handle.write('10.9.9.9 a-change-check-mode-must-not-back-up\n')
    trees = {h: (tree_state(fleet.share_path(h)), tree_state(fleet.root(h))) for h in hosts}
    for playbook, extra in (('appliance_setup', None), ('backup', None),
                            ('restore', {'restore_hosts': 'vs01', 'vserver_restore_paths': ['/etc/hosts']})):
        fleet.clear_requests()
        checked = fleet.playbook(playbook, check=True, extra=extra)
        assert all(checked.recap[h]['failed'] == 0 for h in checked.recap if h not in fleet.failing), checked.explain()
        assert fleet.writes() == [], (playbook, fleet.writes())
        assert {h: (tree_state(fleet.share_path(h)), tree_state(fleet.root(h))) for h in hosts} == trees, playbook
    assert fleet.fences() == fences


def test_restore_one_file_from_the_fence_keeps_the_replaced_version(fleet, backup_run):
    _run, fences = backup_run
    hosts_file = os.path.join(fleet.root('vs01'), 'etc', 'hosts')
    with open(hosts_file, 'w', encoding='utf-8') as handle:
        handle.write('10.9.9.9 oops-an-unwanted-change\n')
    others = tree_state(fleet.root('vs02'))
    run = fleet.playbook('restore', extra={'restore_hosts': 'vs01', 'vserver_restore_paths': ['/etc/hosts'],
                                           'vserver_restore_snapshot': fences['vs01'][0]})
    assert run.returncode == 0, run.explain()
    with open(hosts_file, encoding='utf-8') as handle:
        assert handle.read() == '127.0.0.1 localhost\n192.168.1.10 vs1\n'
    assert any('would change 1' in m for m in run.messages('vs01')), run.explain()  # the preview came first
    summary = [m for m in run.messages('vs01') if m.startswith('vs01: restored 1 entries')]
    assert summary and 'replaced files kept in ' in summary[0], run.explain()
    kept = summary[0].split('replaced files kept in ', 1)[1].strip()
    kept_path = os.path.join(fleet.root('vs01'), os.path.relpath(kept, fleet.root('vs01')), 'etc', 'hosts')
    with open(kept_path, encoding='utf-8') as handle:
        assert 'oops-an-unwanted-change' in handle.read()
    assert tree_state(fleet.root('vs02')) == others


def test_whole_server_restore_into_slash_refuses_without_confirmation(fleet, backup_run):  # pylint: disable=unused-argument
    run = fleet.playbook('restore', extra={'restore_hosts': 'vs02', 'vserver_restore_dest': '/'})
    assert run.recap['vs02']['failed'] == 1, run.explain()
    assert any('set vserver_restore_confirm_whole_server: true' in m for m in run.messages('vs02')), run.explain()


def test_non_ascii_file_name_acl_goes_through_the_side_car_and_comes_back(fleet, backup_run):
    run, _fences = backup_run
    assert run.recap['vs02']['failed'] == 0, run.explain()
    alternate = os.path.join(fleet.host_dir('vs02'), 'alternate')
    os.makedirs(alternate, exist_ok=True)  # rsync_restore wants an existing (mounted) target
    restored = fleet.playbook('restore', extra={'restore_hosts': 'vs02', 'vserver_restore_paths': ['/' + NON_ASCII],
                                                'vserver_restore_dest': alternate})
    assert restored.returncode == 0, restored.explain()
    path = os.path.join(alternate, NON_ASCII)
    with open(path, encoding='utf-8') as handle:
        assert handle.read() == 'non-ascii name\n'
    acl = subprocess.run(['getfacl', '-cn', path], stdout=subprocess.PIPE, text=True, check=True).stdout
    assert 'user:4242:r--' in acl, acl
    # on the share the ACL is not on the file (NFSv3) but in the side-car
    mirror_file = os.path.join(fleet.share_path('vs02'), 'vs02', 'root', NON_ASCII)
    assert 'user:4242' not in subprocess.run(['getfacl', '-cn', mirror_file], stdout=subprocess.PIPE, text=True,
                                             check=True).stdout


def test_each_host_runs_modules_on_its_own_python(fleet):
    versions = fleet.python_versions()
    for host in fleet.names:
        wanted = fleet.pythons.get(host, fleet.python).rsplit('python', 1)[1] or '3'
        assert versions[host].startswith(wanted), versions
