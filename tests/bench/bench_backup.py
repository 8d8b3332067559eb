"""rsync_backup against the same work done by hand: a one-task module playbook, a one-task
ansible.builtin.command playbook running the module's own rsync argv, and that argv run bare.

    python tests/bench/bench_backup.py [--sizes 10000,100000] [--repeat 3] [--root filesystem|directory]

For each size, builds a tree (files spread over directories of 100) on its own loop-mounted ext4
filesystem (the usual case: a source that is a whole filesystem, counted by statvfs) or in a plain
directory (an alternate root: the gates walk it), then for each repeat: a first
backup onto an empty share and an unchanged re-run, for each of the three ways. Prints the median
seconds, the ratios module / command playbook / bare rsync, and the module's per-phase timings.
The share is a local directory bind-mounted by the module (mount: auto); sidecar: [] so the side-car
walk (helper-owned code elsewhere) is timed separately in its own row. Numbers only; nothing is
asserted. Run as root, from a built collection (make layout; this file finds .build itself).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get('BUILD', os.path.join(REPO, '.build'))
VENV = os.environ.get('VENV', '/work/main/.venv')
ANSIBLE_PLAYBOOK = os.path.join(VENV, 'bin', 'ansible-playbook')


def build_tree(root, files):
    for number in range(files):
        directory = os.path.join(root, 'd%04d' % (number // 100))
        if number % 100 == 0:
            os.makedirs(directory)
        with open(os.path.join(directory, 'f%06d' % number), 'w') as handle:
            handle.write('content %d\n' % number)


def playbook(path, task):
    with open(path, 'w') as handle:
        json.dump([{'hosts': 'localhost', 'connection': 'local', 'gather_facts': False, 'tasks': [task]}], handle)


def run_playbook(path, env):
    start = time.time()
    proc = subprocess.run([ANSIBLE_PLAYBOOK, '-i', 'localhost,', path], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, check=False)
    seconds = time.time() - start
    if proc.returncode != 0:
        sys.exit('playbook failed:\n' + proc.stdout.decode(errors='replace')[-3000:])
    return seconds


def timed(argv):
    start = time.time()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.time() - start


class Bench:
    def __init__(self, scratch, files, whole_fs):
        self.scratch = scratch
        self.root = os.path.join(scratch, 'root')
        self.share = os.path.join(scratch, 'share')
        self.mnt = os.path.join(scratch, 'mnt')
        self.out = os.path.join(scratch, 'result.json')
        os.makedirs(self.root)
        if whole_fs:  # the server's root is a filesystem of its own, as on a real host (gates use statvfs)
            image = os.path.join(scratch, 'root.img')
            subprocess.run(['truncate', '-s', '%dM' % (256 + files // 100), image], check=True)
            subprocess.run(['mkfs.ext4', '-q', '-N', str(files * 2 + 10000), image], check=True)
            subprocess.run(['mount', '-o', 'loop', image, self.root], check=True)
        build_tree(self.root, files)
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=BUILD, ANSIBLE_STDOUT_CALLBACK='minimal',
                        ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
                        ANSIBLE_PYTHON_INTERPRETER=os.path.join(VENV, 'bin', 'python'))

    def fresh_share(self):
        shutil.rmtree(self.share, ignore_errors=True)
        os.makedirs(self.share)
        with open(os.path.join(self.share, '.exalogic-backup-share'), 'w') as handle:
            handle.write('bench\n')

    def module(self):
        path = os.path.join(self.scratch, 'module.json')
        playbook(path, {'exalogic.backup.rsync_backup': {
            'src': self.share, 'fstype': 'none', 'opts': 'bind', 'mount_point': self.mnt, 'backup_dir': 'bench',
            'root': self.root, 'expected_mounts': [], 'sidecar': [],
            'lock_file': os.path.join(self.scratch, 'bench.lock'),
            'progress_file': os.path.join(self.scratch, 'progress.json')},
            'register': 'result'})
        seconds = run_playbook(path, self.env)
        return seconds

    def module_result(self):
        """One direct module run for its timings and its rsync argv (not timed)."""
        args = os.path.join(self.scratch, 'args.json')
        with open(args, 'w') as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': {
                'src': self.share, 'fstype': 'none', 'opts': 'bind', 'mount_point': self.mnt, 'backup_dir': 'bench',
                'root': self.root, 'expected_mounts': [], 'sidecar': [],
                'lock_file': os.path.join(self.scratch, 'bench.lock'),
                'progress_file': os.path.join(self.scratch, 'progress.json'),
                '_ansible_remote_tmp': '/tmp', '_ansible_keep_remote_files': False}}, handle)
        code = ('import sys; sys.argv = ["m", %r]; from ansible_collections.exalogic.backup.plugins.modules '
                'import rsync_backup as m; m.main()' % args)
        proc = subprocess.run([os.path.join(VENV, 'bin', 'python'), '-c', code], env=dict(os.environ, PYTHONPATH=BUILD),
                              stdout=subprocess.PIPE, check=False)
        return json.loads(proc.stdout.decode())

    def with_mount(self, func):
        subprocess.run(['mount', '--bind', self.share, self.mnt], check=True)
        try:
            return func()
        finally:
            subprocess.run(['umount', self.mnt], check=True)

    def command(self, argv):
        path = os.path.join(self.scratch, 'command.json')
        playbook(path, {'ansible.builtin.command': {'argv': argv}})
        return self.with_mount(lambda: run_playbook(path, self.env))

    def bare(self, argv):
        return self.with_mount(lambda: timed(argv))


def median(values):
    return statistics.median(values) if values else float('nan')


def bench_size(files, repeat, whole_fs):
    scratch = tempfile.mkdtemp(prefix='bench-backup-')
    try:
        bench = Bench(scratch, files, whole_fs)
        os.makedirs(bench.mnt)
        bench.fresh_share()
        probe = bench.module_result()  # first run: gives the argv; the share is then prepared
        argv = [a for a in probe['command'] if a != '--max-delete=0']
        rows = {key: [] for key in ('module first', 'module unchanged', 'command first', 'command unchanged',
                                    'rsync first', 'rsync unchanged')}
        phases = []
        for _round in range(repeat):
            for way, run in (('module', bench.module), ('command', lambda: bench.command(argv)),
                             ('rsync', lambda: bench.bare(argv))):
                bench.fresh_share()
                os.makedirs(os.path.join(bench.share, 'bench', 'root'))
                rows[way + ' first'].append(run())
                rows[way + ' unchanged'].append(run())
            phases.append(bench.module_result()['timings'])
        result = {key: median(values) for key, values in rows.items()}
        phase_median = {name: median([p.get(name, 0) for p in phases]) for name in sorted(phases[0])}
        return result, phase_median
    finally:
        for path in ('mnt', 'root'):
            subprocess.run(['umount', '-q', os.path.join(scratch, path)], check=False, stderr=subprocess.DEVNULL)
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='10000,100000')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--root', choices=['filesystem', 'directory'], default='filesystem',
                        help='the server root: its own (loop-mounted ext4) filesystem, or a plain directory')
    options = parser.parse_args()
    print('machine: %s, %d CPUs, %s' % (os.uname()[1], os.cpu_count(), ' '.join(os.uname()[2:3])))
    for files in [int(size) for size in options.sizes.split(',')]:
        result, phases = bench_size(files, options.repeat, options.root == 'filesystem')
        print('\n%d files, root is a %s (median of %d)' % (files, options.root, options.repeat))
        header = ('run', 'module s', 'command s', 'rsync s', 'mod/command', 'mod/rsync')
        print('%-10s %10s %10s %10s %12s %12s' % header)
        for kind in ('first', 'unchanged'):
            mod, cmd, bare = (result['%s %s' % (way, kind)] for way in ('module', 'command', 'rsync'))
            print('%-10s %10.2f %10.2f %10.2f %12.2f %12.2f' % (kind, mod, cmd, bare, mod / cmd, mod / bare))
        print('module phases (unchanged run, s): ' + ', '.join('%s %.3f' % item for item in phases.items()))


if __name__ == '__main__':
    main()
