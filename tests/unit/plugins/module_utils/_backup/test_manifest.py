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
