# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Pure snapshot logic of the appliance modules: names, creation times, GFS retention, clone origins.

Used by zfssa_snapshot, zfssa_snapshot_prune and zfssa_clone. Nothing here talks
to the appliance, so every rule is unit-tested with plain data (tests/unit/plugins/module_utils/_zfssa/test_snapshots.py).

- ``snapshot_name_problem``: the characters and length the collection allows in snapshot names.
- ``parse_creation`` / ``format_utc``: the appliance's creation times (v1 ``20130916T21:36:50``,
  v2 ``2013-09-16T21:36:50Z``, and other plausible forms) as UTC epoch seconds and back.
- ``select_retention``: grandfather-father-son selection (keep last / hourly / daily / weekly / monthly)
  with the reasons each kept snapshot is kept; its periods are those of schedules.py.
- ``clone_origin``: the snapshot a share was cloned from.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import calendar
import re
import time

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.schedules import (
    KEEP_OPTIONS, PERIOD_OPTIONS, period_key)

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
