"""Bulk zfssa_filesystem (one run for N shares) against N single-share runs, on the appliance simulator.

Run it from a laid-out collection (the module code is imported as ansible_collections.exalogic.backup),
with a Python that has ansible-core, for example::

    python3 tests/setup/build_tree.py /tmp/bench-build            # from the checkout: lay the collection out
    cd /tmp/bench-build/ansible_collections/exalogic/backup
    /work/main/.venv/bin/python tests/bench/bench_zfssa_bulk.py [--shares 100]

Each scenario calls the module's main() in this process with real HTTPS to a fresh simulator (so the
numbers are the module's own cost; an ansible-playbook loop adds its per-task overhead on top of the
single-share runs). Printed per scenario: API requests (login/logout included), write requests and
wall time, then the single/bulk ratios. Numbers only; nothing is asserted.
"""

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(COLLECTION_ROOT, 'tests', 'simulator'))
if os.path.basename(os.path.dirname(os.path.dirname(COLLECTION_ROOT))) == 'ansible_collections':
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION_ROOT))))

# pylint: disable=wrong-import-position
from zfssa_sim.control import remove_data_dir, start_simulator  # noqa: E402

try:
    from ansible_collections.exalogic.backup.plugins.modules import zfssa_filesystem  # noqa: E402
    from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import set_module_args  # noqa: E402
except ImportError as err:
    sys.exit('Cannot import the collection (%s). Run this file from a laid-out collection, '
             'see the docstring.' % err)

WRITES = ('POST', 'PUT', 'DELETE')
ACCESS = '/api/access/v1'


def run_zfssa_module_once(args):
    """The result dict of one zfssa_filesystem run (main() prints JSON and exits)."""
    out = io.StringIO()
    with set_module_args(args), contextlib.redirect_stdout(out):
        try:
            zfssa_filesystem.main()
        except SystemExit:
            pass
    result = json.loads(out.getvalue())
    if result.get('failed'):
        raise RuntimeError(result.get('msg'))
    return result


def share_entry(index):
    return {'name': 'vs%03d' % index,
            'nfs_exceptions': [{'network': '10.1.%d.%d' % (index // 200, index % 200 + 1), 'root': True}]}


def measure(sim, label, runs):
    """(label, requests, writes, seconds, changed runs) of a list of module argument dicts run in order."""
    sim.clear_requests()
    started = time.perf_counter()
    changed = sum(1 for args in runs if run_zfssa_module_once(args)['changed'])
    seconds = time.perf_counter() - started
    log = sim.requests()
    writes = [r for r in log if r['method'] in WRITES and r['path'] != ACCESS]
    return label, len(log), len(writes), seconds, changed


def scenario(sim, shares, bulk):
    connection = dict(host=sim.host, port=sim.port, user='root', password='secret', ca_path=sim.cert,
                      pool='gold', project='backups', quota='10G')
    entries = [share_entry(i) for i in range(shares)]
    sim.reset()
    sim.api('POST', '/api/storage/v1/pools/gold/projects', {'name': 'backups', 'mountpoint': '/export/backups'})
    if bulk:
        runs = [dict(connection, filesystems=entries)]
    else:
        runs = [dict(connection, **entry) for entry in entries]
    kind = 'bulk' if bulk else 'single'
    return [measure(sim, '%s create' % kind, runs), measure(sim, '%s unchanged' % kind, runs)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--shares', type=int, default=100)
    args = parser.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix='bench-bulk-')
    try:
        sim = start_simulator(os.path.join(tmp, 'appliance'))
        try:
            bulk = scenario(sim, args.shares, bulk=True)
            single = scenario(sim, args.shares, bulk=False)
        finally:
            sim.stop()
    finally:
        remove_data_dir(tmp)
    print('%d shares, zfssa_filesystem main() in-process against the simulator' % args.shares)
    print('%-18s %9s %7s %9s %8s' % ('run', 'requests', 'writes', 'seconds', 'changed'))
    for label, requests, writes, seconds, changed in bulk + single:
        print('%-18s %9d %7d %9.2f %8d' % (label, requests, writes, seconds, changed))
    print()
    print('%-12s %16s %12s' % ('phase', 'requests ratio', 'time ratio'))
    for phase, b, s in zip(('create', 'unchanged'), bulk, single):
        print('%-12s %15.1fx %11.1fx' % (phase, s[1] / float(b[1]), s[3] / b[3]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
