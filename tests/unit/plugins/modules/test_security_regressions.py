# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reviewers' attacks replayed through the modules (security.md and restore-safety.md of 2026-12-01).

The findings' main reproducers are in test_rsync_backup_share_safety.py and test_rsync_restore_safety.py;
this file holds the variants that were only tested on a helper or not at all: the local user is a real
unprivileged process (uid 65534 via setpriv) that acts at the worst moment, share records that are FIFOs
during a restore, and the guards that need a private mount namespace (a bind mount of /).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import signal
import subprocess
import sys

import pytest

from ansible_collections.exalogic.backup.plugins.modules import layout_info, rsync_restore
from ansible_collections.exalogic.backup.plugins.module_utils._backup.run import JobFailed
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.rsync_lab import read, write
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.test_rsync_restore_safety import job
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import run_module

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='needs root: owners, capabilities, setpriv, mounts')

NOBODY = 65534


def as_nobody(cwd, script):
    """Run script as uid/gid 65534 with no groups, inside cwd (reached while still root, so no path needed)."""
    subprocess.check_call(['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY, '--clear-groups',
                           'sh', '-ec', script], cwd=cwd)


def chown_tree(path, uid):
    for base, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(base, name), uid, uid)
    os.lchown(path, uid, uid)


def getcap(path):
    return subprocess.check_output(['getcap', path]).decode().strip()


def acl_of(path):
    return subprocess.check_output(['getfacl', '--numeric', '--absolute-names', '--omit-header', path]).decode()


@pytest.fixture
def eve(tmp_path):
    """A backup with eve's (uid 65534) home holding a capability-carrying tool and an ACL'd file."""
    tree, meta = tmp_path / 'share' / 'vs1' / 'root', tmp_path / 'share' / 'vs1' / 'meta'
    write(str(tree / 'home' / 'eve' / 'bin' / 'tool'), 'the tool the admin gave cap_net_raw')
    write(str(tree / 'home' / 'eve' / 'bin' / 'evil'), 'eve\'s own program')
    write(str(tree / 'home' / 'eve' / 'sub' / 'shadow'), 'eve')
    chown_tree(str(tree / 'home' / 'eve'), NOBODY)
    write(str(meta / 'capabilities.txt'), 'home/eve/bin/tool cap_net_raw=ep\n')
    write(str(meta / 'acls.txt'), '# file: home/eve/sub/shadow\n# owner: 65534\nuser::rw-\nuser:65534:rw-\n'
                                  'group::r--\nmask::rw-\nother::r--\n\n')
    write(str(tmp_path / 'victim' / 'shadow'), 'root:HASH')
    os.chmod(str(tmp_path / 'victim' / 'shadow'), 0o600)
    os.makedirs(str(tmp_path / 'dest'))
    return tmp_path


def race_before(restore, tool, cwd, script):
    """Let nobody run script in cwd right before the module runs `tool` (the worst moment of the race)."""
    real = restore.module.run_command
    raced = []

    def run_command(argv, *args, **kwargs):
        if os.path.basename(argv[0]) == tool and not raced:
            as_nobody(cwd, script)
            raced.append(argv)
        return real(argv, *args, **kwargs)
    restore.module.run_command = run_command
    return raced


def test_h2_a_file_eve_swaps_in_right_before_setcap_gets_no_capability(eve):
    """security.md H2 (local user): eve renames her own program over her capability-carrying tool between
    the confined walk and setcap; the capability must land on the tool that was checked, or nowhere."""
    dest = eve / 'dest'
    restore, paths = job(eve)
    restore.transfer(paths)
    raced = race_before(restore, 'setcap', str(dest / 'home' / 'eve' / 'bin'), 'mv tool tool.old; mv evil tool')
    restore.reapply_sidecar(paths)
    assert raced, 'the race never ran: setcap was not called'
    bindir = dest / 'home' / 'eve' / 'bin'
    assert getcap(str(bindir / 'tool')) == ''  # eve's program, now named tool
    assert 'cap_net_raw=ep' in getcap(str(bindir / 'tool.old'))  # the file that was checked
    assert sorted(os.listdir(str(bindir))) == ['tool', 'tool.old']  # the private name is gone again


def test_h2_setcap_through_a_private_name_keeps_the_restored_directorys_mtime(eve):
    """The restore is exact: the private hard link made for setcap leaves no trace on its directory."""
    tree, dest = eve / 'share' / 'vs1' / 'root', eve / 'dest'
    os.utime(str(tree / 'home' / 'eve' / 'bin'), (1600000000, 1600000000))
    restore, paths = job(eve)
    restore.transfer(paths)
    restore.reapply_sidecar(paths)
    assert 'cap_net_raw=ep' in getcap(str(dest / 'home' / 'eve' / 'bin' / 'tool'))
    assert restore.result['sidecar']['capabilities'] == 1 and restore.result['sidecar']['refused'] == 0
    backup_dir = os.stat(str(tree / 'home' / 'eve' / 'bin'))
    assert os.stat(str(dest / 'home' / 'eve' / 'bin')).st_mtime_ns == backup_dir.st_mtime_ns


def test_h2_a_directory_eve_swaps_for_a_symlink_right_before_setfacl_is_not_followed(eve):
    """security.md H2 (local user, the reviewer's race): eve swaps ~/sub for a symlink to a root-only
    directory at the moment setfacl runs; her ACL block must never reach the root-owned file."""
    dest, victim = eve / 'dest', eve / 'victim'
    restore, paths = job(eve)
    restore.transfer(paths)
    raced = race_before(restore, 'setfacl', str(dest / 'home' / 'eve'), 'mv sub sub.old; ln -s %s sub' % victim)
    restore.reapply_sidecar(paths)
    assert raced and os.path.islink(str(dest / 'home' / 'eve' / 'sub'))
    st = os.stat(str(victim / 'shadow'))
    assert (st.st_uid, st.st_mode & 0o777) == (0, 0o600) and 'user:65534' not in acl_of(str(victim / 'shadow'))
