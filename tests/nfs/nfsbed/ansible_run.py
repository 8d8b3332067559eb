"""Run the collection's real modules with `ansible` (ad hoc) inside the bed's private mount namespace.

    path = collections_path(scratch_dir)          # the laid-out collection (make test) or a fresh layout
    run = run_ansible_module(path, 'rsync_backup', {'nfs_server': '127.0.0.1', ...}, work_dir)
    run.result          # the module's JSON result (dict), also when it failed
    run.failed          # ansible said FAILED!
    run.mountinfo       # /proc/self/mountinfo read by a shell in the same namespace right after ansible
    run.fuse_mounts()   # the fuse.nfs mount points in it (what the module left mounted)

The module's own `mount -t nfs -o vers=3,... 127.0.0.1:/export/<share> <mount_point>` and `umount` go
through the bed's mount.nfs shim unchanged; EXALOGIC_BACKUP_NFS_TEST_BED=1 comes from the namespace.
"""

import json
import os
import re
import shutil
import subprocess
import sys

from nfsbed.namespace import run_in_mount_namespace

CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COLLECTION = 'exalogic.backup'
MOUNTINFO_MARK = '=== nfsbed: mountinfo after ansible ==='
RESULT_RE = re.compile(r'^localhost \| (SUCCESS|CHANGED|FAILED!|UNREACHABLE!) => ', re.MULTILINE)


def installed_collections_path(checkout=CHECKOUT):
    """The collections path when this checkout already sits at <path>/ansible_collections/exalogic/backup."""
    parts = os.path.normpath(checkout).split(os.sep)
    if parts[-3:] == ['ansible_collections', 'exalogic', 'backup']:
        return os.sep.join(parts[:-3]) or os.sep
    return None


def lay_out_collection(build_dir, checkout=CHECKOUT):
    """Copy the checkout to <build_dir>/ansible_collections/exalogic/backup (tests/setup/build_tree.py)."""
    subprocess.run([sys.executable, os.path.join(checkout, 'tests', 'setup', 'build_tree.py'), str(build_dir)],
                   check=True, stdout=subprocess.DEVNULL)
    return str(build_dir)


def collections_path(scratch_dir, checkout=CHECKOUT):
    """Where ansible finds exalogic.backup: the laid-out collection we run from, else a fresh layout."""
    return installed_collections_path(checkout) or lay_out_collection(scratch_dir, checkout)


def ansible_program():
    """The project venv's ansible: on PATH under `make test`, else next to this Python."""
    return shutil.which('ansible') or os.path.join(os.path.dirname(sys.executable), 'ansible')


def ansible_env(collections, work_dir):
    """os.environ plus settings that make ansible's output parseable and keep its files in work_dir."""
    temp = os.path.join(str(work_dir), 'ansible-tmp')
    os.makedirs(temp, exist_ok=True)
    config = os.path.join(str(work_dir), 'ansible.cfg')  # empty: no user or system ansible.cfg applies
    if not os.path.exists(config):
        with open(config, 'w', encoding='utf-8') as handle:
            handle.write('[defaults]\n')
    return dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        ANSIBLE_CONFIG=config,
        ANSIBLE_STDOUT_CALLBACK='default',
        ANSIBLE_CALLBACK_RESULT_FORMAT='json',
        ANSIBLE_LOAD_CALLBACK_PLUGINS='0',
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_FORCE_COLOR='0',
        ANSIBLE_LOCALHOST_WARNING='False',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='False',
        ANSIBLE_DEPRECATION_WARNINGS='False',
        ANSIBLE_LOCAL_TEMP=temp,
        ANSIBLE_REMOTE_TEMP=temp,
        ANSIBLE_HOME=os.path.join(str(work_dir), 'ansible-home'),
    )


def module_argv(module, args, check=False):
    """`ansible localhost -m exalogic.backup.<module> -a '<json>'` on the local connection."""
    argv = [ansible_program(), 'localhost', '-i', 'localhost,', '-c', 'local',
            '-m', '%s.%s' % (COLLECTION, module), '-a', json.dumps(args),
            '-e', 'ansible_python_interpreter=%s' % sys.executable]
    return argv + (['--check'] if check else [])


def parse_adhoc_result(stdout):
    """('FAILED!'|'CHANGED'|..., result dict) from the default callback's `localhost | STATE => {...}`."""
    match = RESULT_RE.search(stdout)
    if match is None:
        raise ValueError('no ansible result in the output:\n%s' % stdout)
    result, _end = json.JSONDecoder().raw_decode(stdout[match.end():])
    return match.group(1), result


class ModuleRun:
    """One module run in the namespace: the parsed result plus what the namespace looked like after it."""

    def __init__(self, namespace_result):
        self.namespace = namespace_result
        self.returncode = namespace_result.returncode
        self.stderr = namespace_result.stderr
        self.stdout, _sep, self.mountinfo = namespace_result.stdout.partition(MOUNTINFO_MARK + '\n')
        try:
            self.state, self.result = parse_adhoc_result(self.stdout)
        except ValueError:
            self.state, self.result = None, {}
        self.failed = self.state != 'SUCCESS' and self.state != 'CHANGED'

    def fuse_mounts(self):
        """Mount points of fuse.nfs mounts in the namespace right after ansible returned."""
        points = []
        for line in self.mountinfo.splitlines():
            left, sep, right = line.partition(' - ')
            if sep and right.split(' ', 1)[0] == 'fuse.nfs':
                points.append(left.split(' ')[4])
        return points

    def explain(self):
        """Everything useful for an assertion message."""
        return 'ansible rc %s\nstdout:\n%s\nstderr:\n%s\nclient logs: %s' % (
            self.returncode, self.stdout, self.stderr, self.namespace.client_logs)


def run_ansible_module(collections, module, args, work_dir, check=False, timeout=300, before=None):
    """Run the module once in a fresh mount namespace, then read that namespace's mount table.

    `before` is a shell command run first in the same namespace (e.g. to mount something by hand).
    """
    script = '%s\n"$@"\nrc=$?\necho "%s"\ncat /proc/self/mountinfo\nexit $rc\n' % (before or ':', MOUNTINFO_MARK)
    argv = ['sh', '-c', script, 'nfsbed-ansible'] + module_argv(module, args, check)
    result = run_in_mount_namespace(argv, env=ansible_env(collections, work_dir), timeout=timeout, cwd=str(work_dir))
    return ModuleRun(result)
