# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import calendar

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.schedules import (
    KEEP_OPTIONS, ScheduleError, appliance_fields, describe_schedule, from_appliance, normalize_schedule,
    normalize_timing, period_key, plan_schedules, repeated_timing_problem, schedule_order)


def utc(text):
    """Epoch of '2024-01-31 01:30' (UTC)."""
    date, clock = text.split(' ')
    year, month, day = [int(part) for part in date.split('-')]
    hour, minute = [int(part) for part in clock.split(':')]
    return calendar.timegm((year, month, day, hour, minute, 0, 0, 0, 0))


# ------------------------------------------------------------------------------ snapshot schedules

@pytest.mark.parametrize('entry, canonical', [
    (dict(frequency='day', hour=1, keep=7), dict(frequency='day', hour=1, minute=0, keep=7)),
    (dict(frequency='halfhour', minute='05', keep=48), dict(frequency='halfhour', minute=5, keep=48)),
    (dict(frequency='hour', keep=24, day=None), dict(frequency='hour', minute=0, keep=24)),
    (dict(frequency='week', day='sun', hour=2, minute=30, keep=0),
     dict(frequency='week', day='Sunday', hour=2, minute=30, keep=0)),
    (dict(frequency='month', day=31, hour='23', minute=59, keep='12'),
     dict(frequency='month', day=31, hour=23, minute=59, keep=12)),
])
def test_normalize_schedule(entry, canonical):
    assert normalize_schedule(entry) == canonical


@pytest.mark.parametrize('entry, fragment', [
    (dict(frequency='minute', keep=1), "schedules[0].frequency is 'minute': use one of halfhour, hour, day, week, month"),
    (dict(frequency='day', day='Monday', keep=1), 'schedules[0].day does not apply to frequency day: day is only for week and month schedules'),
    (dict(frequency='hour', hour=3, keep=1), 'schedules[0].hour does not apply to frequency hour: hour is only for day, week and month'),
    (dict(frequency='week', hour=3, keep=1), 'schedules[0].day is required with frequency week: a weekday such as Monday'),
    (dict(frequency='week', day='Funday', keep=1), "schedules[0].day is 'Funday'"),
    (dict(frequency='month', day=32, keep=1), 'schedules[0].day is 32: give a day of the month from 1 to 31'),
    (dict(frequency='halfhour', minute=30, keep=1), 'schedules[0].minute is 30: give the minute past the half hour, 0 to 29'),
    (dict(frequency='day', hour=24, keep=1), 'schedules[0].hour is 24: give an hour of the day in UTC, 0 to 23'),
    (dict(frequency='day', hour=True, keep=1), 'schedules[0].hour is True'),
    (dict(frequency='day', hour=1), 'schedules[0].keep is required'),
    (dict(frequency='hour', keep=0), 'schedules[0].keep is 0: with frequency hour keep 1 to 24 snapshots'),
    (dict(frequency='halfhour', keep=49), 'with frequency halfhour keep 1 to 48'),
    (dict(frequency='day', keep=-1), 'schedules[0].keep is -1: give 0 (keep all) or more'),
    (dict(frequency='day', keep=1, label='x'), 'schedules[0] has unknown fields label'),
])
def test_bad_schedules_name_the_field_and_the_fix(entry, fragment):
    with pytest.raises(ScheduleError) as caught:
        normalize_schedule(entry, 'schedules[0]')
    assert fragment in str(caught.value)


@pytest.mark.parametrize('obj, canonical', [
    (dict(frequency='day', hour='01', minute='00', keep=7, id='automatic-000', href='/x'),
     dict(frequency='day', hour=1, minute=0, keep=7)),
    (dict(frequency='week', day='Mon', hour='02', minute='30', keep='4'),
     dict(frequency='week', day='Monday', hour=2, minute=30, keep=4)),
    (dict(frequency='hour', minute='15', keep=24, day=None, hour=''),
     dict(frequency='hour', minute=15, keep=24)),
    (dict(frequency='month', day='01', hour=0, minute=0, keep=0),
     dict(frequency='month', day=1, hour=0, minute=0, keep=0)),
])
def test_from_appliance_compares_semantically(obj, canonical):
    assert from_appliance(obj) == canonical


DAILY = dict(frequency='day', hour=1, minute=0, keep=7)
WEEKLY = dict(frequency='week', day='Sunday', hour=2, minute=0, keep=4)
HOURLY = dict(frequency='hour', minute=0, keep=24)

PLAN_CASES = [
    pytest.param([], [DAILY], {}, dict(create=[DAILY]), id='create'),
    pytest.param([('a0', DAILY)], [DAILY], {}, dict(unchanged=['a0']), id='same-schedule-unchanged'),
    pytest.param([('a0', dict(DAILY, keep=3))], [DAILY], {}, dict(update=[('a0', DAILY)]), id='other-keep-updates'),
    pytest.param([('a0', dict(DAILY, hour=2))], [DAILY], {}, dict(create=[DAILY], unchanged=['a0']),
                 id='other-time-is-another-schedule'),
    pytest.param([('a0', dict(DAILY, hour=2))], [DAILY], dict(exclusive=True), dict(create=[DAILY], delete=['a0']),
                 id='exclusive-deletes-unlisted'),
    pytest.param([('a0', WEEKLY), ('a1', DAILY), ('a2', dict(DAILY, keep=1))], [DAILY, dict(DAILY, keep=2)], {},
                 dict(unchanged=['a1', 'a0'], update=[('a2', dict(DAILY, keep=2))]),
                 id='exact-match-wins-before-keep-update'),
    pytest.param([('a0', WEEKLY), ('a1', DAILY)], [dict(DAILY, keep=99)], dict(removing=True),
                 dict(delete=['a1'], unchanged=['a0']), id='absent-removes-by-timing'),
    pytest.param([('a0', WEEKLY), ('a1', HOURLY)], [], dict(removing=True), dict(delete=['a0', 'a1']),
                 id='absent-without-list-removes-all'),
]


@pytest.mark.parametrize('current, wanted, options, expected', PLAN_CASES)
def test_plan_schedules(current, wanted, options, expected):
    plan = plan_schedules(current, wanted, **options)
    full = dict(create=[], update=[], delete=[], unchanged=[])
    full.update(expected)
    assert dict(plan, unchanged=sorted(plan['unchanged'])) == dict(full, unchanged=sorted(full['unchanged']))


def test_repeated_timing_is_reported():
    assert repeated_timing_problem([DAILY, WEEKLY, dict(DAILY, keep=1)]).startswith(
        'schedules[2] fires at the same times as schedules[0]')
    assert repeated_timing_problem([DAILY, WEEKLY]) is None


# ----------------------------------------------------------------- timing alone (replication schedules)

@pytest.mark.parametrize('entry, fragment', [
    (dict(frequency='day', minute=5), 'schedules[0].hour is required with frequency day: an hour of the day in UTC'),
    (dict(frequency='hour', hour=3, minute=5), 'schedules[0].hour does not apply to frequency hour'),
    (dict(frequency='week', day='someday', hour=1, minute=0), "schedules[0].day is 'someday': use a weekday"),
    (dict(frequency='halfhour', minute=45), 'schedules[0].minute is 45: give the minute past the half hour, 0 to 29'),
    (dict(frequency='day', hour=1, minute=0, keep=3), 'schedules[0] has unknown fields keep: use frequency, day, hour, minute'),
])
def test_timing_with_the_clock_required(entry, fragment):
    with pytest.raises(ScheduleError) as caught:
        normalize_timing(entry, 'schedules[0]', clock_required=True)
    assert fragment in str(caught.value)


def test_snapshot_and_replication_schedules_share_one_timing():
    """The same entry reads the same in both modules; a snapshot schedule only adds its keep count."""
    entry = dict(frequency='week', day='MON', hour='01', minute=15)
    timing = normalize_timing(entry, clock_required=True)
    assert timing == dict(frequency='week', day='Monday', hour=1, minute=15)
    assert normalize_schedule(dict(entry, keep=4)) == dict(timing, keep=4)


@pytest.mark.parametrize('obj', [
    dict(frequency='month', day='02', hour='03', minute='00', id='s0', href='/x'),
    dict(frequency='month', day=2, hour=3, minute=0, keep=None),
])
def test_appliance_answers_read_without_keep(obj):
    assert from_appliance(obj, with_keep=False) == dict(frequency='month', day=2, hour=3, minute=0)


def test_appliance_fields_are_those_the_frequency_takes():
    assert appliance_fields(dict(frequency='hour', minute=5, keep=24, day=None)) == dict(frequency='hour', minute=5, keep=24)
    assert appliance_fields(dict(frequency='week', day='Monday', hour=1, minute=0)) == dict(
        frequency='week', day='Monday', hour=1, minute=0)


def test_exclusive_plan_removes_duplicates_on_the_appliance():
    plan = plan_schedules([('s0', NIGHTLY), ('s1', NIGHTLY), ('s2', dict(NIGHTLY, hour=3))], [NIGHTLY], exclusive=True)
    assert plan == dict(create=[], update=[], delete=['s1', 's2'], unchanged=['s0'])


NIGHTLY = dict(frequency='day', hour=2, minute=30)


def test_describe_and_order():
    assert describe_schedule(dict(DAILY)) == 'every day at 01:00 UTC, keep 7'
    assert describe_schedule(dict(frequency='halfhour', minute=10)) == 'every half hour at :10 and :40'
    assert sorted([WEEKLY, DAILY, HOURLY], key=schedule_order) == [HOURLY, DAILY, WEEKLY]


# ----------------------------------------------------------------------------------- retention

def test_retention_options_name_the_periods():
    assert KEEP_OPTIONS == ('keep_last', 'keep_hourly', 'keep_daily', 'keep_weekly', 'keep_monthly')


@pytest.mark.parametrize('epoch, period, key', [
    (utc('2024-12-30 10:00'), 'weekly', '2025-W01'),  # ISO week of the new year
    (utc('2024-01-31 23:59'), 'daily', '2024-01-31'),
    (utc('2024-01-31 23:59'), 'hourly', '2024-01-31T23'),
    (utc('2024-02-01 00:00'), 'monthly', '2024-02'),
])
def test_period_key(epoch, period, key):
    assert period_key(epoch, period) == key
