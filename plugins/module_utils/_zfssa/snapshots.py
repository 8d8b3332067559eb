# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Pure snapshot logic of the appliance modules: names, creation times, GFS retention, schedules, clone origins.

Used by zfssa_snapshot, zfssa_snapshot_prune, zfssa_snapshot_schedule and zfssa_clone. Nothing here talks
to the appliance, so every rule is unit-tested with plain data (tests/unit/plugins/module_utils/_zfssa/test_snapshots.py).

- ``snapshot_name_problem``: the characters and length the collection allows in snapshot names.
- ``parse_creation`` / ``format_utc``: the appliance's creation times (v1 ``20130916T21:36:50``,
  v2 ``2013-09-16T21:36:50Z``, and other plausible forms) as UTC epoch seconds and back.
- ``select_retention``: grandfather-father-son selection (keep last / hourly / daily / weekly / monthly)
  with the reasons each kept snapshot is kept.
- ``normalize_schedule`` / ``schedule_from_appliance`` / ``plan_schedules``: automatic snapshot schedules
  checked, compared field by field and turned into create / update / delete steps.
- ``clone_origin``: the snapshot a share was cloned from.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import calendar
import datetime
import re
import time

from ansible.module_utils.common.text.converters import to_text

# ------------------------------------------------------------------------------------------- names

# ZFS allows letters, digits and _ . : - in a snapshot name. Names starting with a symbol are refused
# because the appliance names its automatic snapshots '.auto-...'. 64 characters keeps the full
# 'pool/local/project/share@name' well below the ZFS limit of 255.
NAME_MAX = 64
NAME_CHAR = re.compile(r'[A-Za-z0-9_.:-]')
AUTO_PREFIX = '.auto'


def snapshot_name_problem(name, option='name'):
    """A message naming the option and the fix when ``name`` is not a valid snapshot name, else None."""
    if name is None or name == '':
        return '%s is empty: give a snapshot name such as backup-2024-01-31' % option
    bad = sorted(set(char for char in name if not NAME_CHAR.match(char)))
    if bad:
        return ("%s '%s' contains %s: snapshot names may only use letters, digits and _ . : - "
                "(no spaces, '/' or '@')" % (option, name, ', '.join(repr(char) for char in bad)))
    if not name[0].isalnum():
        return ("%s '%s' must start with a letter or a digit (names starting with '.' are the appliance's "
                "automatic snapshots)" % (option, name))
    if len(name) > NAME_MAX:
        return '%s is %d characters long: use at most %d' % (option, len(name), NAME_MAX)
    return None


def is_automatic(name):
    """True for the snapshots that automatic schedules take ('.auto-<UTC time>' or '.auto-<label>-...')."""
    return name.startswith(AUTO_PREFIX)


# ------------------------------------------------------------------------------------------- times

ISO_LIKE = re.compile(
    r'^(\d{4})-?(\d{2})-?(\d{2})[T ](\d{2}):?(\d{2}):?(\d{2})(?:\.\d+)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$')
JS_DATE = re.compile(
    r'^[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})(?: GMT([+-]\d{4}))?')
MONTHS = ('jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec')


def parse_creation(value):
    """UTC epoch seconds of an appliance time, or None when it cannot be read.

    Accepts v1 ``20130916T21:36:50``, v2 ``2013-09-16T21:36:50Z``, offsets (``+02:00``), fractions,
    the v1 long form ``Fri May 01 2015 20:13:00 GMT+0000 (UTC)`` and epoch numbers. Times without
    a zone are UTC (the appliance keeps its times in UTC).
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = to_text(value).strip()
    found = ISO_LIKE.match(text)
    if found:
        parts = [int(part) for part in found.groups()[:6]]
        return checked_epoch(parts, found.group(7))
    found = JS_DATE.match(text)
    if found and found.group(1).lower() in MONTHS:
        month = MONTHS.index(found.group(1).lower()) + 1
        parts = [int(found.group(3)), month, int(found.group(2))] + [int(found.group(i)) for i in (4, 5, 6)]
        return checked_epoch(parts, found.group(7))
    return None


def checked_epoch(parts, zone):
    year, month, day, hour, minute, second = parts
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second <= 60):
        return None
    return float(calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - zone_offset(zone))


def zone_offset(zone):
    """Seconds east of UTC of 'Z', 'UTC', '+02:00', '-0500' or None."""
    if not zone or zone in ('Z', 'UTC'):
        return 0
    digits = zone[1:].replace(':', '')
    seconds = int(digits[:2]) * 3600 + int(digits[2:]) * 60
    return -seconds if zone[0] == '-' else seconds


def format_utc(epoch):
    """'2024-01-31T01:00:00Z' (None stays None)."""
    if epoch is None:
        return None
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


# --------------------------------------------------------------------------------------- retention

# (option, period name) in the order reasons are listed.
PERIOD_OPTIONS = (('keep_hourly', 'hourly'), ('keep_daily', 'daily'), ('keep_weekly', 'weekly'),
                  ('keep_monthly', 'monthly'))
KEEP_OPTIONS = ('keep_last',) + tuple(option for option, dummy in PERIOD_OPTIONS)


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


def policy_problem(policy):
    """A message naming the bad keep_* option, or None. At least one must be above 0."""
    for option in KEEP_OPTIONS:
        value = policy.get(option)
        if value is not None and value < 0:
            return '%s is %d: give 0 or more' % (option, value)
    if not any(policy.get(option) for option in KEEP_OPTIONS):
        return ('give at least one of %s above 0: without a policy every snapshot but the newest '
                'would be deleted' % ', '.join(KEEP_OPTIONS))
    return None


def select_retention(snapshots, policy):
    """Which snapshots a GFS policy keeps, and why.

    ``snapshots``: dicts with ``name``, ``creation`` (UTC epoch seconds, None when unknown) and ``numclones``.
    ``policy``: keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly (None or 0: not used).

    keep_last N keeps the N newest. For each period type with N > 0, the newest snapshot of each of the
    N most recent periods that have a snapshot is kept (periods without snapshots do not count).
    Always kept: the newest snapshot, snapshots with clones, snapshots whose creation time is unknown.

    Returns ``{'keep': [{name, creation, reasons}], 'delete': [{name, creation}]}``, both newest first,
    creation as '2024-01-31T01:00:00Z'.
    """
    reasons = dict((snap['name'], []) for snap in snapshots)
    dated = sorted((snap for snap in snapshots if snap.get('creation') is not None),
                   key=lambda snap: (snap['creation'], snap['name']), reverse=True)
    if dated:
        reasons[dated[0]['name']].append('newest')
    keep_last = policy.get('keep_last') or 0
    for snap in dated[:keep_last]:
        reasons[snap['name']].append('last %d' % keep_last)
    for option, period in PERIOD_OPTIONS:
        for snap, key in newest_per_period(dated, period, policy.get(option) or 0):
            reasons[snap['name']].append('%s %s' % (period, key))
    for snap in snapshots:
        if snap.get('creation') is None:
            reasons[snap['name']].append('creation time unknown')
        if snap.get('numclones'):
            reasons[snap['name']].append('has clones')
    undated = [snap for snap in snapshots if snap.get('creation') is None]
    keep, delete = [], []
    for snap in dated + undated:
        entry = dict(name=snap['name'], creation=format_utc(snap.get('creation')))
        if reasons[snap['name']]:
            entry['reasons'] = reasons[snap['name']]
            keep.append(entry)
        else:
            delete.append(entry)
    return dict(keep=keep, delete=delete)


def newest_per_period(newest_first, period, count):
    """[(snapshot, period key)]: the newest snapshot of each of the ``count`` most recent periods."""
    chosen = []
    seen = set()
    for snap in newest_first:
        if len(seen) >= count:
            break
        key = period_key(snap['creation'], period)
        if key not in seen:
            seen.add(key)
            chosen.append((snap, key))
    return chosen


# --------------------------------------------------------------------------------------- schedules

FREQUENCIES = ('halfhour', 'hour', 'day', 'week', 'month')
# The time fields each frequency takes (the others must not be given).
SCHEDULE_FIELDS = {'halfhour': ('minute',), 'hour': ('minute',), 'day': ('hour', 'minute'),
                   'week': ('day', 'hour', 'minute'), 'month': ('day', 'hour', 'minute')}
# keep 0 means "keep all"; the appliance caps half-hourly and hourly schedules.
KEEP_CAP = {'halfhour': 48, 'hour': 24}
WEEKDAYS = ('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday')
TIMING_FIELDS = ('frequency', 'day', 'hour', 'minute')
DIGITS = re.compile(r'^[0-9]+$')


class ScheduleError(ValueError):
    """A schedule that the appliance would refuse; the message names the entry and the fix."""


def normalize_schedule(entry, where='schedule', need_keep=True):
    """A checked schedule in canonical form from user input; raises ScheduleError.

    Canonical: frequency; day as 'Monday' (week) or 1-31 (month); hour and minute as integers
    (default 0 when they apply); keep as an integer. Fields that do not apply are left out.
    Without ``need_keep`` (a schedule named for removal) a missing keep is left out too.
    """
    entry = dict((key, value) for key, value in (entry or {}).items() if value is not None)
    unknown = sorted(set(entry) - set(TIMING_FIELDS + ('keep',)))
    if unknown:
        raise ScheduleError('%s has unknown fields %s: use frequency, day, hour, minute, keep' % (where, ', '.join(unknown)))
    frequency = entry.get('frequency')
    if frequency not in FREQUENCIES:
        raise ScheduleError('%s.frequency is %r: use one of %s' % (where, frequency, ', '.join(FREQUENCIES)))
    fields = SCHEDULE_FIELDS[frequency]
    for field in ('day', 'hour'):
        if field in entry and field not in fields:
            raise ScheduleError('%s.%s does not apply to frequency %s: %s is only for %s schedules'
                                % (where, field, frequency, field, spoken_list([f for f in FREQUENCIES if field in SCHEDULE_FIELDS[f]])))
    schedule = {'frequency': frequency}
    if 'day' in fields:
        if 'day' not in entry:
            raise ScheduleError('%s.day is required with frequency %s: %s' % (where, frequency, day_hint(frequency)))
        schedule['day'] = checked_day(entry['day'], frequency, where)
    if 'hour' in fields:
        schedule['hour'] = checked_number(entry.get('hour', 0), 0, 23, '%s.hour' % where, 'an hour of the day in UTC')
    last_minute = 29 if frequency == 'halfhour' else 59
    schedule['minute'] = checked_number(entry.get('minute', 0), 0, last_minute, '%s.minute' % where,
                                        'the minute past the %s' % ('half hour' if frequency == 'halfhour' else 'hour'))
    if need_keep or 'keep' in entry:
        schedule['keep'] = checked_keep(entry.get('keep'), frequency, where)
    return schedule


def spoken_list(words):
    """'day, week and month'."""
    return ' and '.join([', '.join(words[:-1]), words[-1]]) if len(words) > 1 else ''.join(words)


def day_hint(frequency):
    if frequency == 'week':
        return 'a weekday such as Monday (or Mon)'
    return 'a day of the month from 1 to 31 (days past the end of a shorter month fire on its last day)'


def checked_day(value, frequency, where):
    if frequency == 'week':
        day = weekday_name(value)
        if day is None:
            raise ScheduleError('%s.day is %r: use %s' % (where, value, day_hint(frequency)))
        return day
    return checked_number(value, 1, 31, '%s.day' % where, day_hint(frequency))


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


def schedule_from_appliance(obj):
    """Canonical form of a schedule the appliance returned (tolerant: '02' or 2, 'Mon' or 'Monday',
    fields that do not apply present as null)."""
    frequency = obj.get('frequency')
    schedule = {'frequency': frequency}
    fields = SCHEDULE_FIELDS.get(frequency, ('day', 'hour', 'minute'))
    for field in fields:
        value = obj.get(field)
        if value is None or value == '':
            value = 0 if field != 'day' else None
        if field == 'day' and frequency == 'week':
            schedule['day'] = weekday_name(value) or value
        else:
            number = as_integer(value)
            schedule[field] = value if number is None else number
    keep = obj.get('keep')
    number = as_integer(keep) if keep is not None else None
    schedule['keep'] = keep if number is None else number
    return schedule


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


def plan_schedules(current, wanted, exclusive=False, removing=False):
    """Steps that make the appliance's schedules match ``wanted``.

    ``current``: [(id, canonical schedule)] on the appliance; ``wanted``: [canonical schedule].
    Schedules match by timing (frequency, day, hour, minute); a matching one with another keep is updated.
    ``exclusive`` deletes the current schedules that match nothing wanted. ``removing`` (state=absent)
    deletes the current schedules that match a wanted one (keep is ignored), or all when wanted is empty.

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


# ------------------------------------------------------------------------------------------ clones

CANONICAL_ORIGIN = re.compile(r'^([^/@]+)/(?:[^/@]+)/([^/@]+)/([^/@]+)@(.+)$')


def clone_origin(share):
    """(pool, project, share, snapshot) a share was cloned from, or None when it is not a clone.

    Reads the ``origin`` object (``{pool, project, share, snapshot}``) or, as some releases may show it,
    the canonical text ``pool/local/project/share@snapshot``.
    """
    origin = (share or {}).get('origin')
    if not origin:
        return None
    if isinstance(origin, dict):
        found = tuple(origin.get(key) for key in ('pool', 'project', 'share', 'snapshot'))
        return found if found[2] and found[3] else None
    found = CANONICAL_ORIGIN.match(to_text(origin).strip())
    return found.groups() if found else None
