# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import calendar

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.snapshots import (
    clone_origin, format_utc, is_automatic, parse_creation, policy_problem, select_retention, snapshot_name_problem)


def utc(text):
    """Epoch of '2024-01-31 01:30' (UTC)."""
    date, clock = text.split(' ')
    year, month, day = [int(part) for part in date.split('-')]
    hour, minute = [int(part) for part in clock.split(':')]
    return float(calendar.timegm((year, month, day, hour, minute, 0, 0, 0, 0)))


def snaps(*specs):
    """Snapshots from ('name', '2024-01-31 01:30'[, numclones]) tuples; None as time = unknown."""
    found = []
    for spec in specs:
        name, when = spec[0], spec[1]
        found.append(dict(name=name, creation=utc(when) if when else None, numclones=spec[2] if len(spec) > 2 else 0))
    return found


def outcome(result):
    """{name: reasons} for kept snapshots and the list of deleted names (newest first)."""
    return dict((entry['name'], entry['reasons']) for entry in result['keep']), [entry['name'] for entry in result['delete']]


FIVE_DAYS = snaps(('b1', '2024-01-01 01:00'), ('b2', '2024-01-02 01:00'), ('b3', '2024-01-03 01:00'),
                  ('b4', '2024-01-04 01:00'), ('b5', '2024-01-05 01:00'))

RETENTION_CASES = [
    pytest.param(
        FIVE_DAYS, dict(keep_last=3),
        {'b5': ['newest', 'last 3'], 'b4': ['last 3'], 'b3': ['last 3']}, ['b2', 'b1'],
        id='keep-last-keeps-the-n-newest'),
    pytest.param(
        snaps(('a', '2024-01-01 01:00'), ('b', '2024-01-01 13:00'), ('c', '2024-01-02 01:00'),
              ('d', '2024-01-02 13:00'), ('e', '2024-01-03 01:00'), ('f', '2024-01-03 13:00')),
        dict(keep_daily=2),
        {'f': ['newest', 'daily 2024-01-03'], 'd': ['daily 2024-01-02']}, ['e', 'c', 'b', 'a'],
        id='daily-keeps-the-newest-of-each-recent-day'),
    pytest.param(
        snaps(('jan01', '2024-01-01 01:00'), ('jan05', '2024-01-05 01:00'), ('jan10', '2024-01-10 01:00')),
        dict(keep_daily=2),
        {'jan10': ['newest', 'daily 2024-01-10'], 'jan05': ['daily 2024-01-05']}, ['jan01'],
        id='days-without-snapshots-do-not-count'),
    pytest.param(
        snaps(('sat', '2024-01-06 23:00'), ('sun', '2024-01-07 23:59'), ('mon', '2024-01-08 00:00'),
              ('tue', '2024-01-09 00:00')),
        dict(keep_weekly=2),
        {'tue': ['newest', 'weekly 2024-W02'], 'sun': ['weekly 2024-W01']}, ['mon', 'sat'],
        id='weeks-run-monday-to-sunday-utc'),
    pytest.param(
        snaps(('dec', '2023-12-31 23:00'), ('jan-a', '2024-01-15 01:00'), ('jan-b', '2024-01-31 01:00'),
              ('feb', '2024-02-29 01:00'), ('mar', '2024-03-01 00:30')),
        dict(keep_monthly=3),
        {'mar': ['newest', 'monthly 2024-03'], 'feb': ['monthly 2024-02'], 'jan-b': ['monthly 2024-01']},
        ['jan-a', 'dec'],
        id='monthly-keeps-the-newest-of-each-recent-month'),
    pytest.param(
        snaps(('h1', '2024-01-01 01:00'), ('h1b', '2024-01-01 01:59'), ('h2', '2024-01-01 02:00'),
              ('h3', '2024-01-01 03:30')),
        dict(keep_hourly=2),
        {'h3': ['newest', 'hourly 2024-01-01T03'], 'h2': ['hourly 2024-01-01T02']}, ['h1b', 'h1'],
        id='hourly'),
    pytest.param(
        FIVE_DAYS, dict(keep_last=2, keep_daily=3, keep_weekly=2, keep_monthly=2),
        {'b5': ['newest', 'last 2', 'daily 2024-01-05', 'weekly 2024-W01', 'monthly 2024-01'],
         'b4': ['last 2', 'daily 2024-01-04'], 'b3': ['daily 2024-01-03']},
        ['b2', 'b1'],
        id='reasons-add-up-and-periods-share-snapshots'),
    pytest.param(
        snaps(('old', '2024-01-01 01:00', 1), ('mid', '2024-01-02 01:00'), ('new', '2024-01-03 01:00')),
        dict(keep_last=1),
        {'new': ['newest', 'last 1'], 'old': ['has clones']}, ['mid'],
        id='snapshots-with-clones-are-kept'),
    pytest.param(
        snaps(('mystery', None), ('a', '2024-01-01 01:00'), ('b', '2024-01-02 01:00')),
        dict(keep_last=1),
        {'b': ['newest', 'last 1'], 'mystery': ['creation time unknown']}, ['a'],
        id='unknown-creation-time-is-kept'),
    pytest.param(
        snaps(('only', '2024-01-01 01:00')), dict(keep_weekly=0, keep_daily=1),
        {'only': ['newest', 'daily 2024-01-01']}, [],
        id='one-snapshot'),
    pytest.param(
        FIVE_DAYS, dict(keep_monthly=0, keep_last=0, keep_daily=None, keep_hourly=1),
        {'b5': ['newest', 'hourly 2024-01-05T01']}, ['b4', 'b3', 'b2', 'b1'],
        id='newest-is-always-kept'),
    pytest.param(
        snaps(('same-a', '2024-01-01 01:00'), ('same-b', '2024-01-01 01:00')), dict(keep_last=1),
        {'same-b': ['newest', 'last 1']}, ['same-a'],
        id='equal-times-order-by-name'),
    pytest.param([], dict(keep_last=3), {}, [], id='nothing-to-do'),
]


@pytest.mark.parametrize('snapshots, policy, kept, deleted', RETENTION_CASES)
def test_select_retention(snapshots, policy, kept, deleted):
    assert outcome(select_retention(snapshots, policy)) == (kept, deleted)


def test_thirty_snapshots_eight_hours_apart():
    """A month-end run: three backups a day for ten days, keep 3 last, 5 daily, 2 weekly."""
    start = utc('2024-01-20 00:00')
    snapshots = [dict(name='bk-%02d' % i, creation=start + i * 8 * 3600, numclones=0) for i in range(30)]
    kept, deleted = outcome(select_retention(snapshots, dict(keep_last=3, keep_daily=5, keep_weekly=2)))
    # bk-29 is 2024-01-29 16:00 (Monday, ISO week 5); the week before ends with bk-23 (Sunday 2024-01-28 16:00).
    assert kept == {
        'bk-29': ['newest', 'last 3', 'daily 2024-01-29', 'weekly 2024-W05'],
        'bk-28': ['last 3'],
        'bk-27': ['last 3'],
        'bk-26': ['daily 2024-01-28', 'weekly 2024-W04'],
        'bk-23': ['daily 2024-01-27'],
        'bk-20': ['daily 2024-01-26'],
        'bk-17': ['daily 2024-01-25'],
    }
    assert deleted == ['bk-%02d' % i for i in range(29, -1, -1) if 'bk-%02d' % i not in kept]


def test_result_entries_carry_utc_creation_newest_first():
    result = select_retention(FIVE_DAYS, dict(keep_last=1))
    assert result['keep'] == [dict(name='b5', creation='2024-01-05T01:00:00Z', reasons=['newest', 'last 1'])]
    assert result['delete'][0] == dict(name='b4', creation='2024-01-04T01:00:00Z')


@pytest.mark.parametrize('policy, fragment', [
    (dict(keep_last=-1), 'keep_last is -1'),
    (dict(keep_daily=0, keep_last=None), 'at least one of keep_last'),
    ({}, 'every snapshot but the newest'),
])
def test_policy_problems(policy, fragment):
    assert fragment in policy_problem(policy)


def test_policy_with_one_count_is_fine():
    assert policy_problem(dict(keep_weekly=4)) is None


@pytest.mark.parametrize('value, expected', [
    ('20130916T21:36:50', '2013-09-16T21:36:50Z'),        # v1
    ('2013-09-16T21:36:50Z', '2013-09-16T21:36:50Z'),     # v2
    ('2013-09-16T23:36:50+02:00', '2013-09-16T21:36:50Z'),
    ('2013-09-16 21:36:50.123', '2013-09-16T21:36:50Z'),
    ('Fri May 01 2015 20:13:00 GMT+0000 (UTC)', '2015-05-01T20:13:00Z'),
    (1379367410, '2013-09-16T21:36:50Z'),
    ('yesterday', None),
    ('2013-13-01T00:00:00Z', None),
    (None, None),
    (True, None),
])
def test_parse_creation(value, expected):
    assert format_utc(parse_creation(value)) == expected


@pytest.mark.parametrize('name, fragment', [
    ('backup-2024-01-31', None),
    ('pre_upgrade:v2.1', None),
    ('a' * 64, None),
    ('', 'name is empty'),
    ('nightly backup', "contains ' '"),
    ('vs1/daily', "contains '/'"),
    ('daily@1', "contains '@'"),
    ('.auto-20240101T000000Z', 'must start with a letter or a digit'),
    ('-x', 'must start with a letter or a digit'),
    ('a' * 65, 'is 65 characters long: use at most 64'),
])
def test_snapshot_name_problem(name, fragment):
    problem = snapshot_name_problem(name)
    if fragment is None:
        assert problem is None
    else:
        assert fragment in problem and problem.startswith('name ')


def test_name_problem_names_the_option():
    assert snapshot_name_problem('a b', 'rename_from').startswith("rename_from 'a b'")


def test_automatic_names():
    assert is_automatic('.auto-20240101T010000Z') and is_automatic('.auto-nightly-20240101T010000Z')
    assert not is_automatic('backup-auto')


# ------------------------------------------------------------------------------------------- clones

@pytest.mark.parametrize('share, origin', [
    (dict(name='drill', origin=dict(pool='gold', collection='local', project='backups', share='vs1', snapshot='daily')),
     ('gold', 'backups', 'vs1', 'daily')),
    (dict(name='drill', origin='gold/local/backups/vs1@daily'), ('gold', 'backups', 'vs1', 'daily')),
    (dict(name='plain'), None),
    (dict(name='plain', origin=''), None),
    (dict(name='odd', origin='not-a-snapshot'), None),
    (None, None),
])
def test_clone_origin(share, origin):
    assert clone_origin(share) == origin
