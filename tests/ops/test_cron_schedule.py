"""playbooks/cron_schedule.yml renders a cron file: one splayed, flock-guarded entry per host, a report
entry, idempotent, removable."""
import os
import re
import subprocess

from conftest import COLLECTION, COLLECTIONS_ROOT

HOSTS = ['vs%02d' % n for n in range(1, 9)] + ["odd'name"]


def play(tmp_path, *extra):
    inventory = tmp_path / 'inventory'
    inventory.write_text('[vservers]\n' + '\n'.join('"%s"' % h if "'" in h else h for h in HOSTS) + '\n')
    cron_file = tmp_path / 'cron.d' / 'exalogic-backup'
    cron_file.parent.mkdir(exist_ok=True)
    argv = ['ansible-playbook', '-i', str(inventory), os.path.join(COLLECTION, 'playbooks', 'cron_schedule.yml'),
            '-e', 'cron_schedule_inventory=/etc/exalogic/inventory', '-e', 'cron_schedule_cron_file=%s' % cron_file,
            '-e', 'cron_schedule_log_dir=%s' % (tmp_path / 'log'), '-e', 'cron_schedule_splay=20',
            '-e', 'cron_schedule_minute=5'] + list(extra)
    out = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300,
                         env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT, ANSIBLE_NOCOLOR='1'))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    recap = re.search(r'localhost\s*:\s*ok=\d+\s+changed=(\d+)', out.stdout)
    return cron_file, int(recap.group(1))


def entries(cron_file):
    lines = [line for line in cron_file.read_text().splitlines() if line and not line.startswith('#')]
    return [line.split(None, 6) for line in lines]


def test_entries_are_splayed_locked_and_idempotent(tmp_path):
    cron_file, changed = play(tmp_path)
    assert changed > 0
    rows = entries(cron_file)
    backups = [r for r in rows if 'exalogic.backup.backup' in r[6]]
    assert len(backups) == len(HOSTS)
    minutes = [int(r[0]) for r in backups]
    assert all(5 <= m < 25 for m in minutes) and len(set(minutes)) > 1
    for host, row in zip(HOSTS, backups):
        assert row[1] == '*' and row[5] == 'root'
        job = row[6]
        assert job.startswith('flock -n ') and '--limit' in job
    assert "--limit 'odd'\"'\"'name'" in cron_file.read_text()  # quoted for the shell
    report = [r for r in rows if 'exalogic.backup.report' in r[6]]
    assert [(r[0], r[1]) for r in report] == [('45', '6')]

    again, changed = play(tmp_path)
    assert changed == 0 and again.read_text() == cron_file.read_text()


def test_same_host_keeps_its_minute_and_absent_removes(tmp_path):
    cron_file = play(tmp_path)[0]
    first = dict((r[6].split('--limit ')[1].split()[0], r[0]) for r in entries(cron_file) if '--limit' in r[6])
    cron_file.unlink()
    cron_file = play(tmp_path)[0]
    assert first == dict((r[6].split('--limit ')[1].split()[0], r[0]) for r in entries(cron_file) if '--limit' in r[6])
    cron_file = play(tmp_path, '-e', 'cron_schedule_state=absent')[0]
    assert not os.path.exists(str(cron_file)) or entries(cron_file) == []
