"""report.yml and backup_info run by ansible-runner (the job engine AWX uses) from a private data dir laid
out as AWX lays it out: env/envvars holds exactly what the "ZFS Storage Appliance" credential type injects
(the CA as a file, as AWX's file injector writes it), env/extravars the job's variables, inventory/hosts,
project/ the playbook. The appliance is the simulator; vs1's share holds a real manifest and snapshot."""
import json
import os
import shutil
import subprocess

import yaml

from conftest import COLLECTION, COLLECTIONS_ROOT

API = '/api/storage/v1/pools/gold/projects'


def ok(result, *statuses):
    status = result[0]
    assert status in statuses or (not statuses and status < 300), result
    return result[2]


def backed_up_share(sim):
    """Project backups, shares vs1 and vs2; vs1 has a complete backup at 05:00 and its fence snapshot."""
    ok(sim.api('POST', API, {'name': 'backups', 'snapdir': 'visible'}))
    for share in ('vs1', 'vs2'):
        ok(sim.api('POST', API + '/backups/filesystems', {'name': share}))
    path = [s['path'] for s in sim.shares() if s['name'] == 'vs1'][0]
    meta = os.path.join(path, 'vs1', 'meta')
    os.makedirs(meta)
    os.makedirs(os.path.join(path, 'vs1', 'root', 'etc'))
    with open(os.path.join(path, '.exalogic-backup-share'), 'w') as handle:
        handle.write('exalogic.backup share\n')
    run = dict(status='complete', run_id='20261207T050000Z-1', host='vs1', start='2026-12-07T05:00:00Z',
               end='2026-12-07T05:00:40Z')
    manifest = dict(run, manifest_version=1, duration=40.0, files_total=321, bytes_total=654321, rsync_rc=0,
                    rsync_result='ok', hostname='vs1.example.com')
    for name, record in (('manifest.json', manifest), ('run.json', run)):
        with open(os.path.join(meta, name), 'w') as handle:
            json.dump(record, handle)
    sim.set_clock('2026-12-07T05:01:00Z')
    ok(sim.api('POST', API + '/backups/filesystems/vs1/snapshots', {'name': 'vs1-20261207T050040Z'}))
    sim.set_clock('2026-12-07T06:00:00Z')
    return path


def private_data_dir(tmp_path, sim, share_path, **extravars):
    pdd = tmp_path / 'pdd'
    for sub in ('env', 'inventory', 'project'):
        (pdd / sub).mkdir(parents=True)
    ca_file = pdd / 'env' / 'tmp_ca_cert'  # AWX's file injector: a private temporary file
    shutil.copy(sim.cert, str(ca_file))
    envvars = dict(ZFSSA_HOST=sim.host, ZFSSA_USER='root', ZFSSA_PASSWORD='secret', ZFSSA_VALIDATE_CERTS='True',
                   ZFSSA_CA_PATH=str(ca_file))
    (pdd / 'env' / 'envvars').write_text(yaml.safe_dump(envvars))
    base = dict(report_pool='gold', report_project='backups', report_dir=str(tmp_path / 'report'),
                report_connection={'port': sim.port}, report_now='2026-12-07T06:00:00Z')
    base.update(extravars)
    (pdd / 'env' / 'extravars').write_text(yaml.safe_dump(base))
    (pdd / 'inventory' / 'hosts').write_text(
        '[vservers]\nvs1 report_share_mount=%s\nvs2\n\n[all:vars]\nansible_connection=local\n'
        'ansible_python_interpreter=%s\n' % (share_path, os.path.join(os.environ.get('OPS_PYTHON_BIN', ''), 'python')))
    shutil.copy(os.path.join(COLLECTION, 'playbooks', 'report.yml'), str(pdd / 'project' / 'report.yml'))
    return pdd


def runner(ops_venv, pdd, playbook):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT, ANSIBLE_NOCOLOR='1',
               PATH=ops_venv + os.pathsep + os.environ['PATH'])  # as in an EE: ansible-playbook of the venv
    for name in list(env):
        if name.startswith('ZFSSA_'):
            del env[name]  # only the envvars file may carry the credential
    proc = subprocess.run([os.path.join(ops_venv, 'ansible-runner'), 'run', str(pdd), '-p', playbook],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    artifacts = sorted((pdd / 'artifacts').iterdir(), key=lambda p: p.stat().st_mtime)[-1]
    status = (artifacts / 'status').read_text().strip()
    return status, proc.stdout + proc.stderr


def test_report_through_ansible_runner_warns_then_fails_on_breach(ops_venv, appliance, tmp_path, monkeypatch):
    monkeypatch.setenv('OPS_PYTHON_BIN', ops_venv)
    share = backed_up_share(appliance)

    pdd = private_data_dir(tmp_path, appliance, share, report_on_breach='warn', report_rpo_hours=24)
    status, out = runner(ops_venv, pdd, 'report.yml')
    assert status == 'successful', out[-4000:]
    with open(str(tmp_path / 'report' / 'backups.json')) as handle:
        report = json.load(handle)
    rows = dict((r['host'], r) for r in report['rows'])
    assert rows['vs1']['status'] == 'ok' and rows['vs1']['source'] == 'vs1-20261207T050040Z'
    assert rows['vs1']['age_hours'] == 0.98  # measured with the appliance's snapshot creation (05:01)
    assert rows['vs1']['files'] == 321 and rows['vs1']['bytes'] == 654321
    assert rows['vs2']['status'] == 'never' and report['breaches'] == ['vs2']
    assert 'WARNING: RPO of 24.0 h broken by vs2' in out
    for name in ('backups.csv', 'backups.html'):
        assert 'vs2' in (tmp_path / 'report' / name).read_text()
    assert 'secret' not in out

    pdd = private_data_dir(tmp_path / 'second', appliance, share, report_on_breach='fail')
    status, out = runner(ops_venv, pdd, 'report.yml')
    assert status == 'failed' and 'broken by vs2' in out, out[-4000:]
