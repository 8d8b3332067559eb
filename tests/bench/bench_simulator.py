"""Simulator latency with 200 shares and 5,000 snapshots, against a nearly empty appliance in the same run.

    python tests/bench/bench_simulator.py [--projects 10] [--shares 20] [--snapshots 25] [--samples 200]

Prints median and p95 latency of list and get calls (one kept-alive HTTPS connection, session auth)
and the loaded/empty ratio. Numbers only; nothing is asserted.
"""

import argparse
import http.client
import json
import os
import ssl
import statistics
import sys
import tempfile
import time

SIMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'simulator')
sys.path.insert(0, SIMULATOR_DIR)

from zfssa_sim.control import remove_data_dir, start_simulator  # noqa: E402  pylint: disable=wrong-import-position


class Connection:
    """One kept-alive HTTPS connection with a session, like a module's client."""

    def __init__(self, sim):
        ctx = ssl.create_default_context(cafile=sim.cert)
        self.conn = http.client.HTTPSConnection(sim.host, sim.port, context=ctx, timeout=120)
        self.headers = {'Accept': 'application/json', 'Content-Type': 'application/json'}
        status, headers, _body = self.call('POST', '/api/access/v1', extra=sim.basic_auth())
        assert status == 201, status
        self.headers['X-Auth-Session'] = headers['X-Auth-Session']

    def call(self, method, path, body=None, extra=None):
        headers = dict(self.headers, **(extra or {}))
        self.conn.request(method, path, body=None if body is None else json.dumps(body).encode('utf-8'), headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, resp.headers, json.loads(data) if data else None

    def must(self, method, path, body=None, status=None):
        got, _headers, parsed = self.call(method, '/api/storage/v1' + path, body)
        wanted = status or {'GET': 200, 'POST': 201}[method]
        if got != wanted:
            raise RuntimeError('%s %s -> %s %s' % (method, path, got, parsed))
        return parsed

    def close(self):
        self.conn.close()


def populate(conn, projects, shares, snapshots):
    for p in range(projects):
        conn.must('POST', '/pools/gold/projects', {'name': 'proj%02d' % p, 'mountpoint': '/export/proj%02d' % p})
        for s in range(shares):
            conn.must('POST', '/pools/gold/projects/proj%02d/filesystems' % p, {'name': 'vs%03d' % s})
            for n in range(snapshots):
                conn.must('POST', '/pools/gold/projects/proj%02d/filesystems/vs%03d/snapshots' % (p, s), {'name': 'snap%03d' % n})


def probes(projects, shares, snapshots):
    """(label, path, samples factor) of the calls we time; names point at the last objects created."""
    p, s, n = 'proj%02d' % (projects - 1), 'vs%03d' % (shares - 1), 'snap%03d' % (snapshots - 1)
    share = '/pools/gold/projects/%s/filesystems/%s' % (p, s)
    return [
        ('list projects', '/pools/gold/projects', 0.25),
        ('list filesystems of a project', '/pools/gold/projects/%s/filesystems' % p, 1),
        ('list all filesystems', '/filesystems', 0.25),
        ('get filesystem', share, 1),
        ('list snapshots of a filesystem', share + '/snapshots', 1),
        ('get snapshot', share + '/snapshots/' + n, 1),
        ('list all snapshots', '/snapshots', 0.1),
    ]


def measure(conn, path, samples):
    times = []
    for _sample in range(max(5, int(samples))):
        started = time.perf_counter()
        conn.must('GET', path)
        times.append((time.perf_counter() - started) * 1000.0)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def run(args):
    results = {}
    tmp = tempfile.mkdtemp(prefix='bench-sim-')
    try:
        for label, (projects, shares, snapshots) in (('empty', (1, 1, 1)),
                                                     ('loaded', (args.projects, args.shares, args.snapshots))):
            started = time.perf_counter()
            sim = start_simulator(os.path.join(tmp, label), clock='frozen', clock_start='2024-01-01T00:00:00Z')
            startup = time.perf_counter() - started
            try:
                conn = Connection(sim)
                started = time.perf_counter()
                populate(conn, projects, shares, snapshots)
                filled = time.perf_counter() - started
                print('%-6s appliance: %d shares, %d snapshots; start %.2f s, populate %.1f s' % (
                    label, projects * shares, projects * shares * snapshots, startup, filled))
                results[label] = [(name, measure(conn, path, args.samples * factor))
                                  for name, path, factor in probes(projects, shares, snapshots)]
                conn.close()
            finally:
                sim.stop()
    finally:
        remove_data_dir(tmp)
    print()
    print('%-32s %14s %14s %14s %14s %8s' % ('call', 'empty med ms', 'empty p95 ms', 'loaded med ms', 'loaded p95 ms', 'ratio'))
    for (name, (e_med, e_p95)), (_name, (l_med, l_p95)) in zip(results['empty'], results['loaded']):
        print('%-32s %14.2f %14.2f %14.2f %14.2f %7.1fx' % (name, e_med, e_p95, l_med, l_p95, l_med / e_med))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--projects', type=int, default=10)
    parser.add_argument('--shares', type=int, default=20, help='per project')
    parser.add_argument('--snapshots', type=int, default=25, help='per share')
    parser.add_argument('--samples', type=int, default=200)
    run(parser.parse_args(argv))
    return 0


if __name__ == '__main__':
    sys.exit(main())
