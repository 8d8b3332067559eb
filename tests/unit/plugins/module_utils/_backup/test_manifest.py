# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
from ansible_collections.exalogic.backup.plugins.module_utils._backup import manifest


def write(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))


def test_backup_state_needs_a_complete_manifest_of_the_last_run(tmp_path):
    paths = manifest.BackupPaths(str(tmp_path), 'vs1')
    usable, reason, _m = manifest.backup_state(paths)
    assert not usable and 'no backup tree' in reason
    os.makedirs(paths.tree)
    usable, reason, _m = manifest.backup_state(paths)
    assert not usable and 'no backup run ever completed' in reason
    write(tmp_path / 'vs1/meta/manifest.json', {'status': 'complete', 'run_id': 'r1', 'host': 'vs1', 'end': 'E'})
    write(tmp_path / 'vs1/meta/run.json', {'status': 'complete', 'run_id': 'r1'})
    assert manifest.backup_state(paths)[0]
    # a snapshot taken while the next run was writing: the tree is partly updated
    write(tmp_path / 'vs1/meta/run.json', {'status': 'running', 'run_id': 'r2', 'start': 'S'})
    usable, reason, found = manifest.backup_state(paths)
    assert not usable and 'running' in reason and found['run_id'] == 'r1'


def test_write_json_is_atomic_and_leaves_no_temp_files(tmp_path):
    target = str(tmp_path / 'manifest.json')
    manifest.write_json(target, {'status': 'complete'})
    manifest.write_json(target, {'status': 'complete', 'n': 2})
    assert manifest.read_json(target) == {'status': 'complete', 'n': 2}
    assert os.listdir(str(tmp_path)) == ['manifest.json']
    assert manifest.read_json(str(tmp_path / 'missing.json')) is None


def test_utc_text_round_trips_in_one_format():
    assert manifest.format_utc(1796449378) == '2026-12-05T05:42:58Z'
    assert manifest.parse_utc('2026-12-05T05:42:58Z') == 1796449378
    assert manifest.parse_utc('2026-12-05 05:42') is None and manifest.parse_utc(None) is None
    assert manifest.run_id(1796449378, 4711) == '20261205T054258Z-4711'
    assert manifest.compact_utc(1796449378) == '20261205T054258Z'


def test_complete_manifest_carries_the_run_identity():
    record = dict(manifest.new_run_record('vs1'), start='2026-12-05T05:42:58Z')
    done = manifest.complete_manifest(record, files_total=3)
    assert done['status'] == 'complete' and done['run_id'] == record['run_id'] and done['host'] == 'vs1'
    assert done['manifest_version'] == manifest.MANIFEST_VERSION and done['files_total'] == 3
    assert manifest.parse_utc(done['end']) is not None


def test_interrupted_run_only_for_running_records():
    assert manifest.interrupted_run(None) is None
    assert manifest.interrupted_run(dict(status='complete')) is None
    failed = manifest.interrupted_run(dict(status='running', pid=12, hostname='vs1', run_id='r'))
    assert failed['status'] == 'failed' and 'pid 12 on vs1' in failed['error'] and failed['run_id'] == 'r'


def test_collection_version_is_galaxy_version():
    galaxy = os.path.join(os.path.dirname(__file__), *(['..'] * 5 + ['galaxy.yml']))
    with open(galaxy) as handle:
        versions = [line.split(':', 1)[1].strip() for line in handle if line.startswith('version:')]
    assert versions == [manifest.COLLECTION_VERSION]
