# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.exalogic.backup.plugins.filter.backup_report import (
    backup_report, backup_report_render, parse_time)

NOW = '2026-12-07T06:00:00Z'


def copy(finished, source='live', snapshot=None, duration=30.0, files=100, size=1000, complete=True, state='complete'):
    return dict(source=source, snapshot=snapshot, finished=finished, duration=duration, files=files, bytes=size,
                complete=complete, state=state, reason='test copy')


def fenced(host, stamp, **kw):
    """A fence snapshot copy and the appliance snapshot record of it."""
    name = '%s-%s' % (host, stamp)
    finished = '%s-%s-%sT%s:%s:%sZ' % (stamp[0:4], stamp[4:6], stamp[6:8], stamp[9:11], stamp[11:13], stamp[13:15])
    creation = '%sT%s:%s:%s' % (stamp[:8], stamp[9:11], stamp[11:13], stamp[13:15])
    return copy(finished, source=name, snapshot=name, **kw), dict(name=name, creation=creation)


def host_item(host, stamps, sizes=None, replication=None):
    backups, snapshots = [], []
    for i, stamp in enumerate(stamps):
        b, s = fenced(host, stamp, size=(sizes or [1000] * len(stamps))[i], duration=10.0 * (i + 1))
        backups.append(b)
        snapshots.append(s)
    return dict(host=host, backups=backups, snapshots=snapshots, replication=replication)


def rows(report):
    return dict((r['host'], r) for r in report['rows'])


def test_fresh_and_stale_hosts_against_the_rpo():
    report = backup_report([
        host_item('vs01', ['20261206T010000Z', '20261207T010000Z'], sizes=[1000, 1500]),
        host_item('vs02', ['20261205T010000Z']),
    ], rpo_hours=24, now=NOW)
    by_host = rows(report)
    assert by_host['vs01']['status'] == 'ok' and by_host['vs01']['age_hours'] == 5.0
    assert by_host['vs01']['bytes_change'] == 0.5 and by_host['vs01']['duration_change'] == 1.0
    assert by_host['vs01']['copies'] == 2 and by_host['vs01']['source'] == 'vs01-20261207T010000Z'
    assert by_host['vs02']['status'] == 'breach' and by_host['vs02']['age_hours'] == 53.0
    assert report['breaches'] == ['vs02']
    assert report['summary']['ok'] == 1 and report['summary']['breach'] == 1


def test_host_without_any_backup_breaches():
    report = backup_report([dict(host='new01'), dict(host='new02', backups=[copy(None, complete=False, state='none')])],
                           now=NOW)
    assert [(r['host'], r['status'], r['breach']) for r in report['rows']] == [
        ('new01', 'never', True), ('new02', 'never', True)]


def test_only_incomplete_copies_breach_and_say_why():
    item = dict(host='vs03', backups=[
        dict(copy('2026-12-07T05:00:00Z', complete=False, state='running'), reason='a later run was running'),
        dict(copy(None, complete=False, state='unreadable'), reason='record refused: symlink')])
    row = backup_report([item], now=NOW)['rows'][0]
    assert row['status'] == 'incomplete' and row['breach']
    assert 'a later run was running' in row['note'] and row['last_complete'] is None


def test_live_mirror_and_its_fence_snapshot_count_once():
    b, s = fenced('vs01', '20261207T010000Z')
    live = dict(b, source='live', snapshot=None)
    row = backup_report([dict(host='vs01', backups=[b, live], snapshots=[s])], now=NOW)['rows'][0]
    assert row['copies'] == 1 and row['source'] == 'vs01-20261207T010000Z'


def test_clock_skew_is_flagged_and_counted_as_breach():
    item = dict(host='vs04', backups=[copy('2026-12-07T09:00:00Z')])
    row = backup_report([item], now=NOW)['rows'][0]
    assert row['status'] == 'clock_skew' and row['breach'] and row['age_hours'] is None
    assert 'clock' in row['note']
    # inside the tolerance it is just a fresh backup
    row = backup_report([dict(host='vs04', backups=[copy('2026-12-07T06:03:00Z')])], now=NOW)['rows'][0]
    assert row['status'] == 'ok' and row['age_hours'] == 0.0


def test_appliance_clock_wins_over_a_wrong_host_clock():
    # the host's clock says the backup finished in the future; the appliance created the fence 2 h ago
    b, s = fenced('vs05', '20261207T080000Z')
    s['creation'] = '20261207T04:00:00'
    row = backup_report([dict(host='vs05', backups=[b], snapshots=[s])], now=NOW)['rows'][0]
    assert row['status'] == 'ok' and row['age_hours'] == 2.0


def test_fence_snapshots_alone_give_the_last_backup():
    item = dict(host='vs06', snapshots=[{'name': 'vs06-20261206T230000Z', 'creation': '2026-12-06T23:00:05Z'},
                                        {'name': '.auto-daily-1', 'creation': '2026-12-07T02:00:00Z'}])
    row = backup_report([item], now=NOW)['rows'][0]
    assert row['source'] == 'vs06-20261206T230000Z' and row['status'] == 'ok' and row['files'] is None


def test_replication_lag():
    item = host_item('vs07', ['20261207T010000Z'], replication={'last_sync': '20261206T18:00:00', 'last_result': 'success'})
    row = backup_report([item], now=NOW)['rows'][0]
    assert row['replication_lag_hours'] == 12.0 and row['replication_result'] == 'success'


@pytest.mark.parametrize('text, expected', [
    ('2026-12-07T06:00:00Z', 1796623200.0), ('20261207T06:00:00', 1796623200.0), ('20261207T060000Z', 1796623200.0),
    ('Mon Dec 07 2026 06:00:00 GMT+0000 (UTC)', 1796623200.0), (1796623200, 1796623200.0), ('garbage', None),
    (None, None)])
def test_time_formats(text, expected):
    assert parse_time(text) == expected


def test_bad_input_is_refused_with_the_fix():
    with pytest.raises(AnsibleFilterError, match='list of per-host'):
        backup_report({'host': 'x'})
    with pytest.raises(AnsibleFilterError, match='host name'):
        backup_report([{'backups': []}])
    with pytest.raises(AnsibleFilterError, match='rpo_hours'):
        backup_report([], rpo_hours='soon')
    with pytest.raises(AnsibleFilterError, match='output must be one of'):
        backup_report_render(backup_report([], now=NOW), 'pdf')


HOSTILE = '<script>alert(1)</script>"&\'vs'


def test_html_is_self_contained_escaped_and_marks_breaches():
    report = backup_report([host_item('vs01', ['20261206T010000Z', '20261207T010000Z']),
                            dict(host=HOSTILE)], now=NOW)
    page = backup_report_render(report, 'html', title='<b>fleet</b>')
    assert '<script' not in page and '&lt;script&gt;' in page
    assert not re.search(r'(src|href)\s*=', page, re.I)  # nothing to fetch
    assert "default-src 'none'" in page
    tree = ET.fromstring(page.split('\n', 1)[1])  # well-formed: parse as XML
    body_rows = tree.findall('.//tbody/tr')
    assert [r.get('data-host') for r in body_rows] == [HOSTILE, 'vs01']
    assert [r.get('class') for r in body_rows] == ['breach', 'ok']
    assert len(tree.findall('.//{http://www.w3.org/2000/svg}circle')) == 2
    assert tree.find('.//title').text == '<b>fleet</b>'


def test_csv_one_row_per_host_and_no_formula_injection():
    report = backup_report([host_item('vs01', ['20261207T010000Z']), dict(host='=HYPERLINK("x")')], now=NOW)
    lines = list(csv.DictReader(io.StringIO(backup_report_render(report, 'csv'))))
    assert [line['host'] for line in lines] == ['\'=HYPERLINK("x")', 'vs01']
    assert lines[1]['status'] == 'ok' and lines[1]['breach'] == 'false' and lines[1]['files'] == '100'


def test_table_has_a_line_per_host():
    text = backup_report_render(backup_report([host_item('vs01', ['20261207T010000Z']), dict(host='vs02')], now=NOW))
    lines = text.splitlines()
    assert lines[0].startswith('host') and len(lines) == 3
    assert 'never' in lines[2] and 'breach' not in lines[1]
