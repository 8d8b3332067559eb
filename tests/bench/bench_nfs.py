"""rsync through the NFS test bed's FUSE mount against the same rsync to a local directory.

    python tests/bench/bench_nfs.py [--files 3000] [--dirs 30] [--size 2048]

Builds a source tree (files spread over directories, every 50th file with a hard link), then times
a first copy and an unchanged re-run of `rsync -aH --numeric-ids --delete` for each scenario and
prints one table with the ratio to the local copy. The rsync_backup rows run the real module
(`ansible localhost -m exalogic.backup.rsync_backup`, tests/nfs/nfsbed/ansible_run.py) on the same
tree: the whole task, its rsync phase, and its exact rsync command run bare over the same kind of
mount. A scenario is a function `(ctx, name) -> (first_seconds, rerun_seconds)`; add one to
SCENARIOS to get another row. Numbers only; nothing is asserted. Run as root (ganesha, FUSE, mount namespaces).
"""

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

NFS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'nfs')
sys.path.insert(0, NFS_DIR)

from nfsbed.ansible_run import collections_path, run_ansible_module  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.bed import NfsBed, remove_appliance_data, start_appliance  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.server import NfsServer  # noqa: E402  pylint: disable=wrong-import-position

RSYNC = ['rsync', '-aH', '--numeric-ids', '--delete']


class Context:
    """What every scenario gets: the source tree, a scratch dir, the bed (simulator + ganesha)."""

    def __init__(self, source, scratch, bed):
        self.source = source
        self.scratch = scratch
        self.bed = bed
        self.module_runs = []  # results of the rsync_backup runs, for the rows that reuse them


def make_tree(root, files, dirs, size):
    payload = os.urandom(size)
    for number in range(files):
        folder = os.path.join(root, 'd%03d' % (number % dirs))
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, 'f%05d' % number)
        with open(path, 'wb') as handle:
            handle.write(payload[number % 64:] + payload[:number % 64])
        if number % 50 == 0:
            os.link(path, path + '.link')


def timed(argv):
    started = time.monotonic()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def local_rsync(ctx, name):
    target = os.path.join(ctx.scratch, name)
    argv = RSYNC + [ctx.source + '/', target + '/']
    return timed(argv), timed(argv)


def fuse_nfs_rsync(ctx, name):
    """Mount once in a private namespace; bash times each rsync inside it (mount time excluded)."""
    ctx.bed.share(name)
    mnt = os.path.join(ctx.scratch, name + '-mnt')
    os.makedirs(mnt)
    rsync = ' '.join(RSYNC + [ctx.source + '/', mnt + '/tree/'])
    script = ('mount -t nfs -o vers=3,tcp,hard,nolock %s %s || exit 99\nTIMEFORMAT=%%R\n'
              '{ time %s >/dev/null; } 2>&1\n{ time %s >/dev/null; } 2>&1\numount %s\n'
              % (ctx.bed.spec(name), mnt, rsync, rsync, mnt))
    result = ctx.bed.run(['bash', '-c', script], timeout=3600)
    if result.returncode != 0:
        raise RuntimeError('%s failed (%s): %s' % (name, result.returncode, result.stderr))
    first, rerun = [float(line) for line in result.stdout.split()[-2:]]
    return first, rerun


def module_backup(ctx, name):
    """exalogic.backup.rsync_backup run by `ansible` in the namespace: the whole task (ansible start-up,
    mount, verification, gates, rsync, side-car files, manifest, unmount), first run and unchanged re-run."""
    ctx.bed.share(name)
    work = os.path.join(ctx.scratch, name)
    os.makedirs(work)
    args = dict(nfs_server=ctx.bed.server.bind_addr, nfs_export=ctx.bed.spec(name).split(':', 1)[1],
                mount_point=os.path.join(work, 'mnt'), backup_dir=name, root=ctx.source, init=True,
                lock_file=os.path.join(work, 'lock'))
    collections = collections_path(os.path.join(ctx.scratch, 'collections'))
    seconds = []
    for _run in range(2):
        started = time.monotonic()
        run = run_ansible_module(collections, 'rsync_backup', args, work, timeout=3600)
        seconds.append(time.monotonic() - started)
        if run.failed:
            raise RuntimeError('%s failed: %s' % (name, run.explain()))
        ctx.module_runs.append(run.result)
    return seconds[0], seconds[1]


def module_rsync_phase(ctx, name):  # pylint: disable=unused-argument
    """The rsync phase alone of the two rsync_backup runs above (the module's own timings)."""
    first, rerun = ctx.module_runs[-2:]
    return first['timings']['rsync'], rerun['timings']['rsync']


def module_flags_rsync(ctx, name):
    """The exact rsync command rsync_backup ran, bare, into a fresh share (mount time excluded)."""
    ctx.bed.share(name)
    mnt = os.path.join(ctx.scratch, name + '-mnt')
    os.makedirs(mnt)
    command = ctx.module_runs[-1]['command'][:-1] + [mnt + '/']
    rsync = ' '.join(shlex.quote(arg) for arg in command)
    script = ('mount -t nfs -o vers=3,tcp,hard,nolock %s %s || exit 99\nTIMEFORMAT=%%R\n'
              '{ time %s >/dev/null || exit 97; } 2>&1\n{ time %s >/dev/null || exit 97; } 2>&1\numount %s\n'
              % (ctx.bed.spec(name), mnt, rsync, rsync, mnt))
    result = ctx.bed.run(['bash', '-c', script], timeout=3600)
    if result.returncode != 0:
        raise RuntimeError('%s failed (%s): %s %s' % (name, result.returncode, result.stdout, result.stderr))
    first, rerun = [float(line) for line in result.stdout.split()[-2:]]
    return first, rerun


# (row name, function); the first row is the baseline of the ratio column
SCENARIOS = [
    ('rsync to a local directory', local_rsync),
    ('rsync into the FUSE NFSv3 mount', fuse_nfs_rsync),
    ('rsync_backup via ansible, whole task', module_backup),
    ('rsync_backup: its rsync phase', module_rsync_phase),
    ('rsync_backup flags, bare rsync', module_flags_rsync),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--files', type=int, default=3000)
    parser.add_argument('--dirs', type=int, default=30)
    parser.add_argument('--size', type=int, default=2048, help='bytes per file')
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix='bench-nfs-')
    sim = server = None
    try:
        source = os.path.join(scratch, 'source')
        make_tree(source, args.files, args.dirs, args.size)
        sim = start_appliance(os.path.join(scratch, 'appliance'))
        server = NfsServer(os.path.join(scratch, 'ganesha'))
        server.start()
        bed = NfsBed(sim, server)
        bed.project('bench')
        ctx = Context(source, scratch, bed)
        rows = []
        for number, (name, scenario) in enumerate(SCENARIOS):
            first, rerun = scenario(ctx, 'row%d' % number)
            rows.append((name, first, rerun))
        print('%d files (+%d hard links) in %d dirs, %d bytes each; rsync %s'
              % (args.files, (args.files + 49) // 50, args.dirs, args.size, ' '.join(RSYNC[1:])))
        print('%-36s %10s %10s %12s %12s' % ('scenario', 'first s', 'rerun s', 'first ratio', 'rerun ratio'))
        base_first, base_rerun = rows[0][1], rows[0][2]
        for name, first, rerun in rows:
            print('%-36s %10.2f %10.2f %12.1f %12.1f' % (name, first, rerun, first / base_first, rerun / base_rerun))
    finally:
        if server is not None:
            server.stop()
        if sim is not None:
            sim.stop()
            remove_appliance_data(os.path.join(scratch, 'appliance'))
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
