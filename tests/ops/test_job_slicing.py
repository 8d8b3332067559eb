"""The backup job template under AWX job slicing: two slices of one inventory run at the same time.

AWX runs a sliced job template (job_slice_count > 1) as one job per slice, each with the inventory cut down
to its slice's hosts (the inventory's `subset=sliceNofM`: hosts by name, every M-th one), and each job is an
ansible-runner run on a private data dir: env/envvars (what the "ZFS Storage Appliance" credential injects),
env/extravars (the job template's variables), inventory/hosts, project/backup.yml. Here two such jobs run
concurrently over ssh against six vServers on 127.0.0.61-66 (tests/fleet/fleet.py: sshd, simulator, NFS bed),
with a replication action from the appliance to a second simulator. Each update stays "sending" for a while
(simulator option replication_delay), so the second slice reaches its update while the first one's still
runs - the case where a slice that only asks "update now" finds the appliance busy and its fences are never
sent.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
import yaml

from conftest import COLLECTION

sys.path.insert(0, os.path.join(COLLECTION, 'tests', 'fleet'))

from fleet import Fleet  # noqa: E402  pylint: disable=wrong-import-position
from zfssa_sim.control import remove_data_dir, start_simulator  # noqa: E402  pylint: disable=wrong-import-position

SLICES = 2
HOSTS = 6
ADDRESSES = (61, 9)  # contract 5: helper "slicing" owns 127.0.0.61-69
UPDATE_SECONDS = 15  # how long each replication update stays in state "sending" on the simulator
SLOW_DUMP_SECONDS = 8  # vs02's pre-backup database export takes this long: its slice fences after the other sent
PEER_PASSWORD = 'peer-secret'
PROJECT = '/api/storage/v1/pools/gold/projects/backups'
FENCE_RE = r'^%s-\d{8}T\d{6}Z$'


def api_ok(result):
    assert result[0] < 300, result
    return result[2]


def wait_idle(sim, action, timeout=300):
    """The replication action once no update runs (the jobs may end before an update they did not wait for)."""
    deadline = time.monotonic() + timeout
    while True:
        current = api_ok(sim.api('GET', '/api/storage/v1/replication/actions/%s' % action))['action']
        if current['state'] == 'idle' or time.monotonic() > deadline:
            return current
        time.sleep(0.2)


def awx_slices(names, count):
    """The hosts of each slice, as AWX cuts them: ordered by name, slice n takes every count-th from the n-th."""
    ordered = sorted(names)
    return [ordered[n::count] for n in range(count)]


def runner_program():
    return shutil.which('ansible-runner') or os.path.join(os.path.dirname(sys.executable), 'ansible-runner')


@pytest.fixture(scope='module')
def sliced(tmp_path_factory):
    """Appliance setup, a replication action to a peer, then the two slices at once: (fleet, peer, action, jobs)."""
    work = tmp_path_factory.mktemp('slicing')
    peer_data = str(work / 'peer')
    peer = start_simulator(peer_data, password=PEER_PASSWORD, pools=('dr',), clock='frozen')
    try:
        with Fleet(work / 'fleet', hosts=HOSTS, failing=(), addresses=ADDRESSES) as fleet:
            setup = fleet.playbook('appliance_setup')
            assert setup.returncode == 0, setup.explain()
            fleet.sync_exports()
            action = replication_action(fleet.sim, peer)
            fleet.sim.configure(replication_delay=UPDATE_SECONDS)
            fleet.clear_requests()
            jobs = run_slices(fleet, work)
            yield fleet, peer, action, jobs
    finally:
        peer.stop()
        remove_data_dir(peer_data)


def replication_action(sim, peer):
    """Target 'dr' (the peer) and a replication action of project backups to it; its id."""
    api_ok(sim.api('POST', '/api/storage/v1/replication/targets', {
        'hostname': '%s:%d' % (peer.host, peer.port), 'root_password': PEER_PASSWORD, 'label': 'dr'}))
    return api_ok(sim.api('POST', PROJECT + '/replication/actions', {'target': 'dr', 'target_pool': 'dr'}))['action']['id']


def private_data_dir(fleet, top, hosts):
    """An AWX job's private data dir for one slice: its hosts only, the fleet's group and host variables."""
    pdd = top
    for sub in ('env', 'inventory', 'project'):
        (pdd / sub).mkdir(parents=True)
    ca_file = pdd / 'env' / 'tmp_ca_cert'  # AWX's file injector: a private temporary file
    shutil.copy(fleet.sim.cert, str(ca_file))
    envvars = dict(ZFSSA_HOST=fleet.sim.host, ZFSSA_USER='root', ZFSSA_PASSWORD='secret', ZFSSA_VALIDATE_CERTS='True',
                   ZFSSA_CA_PATH=str(ca_file))
    (pdd / 'env' / 'envvars').write_text(yaml.safe_dump(envvars))
    extravars = dict(vserver_backup_replication_update=True, vserver_backup_replication_target='dr')
    (pdd / 'env' / 'extravars').write_text(yaml.safe_dump(extravars))
    with open(fleet.inventory, encoding='utf-8') as handle:
        inventory = json.load(handle)
    del inventory['all']['hosts']  # the slice sees no localhost host: the fence runs on the implicit localhost
    group = inventory['all']['children']['vservers']
    group['hosts'] = dict((name, group['hosts'][name]) for name in hosts)
    for entry in group['hosts'].values():
        for hook in entry.get('vserver_backup_hooks', []):
            hook['command'] = 'sleep %d && %s' % (SLOW_DUMP_SECONDS, hook['command'])
    (pdd / 'inventory' / 'hosts.json').write_text(json.dumps(inventory, indent=1))
    shutil.copy(os.path.join(COLLECTION, 'playbooks', 'backup.yml'), str(pdd / 'project' / 'backup.yml'))
    return pdd


def start_job(fleet, pdd):
    """ansible-runner on one private data dir, as an AWX job; the process."""
    env = fleet.env()
    for name in list(env):
        if name.startswith('ZFSSA_'):
            del env[name]  # only the envvars file may carry the credential
    env['PATH'] = os.path.dirname(runner_program()) + os.pathsep + env['PATH']
    return subprocess.Popen([runner_program(), 'run', str(pdd), '-p', 'backup.yml', '--forks', '10'], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def job_result(pdd, proc):
    """(status of the job as AWX reads it from the artifacts, its output)."""
    output = proc.communicate(timeout=900)[0]
    artifacts = sorted((pdd / 'artifacts').iterdir(), key=lambda p: p.stat().st_mtime)[-1]
    return (artifacts / 'status').read_text().strip(), output


def run_slices(fleet, work):
    """Start every slice's job, then wait for all of them: {slice hosts tuple: (status, output)}."""
    jobs = {}
    for number, hosts in enumerate(awx_slices(fleet.names, SLICES), 1):
        pdd = private_data_dir(fleet, work / ('slice%d' % number), hosts)
        jobs[tuple(hosts)] = (pdd, start_job(fleet, pdd))
    return dict((hosts, job_result(pdd, proc)) for hosts, (pdd, proc) in jobs.items())


def test_every_slice_succeeds_and_backs_up_exactly_its_hosts(sliced):
    fleet, _peer, _action, jobs = sliced
    seen = []
    for hosts, (status, output) in jobs.items():
        assert status == 'successful', output[-8000:]
        recap = dict((m.group(1), m.group(2)) for m in re.finditer(r'^(\S+)\s+: ok=\d+ .* failed=(\d+)', output, re.M))
        assert sorted(recap) == sorted(hosts), output[-4000:]
        for host in hosts:
            summaries = re.findall(r'"msg": "(%s: backup complete[^"]*)"' % host, output)
            assert len(summaries) == 1 and re.search(r'fence %s-\d{8}T\d{6}Z' % host, summaries[0]), output[-8000:]
        seen += hosts
    assert sorted(seen) == fleet.names  # every host in exactly one slice


def test_every_host_has_exactly_its_fence_snapshot(sliced):
    fleet, _peer, _action, _jobs = sliced
    fences = fleet.fences()
    for host in fleet.names:
        assert len(fences[host]) == 1 and re.match(FENCE_RE % host, fences[host][0]), fences
    posts = [r['path'] for r in fleet.requests() if r['method'] == 'POST' and r['path'].endswith('/snapshots')]
    assert sorted(posts) == sorted('%s/filesystems/%s/snapshots' % (PROJECT, h) for h in fleet.names), posts


def test_each_slice_sends_its_update_and_the_replica_holds_every_fence(sliced):
    fleet, peer, action, jobs = sliced
    assert [status for status, _output in jobs.values()] == ['successful'] * SLICES
    assert wait_idle(fleet.sim, action)['last_result'] == 'success'
    fences = fleet.fences()
    package = '/api/storage/v1/replication/packages/%s/projects/backups/filesystems/%%s/snapshots' % action
    replica = dict((host, sorted(s['name'] for s in api_ok(peer.api('GET', package % host))['snapshots']))
                   for host in fleet.names)
    assert replica == fences, 'fences missing on the replication target'
    sent = [r for r in fleet.requests() if r['method'] == 'PUT' and r['path'].endswith('/%s/sendupdate' % action)]
    assert len([r for r in sent if r['status'] == 202]) == SLICES, sent


def test_an_update_started_between_read_and_send_is_waited_for(sliced, tmp_path):
    """Another slice's update starts just after this job read the action as idle: its sendupdate gets 409."""
    fleet, peer, action, _jobs = sliced
    wait_idle(fleet.sim, action)
    fleet.sim.configure(replication_delay=10)  # ours still runs when the job sends
    fleet.clear_requests()
    send = '/api/storage/v1/replication/actions/%s/sendupdate' % action
    # hold the job's sendupdate for 3 s after it arrived, and send an update of our own in that time
    fleet.sim.inject('delay', path_prefix=send, method='PUT', delay=3)
    pdd = private_data_dir(fleet, tmp_path / 'late-slice', ['vs01'])
    proc = start_job(fleet, pdd)
    deadline = time.monotonic() + 600
    while fleet.sim.control('GET', 'faults')['faults'] and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    api_ok(fleet.sim.api('PUT', send))
    status, output = job_result(pdd, proc)
    assert status == 'successful', output[-8000:]
    answers = [r['status'] for r in fleet.requests() if r['method'] == 'PUT' and r['path'] == send]
    assert answers == [202, 409, 202], answers  # ours, the job's refused one, the job's retry after waiting
    fence = fleet.fences()['vs01'][-1]
    package = '/api/storage/v1/replication/packages/%s/projects/backups/filesystems/vs01/snapshots' % action
    assert fence in [s['name'] for s in api_ok(peer.api('GET', package))['snapshots']]
