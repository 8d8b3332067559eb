# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gates as pure functions: facts in, decision out."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from collections import namedtuple

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._backup import gates

Entry = namedtuple('Entry', 'file vfstype options')


def fs(source, entries, counted_by='inodes'):
    return dict(source=source, entries=entries, counted_by=counted_by)


LAST = dict(status='complete', end='2026-12-07T01:00:00Z', files_total=5000,
            filesystems=[fs('/', 4800), fs('/data', 200, 'walk')])


@pytest.mark.parametrize('max_delete, ratio, last, cap', [
    (7, 0.1, LAST, 7),                          # max_delete wins
    (0, 0.1, LAST, 0),                          # 0: no deletions at all
    (None, 0.1, LAST, 500),                     # fraction of the last complete backup
    (None, 0.1, dict(files_total=37), 10),      # small tree: the documented floor
    (None, 0, LAST, None),                      # ratio off
    (None, 0.1, {}, None),                      # first backup
    (None, 0.1, dict(files_total='5000'), None),  # a manifest value of the wrong type is no count
])
def test_delete_cap(max_delete, ratio, last, cap):
    assert gates.delete_cap(max_delete, ratio, last) == cap


@pytest.mark.parametrize('deletions, cap, refused', [(5, None, False), (10, 10, False), (11, 10, True), (1, 0, True)])
def test_delete_cap_problem(deletions, cap, refused):
    problem = gates.delete_cap_problem(deletions, cap)
    assert bool(problem) == refused
    if refused:
        assert 'nothing was deleted' in problem and 'max_delete' in problem


@pytest.mark.parametrize('current, retired, missing', [
    (['/', '/data'], [], []),
    (['/'], [], ['/data']),
    (['/'], ['/data'], []),
    ([], [], ['/', '/data']),
])
def test_missing_sources(current, retired, missing):
    assert gates.missing_sources(LAST, current, retired) == missing


def test_missing_sources_of_an_old_manifest_without_filesystems():
    assert gates.missing_sources(dict(files_total=10, sources=['/', '/data']), ['/']) == []


def test_missing_sources_message_names_them_and_the_option():
    problem = gates.missing_sources_problem(['/data'])
    assert '/data' in problem and 'retire_sources: [/data]' in problem
    assert gates.missing_sources_problem([]) is None


@pytest.mark.parametrize('counts, ratio, shrunk', [
    ({'/': (4800, 'inodes'), '/data': (200, 'walk')}, 0.5, []),
    ({'/': (4800, 'inodes'), '/data': (99, 'walk')}, 0.5, ['/data']),   # small filesystem on a big host
    ({'/': (2000, 'inodes'), '/data': (200, 'walk')}, 0.5, ['/']),
    ({'/': (2000, 'inodes'), '/data': (1, 'walk')}, 0, []),             # gate off
    ({'/': (4800, 'walk'), '/data': (1, 'inodes')}, 0.5, []),           # counted differently: not comparable
    ({'/': (4800, 'inodes')}, 0.5, []),                                 # /data retired (missing gate decides)
])
def test_source_shrink_problem(counts, ratio, shrunk):
    problem = gates.source_shrink_problem(LAST, counts, ratio)
    assert bool(problem) == bool(shrunk)
    for source in shrunk:
        assert '%s holds' % source in problem
    if problem:
        assert 'min_source_ratio: 0' in problem


def kind(fstype):
    return 'network' if fstype == 'nfs' else 'local'


def test_expected_mount_points_from_fstab_entries():
    entries = [Entry('/', 'xfs', ['defaults']), Entry('/boot/', 'xfs', []), Entry('swap', 'swap', []),
               Entry('/mnt/nfs', 'nfs', []), Entry('/opt', 'ext4', ['noauto']), Entry('/srv', 'none', ['bind']),
               Entry('/data', 'ext4', ['defaults']), Entry(None, 'ext4', [])]
    assert gates.expected_mount_points(entries, kind) == ['/', '/boot', '/data']


@pytest.mark.parametrize('alternate, missing', [(False, ['/', '/data']), (True, ['/data'])])
def test_missing_mounts(alternate, missing):
    assert gates.missing_mounts(['/', '/boot', '/data'], lambda p: p == '/boot', alternate_root=alternate) == missing
