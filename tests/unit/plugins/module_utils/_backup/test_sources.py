# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible_collections.exalogic.backup.plugins.module_utils._backup import sources


def test_anchored_sources_and_relative_paths():
    assert sources.anchored('/', '/') == '/./'
    assert sources.anchored('/', '/boot') == '/./boot'
    assert sources.anchored('/srv/vs1', '/var/') == '/srv/vs1/./var'
    assert sources.relative_to_root('/srv/vs1', '/srv/vs1/data') == '/data'
    assert sources.relative_to_root('/srv/vs1', '/srv/vs1') == '/'
    assert sources.relative_to_root('/', '/.hidden') == '/.hidden'


@pytest.mark.parametrize('path, excluded', [
    ('/proc/1', True), ('/proc', False), ('/tmp/x/y', True), ('/var/tmp/x', False), ('/home/u/.cache/z', True),
    ('/data/core', True), ('/data/score', False),
])
def test_exclude_matching(path, excluded):
    patterns = ['/proc/*', '/tmp/*', '/home/*/.cache/*', 'core']
    assert sources.is_excluded(path, patterns) is excluded


def test_walk_counts_stop_early_and_skip_excludes(tmp_path):
    for name in ('a', 'b', 'c'):
        (tmp_path / 'data').mkdir(exist_ok=True)
        (tmp_path / 'data' / name).write_text(u'x')
    (tmp_path / 'tmp').mkdir()
    (tmp_path / 'tmp' / 'junk').write_text(u'x')
    walked = [rel for rel, st in sources.walk(str(tmp_path), ['/'], ['/tmp/*'])]
    assert sorted(walked) == ['/', '/data', '/data/a', '/data/b', '/data/c', '/tmp']
    assert sources.count_at_least(str(tmp_path), ['/'], [], 3) == 3


@pytest.mark.parametrize('pattern, path, excluded', [
    ('/tmp/*', '/tmp/x', True), ('/tmp/*', '/tmp', False), ('/tmp/*', '/var/tmp/x', False),
    ('core', '/data/core', True), ('core', '/core', True), ('core', '/data/core/inside', True),  # the dir's contents
    ('*.log', '/var/log/a.log', True), ('*.log', '/var/log/a.log.1', False),
    ('cache/*', '/home/u/cache/x', True), ('cache/*', '/home/u/xcache/x', False),   # inner '/': tail at a boundary
    ('/home/*/.cache', '/home/u/.cache', True), ('/home/*/.cache', '/home/u/v/.cache', False),  # '*' stops at '/'
    ('/home/**/.cache', '/home/u/v/.cache', True),                                   # '**' does not
    ('/opt/app/***', '/opt/app', True), ('/opt/app/***', '/opt/app/x/y', True), ('/opt/app/***', '/opt/apps', False),
    ('/data/[ab]?', '/data/a1', True), ('/data/[!ab]?', '/data/a1', False),
])
def test_exclude_matching_follows_rsync_rules(pattern, path, excluded):
    assert sources.is_excluded(path, [pattern]) is excluded
