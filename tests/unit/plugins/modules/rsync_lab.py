# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small real lab for rsync_backup/rsync_restore: a share directory bind-mounted by the module,
a server root with a separate "filesystem" (a bind mount at <root>/data), real rsync, real mounts.

Needs root (mount); the lab unmounts everything it or a failed module left behind.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys

MARKER = '.exalogic-backup-share'


def write(path, text='x'):
    """Write a text file, creating its directories."""
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, 'w') as handle:
        handle.write(text)


def read(path):
    with open(path) as handle:
        return handle.read()


def mounted(path):
    wanted = os.path.realpath(path)
    with open('/proc/self/mountinfo') as handle:
        return any(line.split()[4] == wanted for line in handle)


class Lab(object):
    def __init__(self, base):
        self.base = str(base)
        self.share = self.path('share')
        self.mnt = self.path('mnt')
        self.root = self.path('vs1')
        self.data_fs = self.path('data-fs')
        self.locks = self.path('locks')
        self.progress = self.path('progress', 'vs1.json')
        for directory in (self.share, self.root, self.data_fs, self.locks):
            os.makedirs(directory)
        os.makedirs(os.path.join(self.root, 'etc'))
        os.makedirs(os.path.join(self.root, 'data'))
        with open(os.path.join(self.share, MARKER), 'w') as handle:
            handle.write('test share\n')
        self.mounts = []

    def path(self, *parts):
        return os.path.join(self.base, *parts)

    def files(self, directory, count, prefix='f'):
        os.makedirs(directory) if not os.path.isdir(directory) else None
        for number in range(count):
            with open(os.path.join(directory, '%s%03d' % (prefix, number)), 'w') as handle:
                handle.write('file %d\n' % number)

    def mount_data(self):
        subprocess.check_call(['mount', '--bind', self.data_fs, os.path.join(self.root, 'data')])
        self.mounts.append(os.path.join(self.root, 'data'))

    def umount_data(self):
        subprocess.check_call(['umount', os.path.join(self.root, 'data')])
        self.mounts.remove(os.path.join(self.root, 'data'))

    def args(self, **extra):
        args = dict(src=self.share, fstype='none', opts='bind', mount_point=self.mnt, backup_dir='vs1',
                    root=self.root, expected_mounts=[], lock_file=os.path.join(self.locks, 'vs1.lock'),
                    progress_file=self.progress, sidecar=[])
        args.update(extra)
        return args

    def mirror(self, *parts):
        return os.path.join(self.share, 'vs1', 'root', *parts)

    def meta(self, name):
        path = os.path.join(self.share, 'vs1', 'meta', name)
        if not os.path.exists(path):
            return None
        with open(path) as handle:
            return json.load(handle)

    def count(self, directory):
        return len(os.listdir(directory)) if os.path.isdir(directory) else 0

    def cleanup(self):
        for path in reversed(self.mounts + [self.mnt]):
            while mounted(path):
                subprocess.call(['umount', '-l', path])


def run_module_process(module_name, args, args_file):
    """Start a module as Ansible runs it on a target: its own Python process reading an args file.

    Returns the Popen (stdout: the module's JSON)."""
    build_root = os.path.abspath(os.path.join(os.path.dirname(__file__), *(['..'] * 7)))
    with open(args_file, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': dict(args, _ansible_remote_tmp='/tmp', _ansible_keep_remote_files=False)},
                  handle)
    env = dict(os.environ, PYTHONPATH=build_root)
    code = ('import sys; sys.argv = ["m", %r]; '
            'from ansible_collections.exalogic.backup.plugins.modules import %s as m; m.main()' % (args_file, module_name))
    return subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
