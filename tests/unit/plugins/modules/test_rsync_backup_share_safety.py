# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rsync_backup never follows what is planted on the share (security.md H1, M5, M8; H4 side-car bytes).

The share is a directory bind-mounted on itself by the run (mount: auto, fstype none); every phase
runs for real (real rsync, getfacl, getcap) on a real AnsibleModule.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import resource
import signal
import stat
import subprocess

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.exalogic.backup.plugins.modules import rsync_backup
from ansible_collections.exalogic.backup.plugins.module_utils._backup.manifest import MARKER
from ansible_collections.exalogic.backup.plugins.module_utils._backup.run import JobFailed
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.rsync_lab import read, write
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import set_module_args

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='a backup chowns on the share: run as root')


@pytest.fixture
def lab(tmp_path):
    """<tmp>/share (marker, vs1/meta), <tmp>/sysroot (the system backed up), <tmp>/victim (host files)."""
    write(str(tmp_path / 'share' / MARKER), 'share')
    os.makedirs(str(tmp_path / 'share' / 'vs1' / 'meta'))
    write(str(tmp_path / 'sysroot' / 'etc' / 'hosts'), '127.0.0.1 localhost\n')
    write(str(tmp_path / 'victim' / 'shadow'), 'root:HASH:\n')
    write(str(tmp_path / 'victim' / 'dbdir' / 'precious.db'), 'DATA')
    return tmp_path


def job(lab, **params):
    args = dict(src=str(lab / 'share'), fstype='none', opts='bind', mount_point=str(lab / 'share'),
                backup_dir='vs1', root=str(lab / 'sysroot'), sources=['/'], expected_mounts=[],
                sidecar=['acls', 'capabilities'])
    args.update(params)
    with set_module_args(args):
        module = AnsibleModule(argument_spec=rsync_backup.argument_spec(), supports_check_mode=True)
    return rsync_backup.Backup(module)


def run_steps(backup):
    """The whole run, phase by phase as run_job runs it: the share is bind-mounted for real (so the
    re-verification before rsync and before the manifest holds), and always unmounted again."""
    try:
        for _name, step in backup.phases():
            step()
    finally:
        backup.cleanup()
    return backup.result


def victim_intact(lab):
    return (read(str(lab / 'victim' / 'shadow')) == 'root:HASH:\n' and os.stat(str(lab / 'victim' / 'shadow')).st_uid == 0
            and os.listdir(str(lab / 'victim' / 'dbdir')) == ['precious.db'])


def test_planted_symlinks_in_meta_are_replaced_never_followed(lab):
    meta = lab / 'share' / 'vs1' / 'meta'
    for name in ('run.json', 'acls.txt', 'capabilities.txt', 'rsync.log', 'failure.json'):
        os.symlink(str(lab / 'victim' / 'shadow'), str(meta / name))
    result = run_steps(job(lab))
    assert victim_intact(lab)
    assert result['manifest']['status'] == 'complete'
    for name in ('run.json', 'acls.txt', 'capabilities.txt', 'rsync.log', 'manifest.json'):
        assert stat.S_ISREG(os.lstat(str(meta / name)).st_mode), name
    assert json.loads(read(str(meta / 'run.json')))['status'] == 'complete'


@pytest.mark.parametrize('planted', ['vs1/root', 'vs1/meta', 'vs1'])
def test_symlinked_backup_directories_are_refused_before_rsync(lab, planted):
    target = lab / 'share' / planted
    if os.path.isdir(str(target)):
        os.rename(str(target), str(target) + '.old')
    os.symlink(str(lab / 'victim' / 'dbdir'), str(target))
    with pytest.raises(JobFailed, match='symlink'):
        run_steps(job(lab))
    assert victim_intact(lab)


def test_probe_never_follows_a_planted_name(lab):
    for pid in (os.getpid(), os.getpid() + 1):
        os.symlink(str(lab / 'victim' / 'shadow'), str(lab / 'share' / ('.exalogic-probe-%d' % pid)))
    job(lab).probe_root_access()
    assert victim_intact(lab)
    assert not [n for n in os.listdir(str(lab / 'share')) if n.startswith('.exalogic-probe-') and
                not os.path.islink(str(lab / 'share' / n))]


def test_marker_written_with_init_never_follows_a_dangling_symlink(lab):
    os.unlink(str(lab / 'share' / MARKER))
    os.symlink(str(lab / 'victim' / 'new-file'), str(lab / 'share' / MARKER))
    job(lab, init=True).verify()
    assert not os.path.lexists(str(lab / 'victim' / 'new-file'))
    assert stat.S_ISREG(os.lstat(str(lab / 'share' / MARKER)).st_mode)


@pytest.fixture
def alarm():
    """Turn a hang (a FIFO read by the old code) into a test failure instead of a stuck run."""
    def timeout(*_args):
        raise AssertionError('the backup hung reading the share')
    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize('plant', ['fifo', 'dev_zero', 'huge'])
def test_manifest_that_is_not_a_small_regular_file_fails_cleanly(lab, plant, alarm):
    manifest = str(lab / 'share' / 'vs1' / 'meta' / 'manifest.json')
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if plant == 'fifo':
        os.mkfifo(manifest)
    elif plant == 'dev_zero':
        os.symlink('/dev/zero', manifest)
        # a regression would read /dev/zero without end: let it hit MemoryError, not the machine
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, hard))
    else:
        with open(manifest, 'wb') as handle:
            handle.truncate(2 << 20)
    backup = job(lab)
    backup.verify()
    try:
        with pytest.raises(JobFailed, match='manifest is not usable'):
            backup.gates()
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def test_manifest_counts_of_the_wrong_type_do_not_crash_the_gates(lab):
    write(str(lab / 'share' / 'vs1' / 'meta' / 'manifest.json'), json.dumps({'status': 'complete', 'files_total': '1000'}))
    backup = job(lab)
    backup.verify()
    plan = backup.gates()
    assert plan.max_delete is None


def test_backup_dir_is_private(lab):
    os.chmod(str(lab / 'share' / 'vs1'), 0o755)
    run_steps(job(lab))
    assert stat.S_IMODE(os.stat(str(lab / 'share' / 'vs1')).st_mode) == 0o700


def test_a_non_utf8_name_with_an_acl_never_breaks_the_backup(lab):
    name = os.path.join(str(lab / 'sysroot').encode('utf-8'), b'srv', b'x\xff')
    os.makedirs(os.path.dirname(name))
    with open(name, 'w') as handle:
        handle.write('latin-1 name')
    subprocess.check_call([b'setfacl', b'-m', b'u:65534:r', name])
    result = run_steps(job(lab))
    assert result['manifest']['status'] == 'complete'
    with open(str(lab / 'share' / 'vs1' / 'meta' / 'acls.txt'), 'rb') as handle:
        assert b'# file: srv/x\xff\n' in handle.read()


def owner_file(lab):
    return str(lab / 'share' / 'vs1' / 'meta' / 'owner.json')


def test_the_first_run_records_the_owner_and_the_next_run_of_that_host_is_unchanged(lab):
    first = run_steps(job(lab))
    recorded = json.loads(read(owner_file(lab)))
    assert recorded['root'] == str(lab / 'sysroot') and recorded['host_id'] == first['owner']['host_id']
    second = run_steps(job(lab))
    assert json.loads(read(owner_file(lab))) == recorded and second['changed'] is False


@pytest.mark.parametrize('other', [dict(host_id='machine-id:0000other', root=None), dict(root='/elsewhere')])
def test_another_host_or_root_is_refused_before_anything_is_written(lab, other):
    """security.md M10: two hosts with one short name must never mirror over each other with --delete."""
    run_steps(job(lab))
    recorded = json.loads(read(owner_file(lab)))
    planted = dict(recorded, hostname='vs1.other.example', **dict((k, v) for k, v in other.items() if v))
    write(owner_file(lab), json.dumps(planted))
    write(str(lab / 'sysroot' / 'etc' / 'new-file'), 'new')
    with pytest.raises(JobFailed) as failed:
        run_steps(job(lab))
    message = str(failed.value)
    assert 'belongs to vs1.other.example' in message and 'takeover: true' in message
    assert not os.path.exists(str(lab / 'share' / 'vs1' / 'root' / 'etc' / 'new-file'))
    assert json.loads(read(owner_file(lab))) == planted


def test_takeover_records_the_new_owner_and_keeps_the_previous_one(lab):
    run_steps(job(lab))
    planted = dict(json.loads(read(owner_file(lab))), host_id='machine-id:0000other', hostname='old.example')
    write(owner_file(lab), json.dumps(planted))
    result = run_steps(job(lab, takeover=True))
    recorded = json.loads(read(owner_file(lab)))
    assert recorded['previous'] == planted and recorded['host_id'] != planted['host_id']
    assert result['owner'] == recorded and result['manifest']['status'] == 'complete'


def test_check_mode_reports_a_foreign_owner_and_writes_nothing(lab):
    run_steps(job(lab))
    planted = dict(json.loads(read(owner_file(lab))), host_id='machine-id:0000other')
    write(owner_file(lab), json.dumps(planted))
    backup = job(lab, _ansible_check_mode=True)
    assert backup.check
    with pytest.raises(JobFailed, match='belongs to'):
        run_steps(backup)
    assert json.loads(read(owner_file(lab))) == planted


def test_a_planted_owner_symlink_is_refused_not_followed(lab):
    os.symlink(str(lab / 'victim' / 'shadow'), owner_file(lab))
    with pytest.raises(JobFailed, match='owner record is not usable'):
        run_steps(job(lab))
    assert victim_intact(lab)


def test_user_xattrs_go_to_the_side_car_as_bytes_and_round_trip(lab):
    """issue 10: user.* attributes are lost on NFSv3; the side-car keeps them, names as raw bytes."""
    name = os.path.join(str(lab / 'sysroot').encode('utf-8'), b'srv', b'x\xff y')
    os.makedirs(os.path.dirname(name))
    with open(name, 'w') as handle:
        handle.write('data')
    subprocess.check_call([b'setfattr', b'-n', b'user.origin', b'-v', b'0sAAEC/w==', name])
    subprocess.check_call([b'setfattr', b'-n', b'user.note', b'-v', b'kept', str(lab / 'sysroot' / 'etc' / 'hosts')])
    result = run_steps(job(lab, sidecar=['xattrs']))
    assert result['manifest']['status'] == 'complete'
    with open(str(lab / 'share' / 'vs1' / 'meta' / 'xattrs.txt'), 'rb') as handle:
        dump = handle.read()
    assert b'# file: srv/x\xff y\nuser.origin=0sAAEC/w==\n' in dump
    assert b'# file: etc/hosts\nuser.note=0sa2VwdA==\n' in dump
