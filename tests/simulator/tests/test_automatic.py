"""Automatic snapshot schedules: API, validation, firing on the simulated clock, retention."""

import os
import time

import pytest

from zfssa_sim.schedules import fire_times, parse_schedule
from zfssa_sim.simclock import parse_iso

P = '/pools/gold/projects/backups'
FS = P + '/filesystems/vs01'


@pytest.fixture
def backups(sim):
    sim.project(snapdir='visible', mountpoint='/export/backups')
    sim.share('vs01')
    sim.share('vs02')
    return sim


def names(sim, path):
    return [s['name'] for s in sim.ok('GET', path + '/snapshots')['snapshots']]


def test_schedule_api(backups):
    sim = backups
    status, headers, body = sim.api('POST', '/api/storage/v1' + P + '/automatic',
                                    {'frequency': 'day', 'hour': 2, 'minute': '30', 'keep': 7})
    assert status == 201
    sched = body['automatic']
    # Schedules carry only an href (no id): the form the vendor documents for every object.
    assert sched == {'frequency': 'day', 'hour': '02', 'minute': '30', 'keep': 7,
                     'href': '/api/storage/v1' + P + '/automatic/automatic-000'}
    assert headers['location'] == sched['href']
    assert sim.ok('GET', P + '/automatic')['automatic'] == [sched]
    assert sim.ok('GET', P + '/automatic/automatic-000')['automatic'] == sched
    week = sim.ok('POST', P + '/automatic', {'frequency': 'week', 'day': 'sunday', 'hour': 0, 'minute': 0, 'keep': 4})
    assert (week['automatic']['href'].rsplit('/', 1)[1], week['automatic']['day']) == ('automatic-001', 'Sunday')
    changed = sim.ok('PUT', P + '/automatic/automatic-000', {'hour': 3})['automatic']
    assert (changed['hour'], changed['minute'], changed['keep']) == ('03', '30', 7)
    assert sim.delete(P + '/automatic/automatic-000') == (204, None)
    assert sim.get(P + '/automatic/automatic-000')[0] == 404


@pytest.mark.parametrize('body', [
    {'frequency': 'minute', 'minute': 0, 'keep': 1},
    {'frequency': 'halfhour', 'minute': 45, 'keep': 1},
    {'frequency': 'halfhour', 'minute': 5, 'keep': 49},
    {'frequency': 'hour', 'minute': 0, 'keep': 0},
    {'frequency': 'hour', 'minute': 0, 'hour': 3, 'keep': 5},
    {'frequency': 'day', 'hour': 24, 'minute': 0, 'keep': 5},
    {'frequency': 'week', 'day': 'Someday', 'hour': 1, 'minute': 0, 'keep': 5},
    {'frequency': 'month', 'day': 32, 'hour': 1, 'minute': 0, 'keep': 5},
    {'frequency': 'day', 'hour': 1, 'minute': 0, 'keep': -1},
])
def test_schedule_validation(backups, body):
    status, parsed = backups.post(P + '/automatic', body)
    assert (status, parsed['fault']['message']) == (400, 'ERR_INVALID_ARG')


def test_schedule_missing_and_unknown_fields(backups):
    status, parsed = backups.post(P + '/automatic', {'frequency': 'day', 'hour': 1, 'minute': 0})
    assert (status, parsed['fault']['message']) == (400, 'ERR_MISSING_ARG')
    status, parsed = backups.post(P + '/automatic', {'frequency': 'day', 'hour': 1, 'minute': 0, 'keep': 1, 'x': 1})
    assert (status, parsed['fault']['message']) == (400, 'ERR_UNKNOWN_ARG')


def test_project_or_share_not_both(backups):
    sim = backups
    sim.ok('POST', P + '/automatic', {'frequency': 'hour', 'minute': 0, 'keep': 2})
    status, parsed = sim.post(FS + '/automatic', {'frequency': 'hour', 'minute': 0, 'keep': 2})
    assert (status, parsed['fault']['message']) == (409, 'ERR_STATE_CHANGED')
    sim.ok('DELETE', P + '/automatic/automatic-000')
    sim.ok('POST', FS + '/automatic', {'frequency': 'hour', 'minute': 0, 'keep': 2})
    status, parsed = sim.post(P + '/automatic', {'frequency': 'hour', 'minute': 0, 'keep': 2})
    assert status == 409


def test_hourly_schedule_fires_on_the_clock_and_keeps_the_newest(backups):
    sim = backups
    sim.ok('POST', P + '/automatic', {'frequency': 'hour', 'minute': 15, 'keep': 3})
    with open(os.path.join(sim.share_path('vs01'), 'f'), 'w', encoding='utf-8') as handle:
        handle.write('x')
    sim.advance(5 * 3600)  # 00:00 -> 05:00, fires at 00:15 ... 04:15
    expected = ['.auto-20240101T021500Z', '.auto-20240101T031500Z', '.auto-20240101T041500Z']
    assert names(sim, P) == expected
    assert names(sim, FS) == expected
    snap = sim.ok('GET', P + '/snapshots/.auto-20240101T041500Z')['snapshot']
    assert snap['creation'] == '20240101T04:15:00'
    share_snaps = os.path.join(sim.share_path('vs01'), '.zfs', 'snapshot')
    assert sorted(os.listdir(share_snaps)) == expected
    assert os.path.exists(os.path.join(share_snaps, expected[0], 'f'))
    sim.advance(3600)
    assert names(sim, P) == expected[1:] + ['.auto-20240101T051500Z']


def test_lowering_keep_destroys_the_oldest(backups):
    sim = backups
    sim.ok('POST', FS + '/automatic', {'frequency': 'halfhour', 'minute': 0, 'keep': 10})
    sim.advance(3 * 3600)  # fires at 00:30, 01:00, ... 03:00 (the end of the window is included)
    assert len(names(sim, FS)) == 6
    sim.ok('PUT', FS + '/automatic/automatic-000', {'keep': 2})
    assert names(sim, FS) == ['.auto-20240101T023000Z', '.auto-20240101T030000Z']
    assert names(sim, P + '/filesystems/vs02') == []


def test_removing_a_schedule_destroys_its_snapshots_unless_converted(backups):
    sim = backups
    sim.ok('POST', FS + '/snapshots', {'name': 'manual'})
    sim.ok('POST', FS + '/automatic', {'frequency': 'hour', 'minute': 0, 'keep': 5})
    sim.ok('POST', FS + '/automatic', {'frequency': 'day', 'hour': 12, 'minute': 30, 'keep': 5})
    sim.advance(13 * 3600)
    assert '.auto-20240101T123000Z' in names(sim, FS)
    sim.ok('DELETE', FS + '/automatic/automatic-000')
    assert names(sim, FS) == ['manual', '.auto-20240101T123000Z']
    status, _headers, _body = sim.api('DELETE', '/api/storage/v1' + FS + '/automatic/automatic-001?convert=true')
    assert status == 204
    assert names(sim, FS) == ['manual', '.auto-20240101T123000Z']
    sim.advance(86400)
    assert names(sim, FS) == ['manual', '.auto-20240101T123000Z']


def test_auto_snapshot_with_a_clone_is_kept(backups):
    sim = backups
    sim.ok('POST', FS + '/automatic', {'frequency': 'hour', 'minute': 0, 'keep': 1})
    sim.advance(3600)
    first = names(sim, FS)[0]
    sim.ok('PUT', FS + '/snapshots/%s/clone' % first, {'project': 'backups', 'share': 'kept'}, expect=201)
    sim.advance(2 * 3600)
    assert first == '.auto-20240101T010000Z'
    assert names(sim, FS) == [first, '.auto-20240101T030000Z']


def test_snaplabel_goes_into_the_name(backups):
    sim = backups
    sim.ok('PUT', P, {'snaplabel': 'bk'})
    sim.ok('POST', P + '/automatic', {'frequency': 'day', 'hour': 0, 'minute': 5, 'keep': 2})
    sim.advance(600)
    assert names(sim, P) == ['.auto-bk-20240101T000500Z']


def test_clock_control(sim):
    assert sim.clock()['now'] == '2024-01-01T00:00:00Z'
    assert sim.advance(90)['now'] == '2024-01-01T00:01:30Z'
    assert sim.set_clock('2024-06-01T12:00:00Z')['now'] == '2024-06-01T12:00:00Z'
    assert sim.clock()['frozen'] is True


def epoch(text):
    return parse_iso(text)


def test_fire_times_for_each_frequency():
    start, end = epoch('2024-01-01T00:00:00Z'), epoch('2024-03-01T00:00:00Z')
    week = fire_times(parse_schedule({'frequency': 'week', 'day': 'Monday', 'hour': 1, 'minute': 2}, False), start, end)
    assert week[0] == epoch('2024-01-01T01:02:00Z')  # 2024-01-01 was a Monday
    assert week[1] - week[0] == 7 * 86400
    month = fire_times(parse_schedule({'frequency': 'month', 'day': 31, 'hour': 0, 'minute': 0}, False), start, end)
    assert month == [epoch('2024-01-31T00:00:00Z'), epoch('2024-02-29T00:00:00Z')]
    half = fire_times(parse_schedule({'frequency': 'halfhour', 'minute': 10}, False), start, start + 3600)
    assert half == [start + 600, start + 2400]
    day = fire_times(parse_schedule({'frequency': 'day', 'hour': 0, 'minute': 0}, False), start, start + 86400)
    assert day == [start + 86400]


def test_running_clock_fires_schedules_by_itself(own_sim):
    sim = own_sim(clock='real')
    sim.project()
    sim.ok('POST', '/pools/gold/projects/backups/automatic', {'frequency': 'hour', 'minute': 0, 'keep': 2})
    sim.set_clock('2024-01-01T00:59:59Z')
    deadline = time.monotonic() + 10
    while not names(sim, P) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert names(sim, P) == ['.auto-20240101T010000Z']
    assert sim.clock()['frozen'] is False
