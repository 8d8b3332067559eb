"""meta/execution-environment.yml is a valid ansible-builder version 3 definition that installs the
built collection and its Python and system dependencies (ansible-builder create: no container needed)."""
import os
import shutil
import subprocess

from conftest import COLLECTION


def test_builder_creates_the_context(ops_venv, tmp_path):
    for name in ('execution-environment.yml', 'ee-requirements.txt', 'ee-bindep.txt'):
        shutil.copy(os.path.join(COLLECTION, 'meta', name), str(tmp_path))
    subprocess.run([os.path.join(ops_venv, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(tmp_path),
                    COLLECTION], check=True, capture_output=True)
    out = subprocess.run([os.path.join(ops_venv, 'ansible-builder'), 'create', '-f', 'execution-environment.yml',
                          '-c', 'context'], cwd=str(tmp_path), capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    build = tmp_path / 'context' / '_build'
    assert (build / 'collections' / 'exalogic-backup-0.1.0.tar.gz').exists()
    assert 'netaddr' in (build / 'requirements.txt').read_text()
    assert 'rsync' in (build / 'bindep.txt').read_text()
    dockerfile = (tmp_path / 'context' / 'Dockerfile').read_text()
    assert 'ansible-core>=2.16,<2.17' in dockerfile and 'ansible-runner' in dockerfile
