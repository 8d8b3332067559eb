# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""The one schedule vocabulary of the appliance modules: when something fires, and which periods retention counts.

Automatic snapshot schedules (zfssa_snapshot_schedule), replication schedules (zfssa_replication_action)
and GFS retention (zfssa_snapshot_prune) share these names and rules. Nothing here talks to the appliance.

- Frequencies: ``halfhour``, ``hour``, ``day``, ``week``, ``month``, each with the time fields it takes
  (``FREQUENCY_FIELDS``), kept in UTC by the appliance (docs/reference/appliance-api.md section 5; replication
  schedules take the same fields, section 6.4).
- ``normalize_timing`` checks ``{frequency, day, hour, minute}`` from an option; ``normalize_schedule`` adds
  the ``keep`` count of snapshot schedules. Both raise ``ScheduleError`` naming the entry and the fix.
- ``from_appliance`` reads what the appliance returns, tolerantly ('02' or 2, 'Mon' or 'Monday');
  ``appliance_fields`` is what is sent. Canonical schedules compare with ``==``; ``timing`` ignores keep.
- ``plan_schedules`` turns the appliance's schedules into the wanted ones (create, update, delete).
- Retention periods (``RETENTION_PERIODS``): ``hourly``, ``daily``, ``weekly``, ``monthly``, the periods of
  the frequencies ``hour``, ``day``, ``week``, ``month``; ``period_key`` says which period a time falls in.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import re
import time

from ansible.module_utils.common.text.converters import to_text

FREQUENCIES = ('halfhour', 'hour', 'day', 'week', 'month')
# The time fields each frequency takes (the others must not be given).
FREQUENCY_FIELDS = {'halfhour': ('minute',), 'hour': ('minute',), 'day': ('hour', 'minute'),
                    'week': ('day', 'hour', 'minute'), 'month': ('day', 'hour', 'minute')}
TIMING_FIELDS = ('frequency', 'day', 'hour', 'minute')
# keep 0 means "keep all"; the appliance caps half-hourly and hourly snapshot schedules.
KEEP_CAP = {'halfhour': 48, 'hour': 24}
WEEKDAYS = ('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday')
DIGITS = re.compile(r'^[0-9]+$')

# (retention period, the frequency whose period it is), shortest first: keep_daily counts days.
RETENTION_PERIODS = (('hourly', 'hour'), ('daily', 'day'), ('weekly', 'week'), ('monthly', 'month'))
# (option, period name) in the order retention reasons are listed.
PERIOD_OPTIONS = tuple(('keep_' + period, period) for period, dummy in RETENTION_PERIODS)
KEEP_OPTIONS = ('keep_last',) + tuple(option for option, dummy in PERIOD_OPTIONS)


class ScheduleError(ValueError):
    """A schedule that the appliance would refuse; the message names the entry and the fix."""


# ------------------------------------------------------------------------------------- checking

def normalize_timing(entry, where='schedule', clock_required=False, extra_fields=()):
    """A checked ``{frequency, day?, hour?, minute?}`` from user input; raises ScheduleError.

    Canonical: day as 'Monday' (week) or 1-31 (month); hour and minute as integers. Fields the
    frequency does not take are left out. A missing hour or minute is 0, or an error with
    ``clock_required``. ``extra_fields`` are further names the caller checks itself (keep).
    """
    entry = dict((key, value) for key, value in (entry or {}).items() if value is not None and value != '')
    allowed = TIMING_FIELDS + tuple(extra_fields)
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        raise ScheduleError('%s has unknown fields %s: use %s' % (where, ', '.join(unknown), ', '.join(allowed)))
    frequency = entry.get('frequency')
    if frequency not in FREQUENCIES:
        raise ScheduleError('%s.frequency is %r: use one of %s' % (where, frequency, ', '.join(FREQUENCIES)))
    fields = FREQUENCY_FIELDS[frequency]
    for field in ('day', 'hour'):
        if field in entry and field not in fields:
            raise ScheduleError('%s.%s does not apply to frequency %s: %s is only for %s schedules'
                                % (where, field, frequency, field, spoken_list([f for f in FREQUENCIES if field in FREQUENCY_FIELDS[f]])))
    for field in fields:
        if field not in entry and (field == 'day' or clock_required):
            raise ScheduleError('%s.%s is required with frequency %s: %s' % (where, field, frequency, field_hint(field, frequency)))
    timing = {'frequency': frequency}
    if 'day' in fields:
        timing['day'] = checked_day(entry['day'], frequency, where)
    if 'hour' in fields:
        timing['hour'] = checked_number(entry.get('hour', 0), 0, 23, '%s.hour' % where, field_hint('hour', frequency))
    timing['minute'] = checked_number(entry.get('minute', 0), 0, 29 if frequency == 'halfhour' else 59,
                                      '%s.minute' % where, field_hint('minute', frequency))
    return timing


def normalize_schedule(entry, where='schedule', need_keep=True):
    """A checked automatic snapshot schedule: the timing plus ``keep``; raises ScheduleError.

    Without ``need_keep`` (a schedule named for removal) a missing keep is left out.
    """
    schedule = normalize_timing(entry, where, extra_fields=('keep',))
    keep = (entry or {}).get('keep')
    if need_keep or keep is not None:
        schedule['keep'] = checked_keep(keep, schedule['frequency'], where)
    return schedule


def spoken_list(words):
    """'day, week and month'."""
    return ' and '.join([', '.join(words[:-1]), words[-1]]) if len(words) > 1 else ''.join(words)


def field_hint(field, frequency):
    """What a time field of a schedule of ``frequency`` takes, for messages."""
    if field == 'hour':
        return 'an hour of the day in UTC'
    if field == 'minute':
        return 'the minute past the %s' % ('half hour' if frequency == 'halfhour' else 'hour')
    if frequency == 'week':
        return 'a weekday such as Monday (or Mon)'
    return 'a day of the month from 1 to 31 (days past the end of a shorter month fire on its last day)'


def checked_day(value, frequency, where):
    if frequency == 'week':
        day = weekday_name(value)
        if day is None:
            raise ScheduleError('%s.day is %r: use %s' % (where, value, field_hint('day', frequency)))
        return day
    return checked_number(value, 1, 31, '%s.day' % where, field_hint('day', frequency))


def weekday_name(value):
    """'Monday' for 'monday', 'MON', 'Mon'...; None for anything else."""
    text = to_text(value).strip().lower()
    for day in WEEKDAYS:
        if text in (day.lower(), day[:3].lower()):
            return day
    return None


def as_integer(value):
    """int of an integer or a digit string ('05'); None otherwise (booleans included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = to_text(value).strip()
    if DIGITS.match(text):
        return int(text)
    return None


def checked_number(value, low, high, name, meaning):
    number = as_integer(value)
    if number is None or not low <= number <= high:
        raise ScheduleError('%s is %r: give %s, %d to %d' % (name, value, meaning, low, high))
    return number


def checked_keep(value, frequency, where):
    if value is None:
        raise ScheduleError('%s.keep is required: how many snapshots of this schedule the appliance keeps '
                            '(0 keeps all, except for halfhour and hour schedules)' % where)
    keep = as_integer(value)
    cap = KEEP_CAP.get(frequency)
    if keep is None or keep < 0 or (cap and not 1 <= keep <= cap):
        if cap:
            raise ScheduleError('%s.keep is %r: with frequency %s keep 1 to %d snapshots' % (where, value, frequency, cap))
        raise ScheduleError('%s.keep is %r: give 0 (keep all) or more' % (where, value))
    return keep


def repeated_timing_problem(schedules):
    """A message when two wanted schedules fire at the same times, else None."""
    seen = {}
    for index, schedule in enumerate(schedules):
        key = timing(schedule)
        if key in seen:
            return ('schedules[%d] fires at the same times as schedules[%d]: give one entry per frequency, day, '
                    'hour and minute' % (index, seen[key]))
        seen[key] = index
    return None


# ------------------------------------------------------------------------- the appliance's form

def from_appliance(obj, with_keep=True):
    """Canonical form of a schedule the appliance returned (tolerant: '02' or 2, 'Mon' or 'Monday',
    fields that do not apply present as null). ``with_keep`` reads the keep count of snapshot schedules."""
    frequency = obj.get('frequency')
    schedule = {'frequency': frequency}
    for field in FREQUENCY_FIELDS.get(frequency, ('day', 'hour', 'minute')):
        value = obj.get(field)
        if value is None or value == '':
            value = 0 if field != 'day' else None
        if field == 'day' and frequency == 'week':
            schedule['day'] = weekday_name(value) or value
        else:
            number = as_integer(value)
            schedule[field] = value if number is None else number
    if with_keep:
        keep = obj.get('keep')
        number = as_integer(keep) if keep is not None else None
        schedule['keep'] = keep if number is None else number
    return schedule


def appliance_fields(schedule):
    """The body that creates ``schedule`` on the appliance: the fields its frequency takes (and keep)."""
    fields = ('frequency',) + FREQUENCY_FIELDS.get(schedule.get('frequency'), ()) + ('keep',)
    return dict((field, schedule[field]) for field in fields if schedule.get(field) is not None)


# ---------------------------------------------------------------------------------- comparing

def timing(schedule):
    """When a schedule fires, without its keep count: schedules with the same timing are the same schedule."""
    return tuple(schedule.get(field) for field in TIMING_FIELDS)


def describe_schedule(schedule):
    """'every day at 01:00 UTC, keep 7' for messages."""
    frequency = schedule.get('frequency')
    minute = schedule.get('minute') or 0
    if frequency == 'halfhour':
        when = 'every half hour at :%02d and :%02d' % (minute, minute + 30)
    elif frequency == 'hour':
        when = 'every hour at :%02d' % minute
    else:
        clock = '%02d:%02d UTC' % (schedule.get('hour') or 0, minute)
        when = {'day': 'every day at %s' % clock,
                'week': 'every %s at %s' % (schedule.get('day'), clock),
                'month': 'on day %s of every month at %s' % (schedule.get('day'), clock)}.get(frequency, repr(schedule))
    if schedule.get('keep') is None:
        return when
    return '%s, keep %s' % (when, schedule['keep'] or 'all')


def schedule_order(schedule):
    """Sort key: by frequency (half-hourly first), then day, hour, minute."""
    frequency = schedule.get('frequency')
    rank = FREQUENCIES.index(frequency) if frequency in FREQUENCIES else len(FREQUENCIES)
    day = schedule.get('day')
    day_rank = WEEKDAYS.index(day) if day in WEEKDAYS else (day if isinstance(day, int) else 0)
    return (rank, day_rank, schedule.get('hour') or 0, schedule.get('minute') or 0)


def plan_schedules(current, wanted, exclusive=False, removing=False):
    """Steps that make the appliance's schedules match ``wanted``.

    ``current``: [(id, canonical schedule)] on the appliance; ``wanted``: [canonical schedule].
    Schedules match by timing (frequency, day, hour, minute); a matching one with another keep is updated.
    ``exclusive`` deletes the current schedules that match nothing wanted (duplicates included).
    ``removing`` (state=absent) deletes the current schedules that match a wanted one (keep is ignored),
    or all when wanted is empty.

    Returns ``{'create': [schedule], 'update': [(id, schedule)], 'delete': [id], 'unchanged': [id]}``.
    """
    plan = dict(create=[], update=[], delete=[], unchanged=[])
    if removing:
        wanted_timings = set(timing(schedule) for schedule in wanted)
        for sched_id, schedule in current:
            if not wanted or timing(schedule) in wanted_timings:
                plan['delete'].append(sched_id)
            else:
                plan['unchanged'].append(sched_id)
        return plan
    unmatched = list(current)
    for schedule in wanted:
        match = next((item for item in unmatched if item[1] == schedule), None)
        if match is None:
            match = next((item for item in unmatched if timing(item[1]) == timing(schedule)), None)
        if match is None:
            plan['create'].append(schedule)
            continue
        unmatched.remove(match)
        if match[1] == schedule:
            plan['unchanged'].append(match[0])
        else:
            plan['update'].append((match[0], schedule))
    for sched_id, dummy in unmatched:
        plan['delete' if exclusive else 'unchanged'].append(sched_id)
    return plan


# ---------------------------------------------------------------------------------- retention

def period_key(epoch, period):
    """The UTC period a time falls in: hourly '2024-01-31T01', daily '2024-01-31', weekly (ISO week,
    Monday to Sunday) '2024-W05', monthly '2024-01'."""
    moment = time.gmtime(epoch)
    if period == 'hourly':
        return time.strftime('%Y-%m-%dT%H', moment)
    if period == 'daily':
        return time.strftime('%Y-%m-%d', moment)
    if period == 'weekly':
        year, week, dummy = datetime.date(moment.tm_year, moment.tm_mon, moment.tm_mday).isocalendar()
        return '%04d-W%02d' % (year, week)
    if period == 'monthly':
        return time.strftime('%Y-%m', moment)
    raise ValueError('unknown period %r' % (period,))
