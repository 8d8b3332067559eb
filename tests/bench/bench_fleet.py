"""Per-host overhead of the playbooks over ssh, and the cost of appliance setup for a large fleet.

    python tests/bench/bench_fleet.py [--hosts 20] [--forks 20] [--setup-hosts 100]

1. Fleet backup, unchanged trees: `exalogic.backup.backup` for 1 host, then for N hosts with forks, both after
   a first (untimed) backup; prints wall times, (N-host time - 1-host time) / (N - 1) and N-host time / N.
   Hosts are the ssh fleet of tests/fleet/fleet.py (loopback 127.0.0.21-29, pipelining, each host its own
   root), backups through the NFS test bed, fence snapshots on the simulator.
2. Appliance setup for M hosts (addresses 10.20.x.y; no ssh needed): wall time and HTTP requests of the
   second run (nothing to change). Numbers only; nothing is asserted. Run as root.
"""

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fleet'))

from fleet import Fleet  # noqa: E402  pylint: disable=wrong-import-position


def timed(fleet, *args):
    started = time.monotonic()
    run = fleet.playbook('backup', *args)
    if run.returncode != 0:
        raise RuntimeError(run.explain())
    return time.monotonic() - started


def bench_backup(fleet, hosts, forks):
    fleet.playbook('appliance_setup')
    fleet.sync_exports()
    timed(fleet, '-f', str(forks))  # first copy, not timed
    one = timed(fleet, '--limit', 'vs01')
    many = timed(fleet, '-f', str(forks))
    print('fleet backup, unchanged trees (ssh, pipelining, %d forks on %d cores):' % (forks, os.cpu_count()))
    print('  1 host: %.1f s   %d hosts: %.1f s   marginal per host: %.2f s   wall per host: %.2f s'
          % (one, hosts, many, (many - one) / (hosts - 1), many / hosts))


def bench_setup(fleet, count):
    inventory = os.path.join(fleet.work, 'big-inventory.json')
    hosts = {'h%03d' % i: {'ansible_host': '10.20.%d.%d' % (i // 250, i % 250 + 1)} for i in range(count)}
    with open(fleet.inventory, encoding='utf-8') as handle:
        base = json.load(handle)
    base['all']['children']['vservers'] = {'hosts': hosts}
    with open(inventory, 'w', encoding='utf-8') as handle:
        json.dump(base, handle)
    fleet.playbook('appliance_setup', '-i', inventory)
    fleet.clear_requests()
    started = time.monotonic()
    run = fleet.playbook('appliance_setup', '-i', inventory)
    seconds = time.monotonic() - started
    log = fleet.requests()
    reads = [r for r in log if r['method'] == 'GET']
    sessions = [r for r in log if r['path'].startswith('/api/access/')]
    print('appliance setup, %d hosts, second run: %.1f s, rc %d, %d HTTP requests (%d reads, %d session login/logout, '
          '%d writes)' % (count, seconds, run.returncode, len(log), len(reads), len(sessions),
                          len(log) - len(reads) - len(sessions)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--hosts', type=int, default=20)
    parser.add_argument('--forks', type=int, default=20)
    parser.add_argument('--setup-hosts', type=int, default=100)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='bench-fleet-') as work:
        with Fleet(work, hosts=opts.hosts, failing=()) as fleet:
            bench_backup(fleet, opts.hosts, opts.forks)
            bench_setup(fleet, opts.setup_hosts)
    return 0


if __name__ == '__main__':
    sys.exit(main())
