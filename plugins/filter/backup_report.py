# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet backup report: per-host facts in, rows out, rendered as CSV or a self-contained HTML page."""
from __future__ import annotations

DOCUMENTATION = r'''
name: backup_report
short_description: Turn per-host backup facts into fleet report rows (last complete backup, RPO, trends, replication lag)
version_added: 0.1.0
description:
  - Takes one item per host and returns the report - one row per host with its last complete backup,
    its age against the RPO, duration, files and bytes of that backup and their trend over the
    retained copies, and the replication lag of its share.
  - The age is measured with the appliance's clock when the fence snapshot of the backup is known
    (its C(creation)), otherwise with the manifest's C(end). A backup that finished more than
    O(skew_tolerance) seconds after O(now) is reported as C(clock_skew) and counted as an RPO breach,
    since its real age cannot be known.
  - Render the result with P(exalogic.backup.backup_report_render#filter) (CSV, a self-contained HTML
    page or a text table) or C(ansible.builtin.to_nice_json).
options:
  _input:
    description:
      - One dictionary per host with C(host) (name), C(backups) (the RV(exalogic.backup.backup_info#module:backups)
        list of the host, may be empty), C(snapshots) (the appliance's snapshots of the host's share, as
        returned by M(exalogic.backup.zfssa_info) - C(name), C(creation)) and C(replication) (the
        replication action of the share - C(last_sync), C(last_result) - or null).
      - Only C(host) is required. Without C(backups) the last complete backup is the newest fence
        snapshot (named C(<host>-<UTC %Y%m%dT%H%M%SZ>)), without counts.
    type: list
    elements: dict
    required: true
  rpo_hours:
    description: Most hours since the last complete backup before a host breaks the RPO.
    type: float
    default: 24
  now:
    description: The time the report is made (UTC text or seconds since the epoch). Default - the controller's clock.
    type: raw
  skew_tolerance:
    description: Seconds a backup may seem to finish in the future (clock differences) before it is flagged.
    type: int
    default: 300
'''

EXAMPLES = r'''
- name: Build the report
  ansible.builtin.set_fact:
    report: "{{ report_hosts | exalogic.backup.backup_report(rpo_hours=26) }}"

- name: Write the HTML page
  ansible.builtin.copy:
    content: "{{ report | exalogic.backup.backup_report_render('html') }}"
    dest: /var/www/html/backups.html
    mode: '0644'
'''

RETURN = r'''
_value:
  description: The report - C(generated), C(rpo_hours), C(rows) (one per host, sorted by host),
    C(breaches) (host names) and C(summary) (counts by status).
  type: dict
'''

import calendar
import csv
import html
import io
import re
import time

from ansible.errors import AnsibleFilterError

STATUSES = ('ok', 'breach', 'never', 'incomplete', 'clock_skew')
CSV_COLUMNS = ('host', 'status', 'breach', 'last_complete', 'source', 'age_hours', 'rpo_hours', 'duration',
               'files', 'bytes', 'duration_change', 'bytes_change', 'copies', 'replication_result',
               'replication_lag_hours', 'note')
TIME_FORMATS = ('%Y-%m-%dT%H:%M:%SZ', '%Y%m%dT%H:%M:%S', '%Y%m%dT%H%M%SZ', '%Y-%m-%dT%H:%M:%S',
                '%a %b %d %Y %H:%M:%S')
FENCE_STAMP = re.compile(r'-(\d{8}T\d{6}Z)$')


def parse_time(value):
    """Seconds since the epoch of a UTC time as manifests, fence names and the appliance (v1/v2) write it."""
    if value is None or value == '':
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = re.sub(r' GMT[+-]\d{4}.*$', '', str(value).strip())  # v1's JavaScript dates
    for fmt in TIME_FORMATS:
        try:
            return float(calendar.timegm(time.strptime(text, fmt)))
        except ValueError:
            continue
    return None


def format_time(seconds):
    return None if seconds is None else time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(seconds))


def change(values):
    """Relative change of the newest value against the one before it (0.25 = 25 % more), or None."""
    known = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(known) < 2 or known[-2] == 0:
        return None
    return round((known[-1] - known[-2]) / known[-2], 3)


def copies_of(item, host):
    """Complete copies, oldest first: {finished, source, duration, files, bytes, appliance_time}."""
    created = {}
    for snap in item.get('snapshots') or []:
        if isinstance(snap, dict) and snap.get('name'):
            created[snap['name']] = parse_time(snap.get('creation'))
    copies = []
    for backup in item.get('backups') or []:
        if not isinstance(backup, dict) or not backup.get('complete'):
            continue
        finished = parse_time(backup.get('finished'))
        if finished is None:
            continue
        copies.append(dict(finished=finished, source=backup.get('source') or 'live', duration=backup.get('duration'),
                           files=backup.get('files'), bytes=backup.get('bytes'),
                           appliance_time=created.get(backup.get('snapshot'))))
    if not copies:  # no manifests read: the fence snapshots alone say when complete backups ended
        for name, creation in created.items():
            match = FENCE_STAMP.search(name)
            if name.startswith('%s-' % host) and match:
                copies.append(dict(finished=parse_time(match.group(1)), source=name, duration=None, files=None,
                                   bytes=None, appliance_time=creation))
    unique = {}
    for copy in copies:  # the live mirror and the fence snapshot of the same run are one backup
        unique.setdefault((copy['finished'], copy['files'], copy['bytes']), copy)
        if copy['appliance_time'] is not None:
            unique[(copy['finished'], copy['files'], copy['bytes'])] = copy
    return sorted(unique.values(), key=lambda c: c['finished'])


def replication_of(item, now):
    repl = item.get('replication')
    if not isinstance(repl, dict):
        return None, None
    last_sync = parse_time(repl.get('last_sync'))
    lag = None if last_sync is None else round(max(0.0, now - last_sync) / 3600.0, 2)
    return repl.get('last_result'), lag


def row_of(item, rpo_hours, now, skew_tolerance):
    if not isinstance(item, dict) or not item.get('host'):
        raise AnsibleFilterError('backup_report: every item needs a host name; got %r' % (item,))
    host = str(item['host'])
    copies = copies_of(item, host)
    result, lag = replication_of(item, now)
    row = dict(host=host, rpo_hours=rpo_hours, copies=len(copies), replication_result=result,
               replication_lag_hours=lag, last_complete=None, source=None, age_hours=None, duration=None,
               files=None, bytes=None, duration_change=None, bytes_change=None,
               history=[dict(finished=format_time(c['finished']), source=c['source'], duration=c['duration'],
                             files=c['files'], bytes=c['bytes']) for c in copies])
    if not copies:
        seen = [b for b in item.get('backups') or [] if isinstance(b, dict)]
        status = 'incomplete' if any(b.get('state') not in (None, 'none') for b in seen) else 'never'
        note = ('copies exist but none is complete: ' + '; '.join(str(b.get('reason')) for b in seen[:3])
                if status == 'incomplete' else 'no complete backup found')
        row.update(status=status, breach=True, note=note)
        return row
    last = copies[-1]
    row.update(last_complete=format_time(last['finished']), source=last['source'], duration=last['duration'],
               files=last['files'], bytes=last['bytes'], duration_change=change([c['duration'] for c in copies]),
               bytes_change=change([c['bytes'] for c in copies]))
    reference = last['appliance_time'] if last['appliance_time'] is not None else last['finished']
    if reference > now + skew_tolerance:
        row.update(status='clock_skew', breach=True,
                   note='the last backup finished %s, after the report time %s: a clock is wrong, the real age '
                        'is unknown' % (format_time(reference), format_time(now)))
        return row
    row['age_hours'] = round(max(0.0, now - reference) / 3600.0, 2)
    breach = row['age_hours'] > rpo_hours
    row.update(status='breach' if breach else 'ok', breach=breach,
               note='older than the RPO of %s h' % rpo_hours if breach else '')
    return row


def backup_report(hosts, rpo_hours=24, now=None, skew_tolerance=300):
    if not isinstance(hosts, list):
        raise AnsibleFilterError('backup_report: the input must be a list of per-host dicts, got %s'
                                 % type(hosts).__name__)
    try:
        rpo_hours = float(rpo_hours)
    except (TypeError, ValueError):
        raise AnsibleFilterError('backup_report: rpo_hours must be a number of hours, got %r' % (rpo_hours,))
    moment = time.time() if now is None else parse_time(now)
    if moment is None:
        raise AnsibleFilterError('backup_report: now must be UTC text like 2026-12-07T06:00:00Z or epoch seconds')
    rows = sorted((row_of(item, rpo_hours, moment, int(skew_tolerance)) for item in hosts), key=lambda r: r['host'])
    summary = dict((status, sum(1 for r in rows if r['status'] == status)) for status in STATUSES)
    return dict(generated=format_time(moment), rpo_hours=rpo_hours, rows=rows, summary=summary,
                breaches=[r['host'] for r in rows if r['breach']])


def backup_report_csv(report):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(CSV_COLUMNS)
    for row in report['rows']:
        writer.writerow([csv_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def csv_cell(value):
    text = '' if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return "'" + text if text[:1] in ('=', '+', '-', '@') and not re.match(r'^-?[\d.]+$', text) else text


def human_bytes(value):
    if not isinstance(value, (int, float)):
        return ''
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if abs(value) < 1024 or unit == 'TiB':
            return '%.0f %s' % (value, unit) if unit == 'B' else '%.1f %s' % (value, unit)
        value /= 1024.0
    return ''


def timeline_svg(row, start, end, width=240, height=22):
    """Dots for every complete backup of the host over the report's time span; red when the row breaches."""
    color = '#c0392b' if row['breach'] else '#2e7d32'
    span = max(end - start, 1.0)
    dots = []
    for entry in row['history']:
        moment = parse_time(entry['finished'])
        x = 4 + (width - 8) * (moment - start) / span
        dots.append('<circle cx="%.1f" cy="11" r="4" fill="%s"><title>%s</title></circle>'
                    % (x, color, html.escape('%s %s' % (entry['finished'], entry['source']))))
    return ('<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img">'
            '<line x1="0" y1="11" x2="%d" y2="11" stroke="#bbb"/>%s</svg>' % (width, height, width, ''.join(dots)))


def trend_svg(values, label, width=120, height=22):
    known = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(known) < 2:
        return '<span class="muted">-</span>'
    low, high = min(known), max(known)
    scale = (high - low) or 1.0
    step = (width - 4) / (len(known) - 1)
    points = ' '.join('%.1f,%.1f' % (2 + i * step, height - 2 - (height - 4) * (v - low) / scale)
                      for i, v in enumerate(known))
    return ('<svg class="trend %s" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img">'
            '<title>%s</title><polyline fill="none" stroke="#1f5f99" stroke-width="1.5" points="%s"/></svg>'
            % (label, width, height, html.escape('%s: %s' % (label, ', '.join('%g' % v for v in known))), points))


PAGE_STYLE = '''
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: middle; }
tr.breach td { background: #fdecea; color: #8e1b10; }
tr.breach td.status { font-weight: bold; }
.muted { color: #999; }
'''


def backup_report_html(report, title='Backup report'):
    rows = report['rows']
    times = [parse_time(h['finished']) for r in rows for h in r['history']] + [parse_time(report['generated'])]
    start, end = min(times), max(times)
    body = []
    for row in rows:
        classes = 'breach' if row['breach'] else 'ok'
        cells = [
            ('host', html.escape(row['host'])), ('status', html.escape(row['status'])),
            ('last', html.escape(row['last_complete'] or 'never')),
            ('age', '' if row['age_hours'] is None else '%.1f h' % row['age_hours']),
            ('duration', '' if row['duration'] is None else '%s s' % html.escape(str(row['duration']))),
            ('files', html.escape(str(row['files'] if row['files'] is not None else ''))),
            ('bytes', human_bytes(row['bytes'])),
            ('timeline', timeline_svg(row, start, end)),
            ('duration-trend', trend_svg([h['duration'] for h in row['history']], 'duration')),
            ('bytes-trend', trend_svg([h['bytes'] for h in row['history']], 'bytes')),
            ('replication', html.escape('%s, lag %s h' % (row['replication_result'], row['replication_lag_hours'])
                                        if row['replication_result'] is not None else '-')),
            ('note', html.escape(row['note'] or '')),
        ]
        body.append('<tr class="%s" data-host="%s">%s</tr>' % (
            classes, html.escape(row['host'], quote=True),
            ''.join('<td class="%s">%s</td>' % (name, value) for name, value in cells)))
    summary = ', '.join('%s %d' % (status, count) for status, count in report['summary'].items() if count)
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'"/>'
            '<title>%s</title><style>%s</style></head><body>'
            '<h1>%s</h1><p id="summary">Generated %s, RPO %s h: %s. Breaches: <span id="breach-count">%d</span>.</p>'
            '<table id="report"><thead><tr><th>Host</th><th>Status</th><th>Last complete</th><th>Age</th>'
            '<th>Duration</th><th>Files</th><th>Size</th><th>Backups %s to %s</th><th>Duration trend</th>'
            '<th>Size trend</th><th>Replication</th><th>Note</th></tr></thead><tbody>%s</tbody></table>'
            '</body></html>\n' % (
                html.escape(title), PAGE_STYLE, html.escape(title), html.escape(report['generated']),
                html.escape('%g' % report['rpo_hours']), html.escape(summary or 'no hosts'), len(report['breaches']),
                html.escape(format_time(start)), html.escape(format_time(end)), ''.join(body)))


def replication_text(row):
    if row['replication_result'] is None:
        return ''
    return '%s (lag %s h)' % (row['replication_result'], row['replication_lag_hours'])


def backup_report_table(report):
    """A compact fixed-width table for the play output."""
    lines = ['%-20s %-10s %-21s %8s %9s %10s %s' % ('host', 'status', 'last complete', 'age h', 'files', 'size',
                                                    'replication')]
    for row in report['rows']:
        lines.append('%-20s %-10s %-21s %8s %9s %10s %s' % (
            row['host'][:20], row['status'], row['last_complete'] or 'never',
            '' if row['age_hours'] is None else '%.1f' % row['age_hours'],
            '' if row['files'] is None else row['files'], human_bytes(row['bytes']),
            replication_text(row)))
    return lines


RENDERERS = {'csv': backup_report_csv, 'html': backup_report_html, 'table': lambda r: '\n'.join(backup_report_table(r))}


def backup_report_render(report, output='table', title='Backup report'):
    if not isinstance(report, dict) or 'rows' not in report:
        raise AnsibleFilterError('backup_report_render: the input must be the result of exalogic.backup.backup_report')
    if output not in RENDERERS:
        raise AnsibleFilterError('backup_report_render: output must be one of %s, got %r' % (', '.join(sorted(RENDERERS)), output))
    if output == 'html':
        return backup_report_html(report, title=title)
    return RENDERERS[output](report)


class FilterModule:
    def filters(self):
        return {'backup_report': backup_report, 'backup_report_render': backup_report_render}
