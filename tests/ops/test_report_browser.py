"""The HTML report rendered by a real browser (headless Chromium, Debian package `chromium`): every host
is in the rendered DOM, breach rows are marked, a hostile host name stays text. The screenshot is kept
in tests/output/ops/ as an artifact."""
import os
import shutil
import subprocess
from html.parser import HTMLParser

from ansible_collections.exalogic.backup.plugins.filter.backup_report import backup_report, backup_report_render

HOSTILE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>vs9'


def chromium():
    for name in ('chromium', 'chromium-browser'):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError('chromium is not installed: run tests/setup/install-deps.sh (Debian package chromium)')


def browser(args, tmp_path):
    argv = [chromium(), '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions',
            '--disable-background-networking', '--disable-sync', '--disable-component-update',
            '--user-data-dir=%s' % (tmp_path / 'profile'), '--proxy-server=127.0.0.1:9'] + args
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False,
                          env=dict(os.environ, HOME=str(tmp_path)))


class Rows(HTMLParser):
    """Rows of the rendered report table: (data-host, class, status text), plus every tag seen."""

    def __init__(self):
        super().__init__()
        self.rows, self.tags, self.title, self._cell, self._in_title = [], [], '', None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == 'tr' and 'data-host' in attrs:
            self.rows.append([attrs['data-host'], attrs.get('class'), ''])
        if tag == 'td' and attrs.get('class') == 'status':
            self._cell = 'status'
        if tag == 'title' and 'body' not in self.tags:  # the page title, not the SVG tooltips
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == 'td':
            self._cell = None
        if tag == 'title':
            self._in_title = False

    def handle_data(self, data):
        if self._cell == 'status' and self.rows:
            self.rows[-1][2] += data
        if self._in_title:
            self.title += data


def fleet():
    def item(host, *stamps):
        return dict(host=host, backups=[dict(source='%s-%s' % (host, s), snapshot='%s-%s' % (host, s), complete=True,
                                             state='complete', finished=s, duration=30 + i, files=1000 + i,
                                             bytes=10 ** 6 * (i + 1)) for i, s in enumerate(stamps)])
    return [item('vs01', '2026-12-05T01:00:00Z', '2026-12-06T01:00:00Z', '2026-12-07T01:00:00Z'),
            item('vs02', '2026-12-04T01:00:00Z', '2026-12-05T01:00:00Z'),
            dict(host='vs03'), dict(host=HOSTILE)]


def test_rendered_page_shows_every_host_and_marks_breaches(tmp_path, output_dir):
    report = backup_report(fleet(), rpo_hours=24, now='2026-12-07T06:00:00Z')
    page = tmp_path / 'backups.html'
    page.write_text(backup_report_render(report, 'html'))
    url = page.as_uri()

    dom = browser(['--dump-dom', url], tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    parsed = Rows()
    parsed.feed(dom.stdout)
    assert [tuple(row) for row in parsed.rows] == [
        (HOSTILE, 'breach', 'never'), ('vs01', 'ok', 'ok'), ('vs02', 'breach', 'breach'), ('vs03', 'breach', 'never')]
    assert parsed.title == 'Backup report'  # the hostile name's script did not run
    assert 'script' not in parsed.tags and 'img' not in parsed.tags
    assert parsed.tags.count('svg') >= 4 + 2  # a timeline per host, trends where there are 2+ backups

    shot = os.path.join(output_dir, 'backup_report.png')
    if os.path.exists(shot):
        os.unlink(shot)
    result = browser(['--screenshot=%s' % shot, '--window-size=1400,500', '--hide-scrollbars', url], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    with open(shot, 'rb') as handle:
        assert handle.read(8) == b'\x89PNG\r\n\x1a\n'
    with open(os.path.join(output_dir, 'backup_report.html'), 'w') as handle:
        handle.write(page.read_text())
