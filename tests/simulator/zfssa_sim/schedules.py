"""Automatic snapshot schedules (docs/reference/appliance-api.md §5) and the schedule arithmetic shared
with replication.

Paths (UNCONFIRMED, see README): /pools/{pool}/projects/{project}[/filesystems/{fs}]/automatic[/{id}],
list key "automatic", object key "automatic", ids automatic-000, automatic-001, ... (never reused).
"""

import calendar
import time

from .errors import ApiError, invalid, missing, not_found, state_changed
from .router import Response
from .storage import body_object, project_href, share_href

PROJECT = '/pools/{pool}/projects/{project}'
SHARE = PROJECT + '/filesystems/{fs}'
FREQUENCIES = ('halfhour', 'hour', 'day', 'week', 'month')
FIELDS = {'halfhour': ('minute',), 'hour': ('minute',), 'day': ('hour', 'minute'),
          'week': ('day', 'hour', 'minute'), 'month': ('day', 'hour', 'minute')}
KEEP_CAP = {'halfhour': 48, 'hour': 24}
WEEKDAYS = ('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday')
PERIOD = {'halfhour': 1800, 'hour': 3600, 'day': 86400, 'week': 7 * 86400}


def _number(name, value, low, high):
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid('%s must be a number from %d to %d, got %r' % (name, low, high, value))
    return value


def _weekday(value):
    if isinstance(value, str):
        for index, day in enumerate(WEEKDAYS):
            if value.strip().lower() in (day.lower(), day[:3].lower()):
                return index
    raise invalid('day must be a weekday name such as Monday, got %r' % (value,))


def parse_schedule(body, with_keep):
    """Checked schedule {frequency, day?, hour?, minute?, keep?} (stored in canonical form)."""
    allowed = {'frequency', 'day', 'hour', 'minute'} | ({'keep'} if with_keep else set())
    for key in body:
        if key not in allowed:
            raise ApiError('ERR_UNKNOWN_ARG', "unknown schedule property '%s'" % key)
    if 'frequency' not in body:
        raise missing('frequency')
    freq = body['frequency']
    if freq not in FREQUENCIES:
        raise invalid('frequency must be one of %s, got %r' % (', '.join(FREQUENCIES), freq))
    sched = {'frequency': freq}
    for field in ('day', 'hour', 'minute'):
        value = body.get(field)
        if field not in FIELDS[freq]:
            if value not in (None, ''):
                raise invalid("%s does not apply to a '%s' schedule" % (field, freq))
            continue
        if value is None:
            raise missing(field)
        if field == 'minute':
            sched['minute'] = _number('minute', value, 0, 29 if freq == 'halfhour' else 59)
        elif field == 'hour':
            sched['hour'] = _number('hour', value, 0, 23)
        else:
            sched['day'] = _weekday(value) if freq == 'week' else _number('day', value, 1, 31)
    if with_keep:
        if 'keep' not in body:
            raise missing('keep')
        keep = body['keep']
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 0:
            raise invalid('keep must be a non-negative integer (0 = keep forever), got %r' % (keep,))
        cap = KEEP_CAP.get(freq)
        if cap and (keep == 0 or keep > cap):
            raise invalid("keep for a '%s' schedule must be 1 to %d" % (freq, cap))
        sched['keep'] = keep
    return sched


def updated_schedule(sched, body, with_keep):
    """A schedule after a PUT: body fields over the current ones; a new frequency drops the old time fields."""
    merged = render_fields(sched)
    merged.update(body)
    if body.get('frequency', sched['frequency']) != sched['frequency']:
        for field in ('day', 'hour', 'minute'):
            if field not in body:
                merged.pop(field, None)
    return parse_schedule(merged, with_keep=with_keep)


def render_fields(sched):
    obj = {'frequency': sched['frequency']}
    if 'day' in sched:
        obj['day'] = WEEKDAYS[sched['day']] if sched['frequency'] == 'week' else '%02d' % sched['day']
    if 'hour' in sched:
        obj['hour'] = '%02d' % sched['hour']
    if 'minute' in sched:
        obj['minute'] = '%02d' % sched['minute']
    if 'keep' in sched:
        obj['keep'] = sched['keep']
    return obj


def fire_times(sched, start, end):
    """Times in (start, end] (epoch seconds, UTC) at which the schedule fires."""
    freq = sched['frequency']
    minute = sched.get('minute', 0) * 60
    hour = sched.get('hour', 0) * 3600
    if freq in PERIOD:
        period = PERIOD[freq]
        offset = minute + hour
        if freq == 'week':
            offset += ((sched['day'] - 3) % 7) * 86400  # 1970-01-01 was a Thursday
        first = (int((start - offset) // period) + 1) * period + offset
        return [float(t) for t in range(int(first), int(end) + 1, period)] if first <= end else []
    times = []
    year, month = time.gmtime(start)[:2]
    while True:
        last_day = calendar.monthrange(year, month)[1]
        when = calendar.timegm((year, month, min(sched['day'], last_day), 0, 0, 0)) + hour + minute
        if when > end:
            return times
        if when > start:
            times.append(float(when))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def auto_name(label, when):
    """.auto[-<snaplabel>]-<UTC timestamp> with the timestamp as 20240101T003000Z (UNCONFIRMED format)."""
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(when))
    return '.auto-%s-%s' % (label, stamp) if label else '.auto-' + stamp


class Automatic:
    def __init__(self, app):
        self.app = app
        self.last_run = app.clock.now()

    def register(self, router):
        for base, level in ((PROJECT, 'project'), (SHARE, 'filesystem')):
            router.add('GET', base + '/automatic', self.list, 'List %s automatic snapshot schedules' % level)
            router.add('POST', base + '/automatic', self.create, 'Create a %s automatic snapshot schedule' % level)
            router.add('GET', base + '/automatic/{sched}', self.get, 'Get an automatic snapshot schedule')
            router.add('PUT', base + '/automatic/{sched}', self.modify, 'Modify an automatic snapshot schedule')
            router.add('DELETE', base + '/automatic/{sched}', self.delete, 'Destroy an automatic snapshot schedule')

    def owner(self, req):
        p = req.params
        if 'fs' in p:
            prec, share = self.app.share(p['pool'], p['project'], p['fs'])
            return prec, share, share
        prec = self.app.project(p['pool'], p['project'])
        return prec, None, prec

    def lookup(self, req):
        prec, share, owner = self.owner(req)
        sched = owner['automatic'].get(req.params['sched'])
        if sched is None:
            raise not_found("automatic snapshot schedule '%s'" % req.params['sched'])
        return prec, share, owner, sched

    def render(self, req, prec, share, sched):
        base = share_href(req, prec, share) if share is not None else project_href(req, prec)
        # Only href, no id (UNCONFIRMED choice 18): clients must address schedules by their href.
        return dict(render_fields(sched), href=base + '/automatic/' + sched['id'])

    def list(self, req):
        prec, share, owner = self.owner(req)
        scheds = [owner['automatic'][k] for k in sorted(owner['automatic'])]
        return Response(200, {'automatic': [self.render(req, prec, share, s) for s in scheds]})

    def get(self, req):
        prec, share, _owner, sched = self.lookup(req)
        return Response(200, {'automatic': self.render(req, prec, share, sched)})

    def create(self, req):
        prec, share, owner = self.owner(req)
        sched = parse_schedule(body_object(req), with_keep=True)
        if share is not None and prec['automatic']:
            raise state_changed("project '%s' has automatic snapshot schedules: a schedule is on a project or on "
                                "its filesystems, not both" % prec['name'])
        if share is None and any(s['automatic'] for s in prec['shares'].values()):
            raise state_changed("filesystems of project '%s' have automatic snapshot schedules: a schedule is on a "
                                "project or on its filesystems, not both" % prec['name'])
        number = owner.get('automatic_seq', 0)
        owner['automatic_seq'] = number + 1
        sched['id'] = 'automatic-%03d' % number
        owner['automatic'][sched['id']] = sched
        self.app.touch(prec)
        obj = self.render(req, prec, share, sched)
        return Response(201, {'automatic': obj}, {'Location': obj['href']})

    def modify(self, req):
        prec, share, owner, sched = self.lookup(req)
        body = body_object(req)
        new = updated_schedule(sched, body, with_keep=True)
        new['id'] = sched['id']
        owner['automatic'][sched['id']] = new
        self.retain(prec, share, new)
        self.app.touch(prec)
        return Response(202, {'automatic': self.render(req, prec, share, new)})

    def delete(self, req):
        prec, share, owner, sched = self.lookup(req)
        del owner['automatic'][sched['id']]
        convert = req.flag('convert')
        for snap in list(self.autos(prec, share, sched['id'])):
            if convert:
                snap['schedule'] = None
                for _member, part in self.app.snapshots.parts(prec, snap['name']) if share is None else ():
                    part['schedule'] = None
            elif not self.has_clones(prec, share, snap):
                self.app.snapshots.destroy(prec, share, snap)
        self.app.touch(prec)
        return Response(204)

    # ---- retention and running

    def autos(self, prec, share, sched_id):
        snaps = share['snapshots'] if share is not None else prec['snapshots']
        return [s for s in self.app.snapshots.ordered(snaps) if s.get('schedule') == sched_id]

    def has_clones(self, prec, share, snap):
        return self.app.snapshots.numclones(prec, share, snap) > 0

    def retain(self, prec, share, sched):
        """Destroy the oldest automatic snapshots beyond keep (those with clones are left alone)."""
        if not sched.get('keep'):
            return
        candidates = [s for s in self.autos(prec, share, sched['id']) if not self.has_clones(prec, share, s)]
        for snap in candidates[:max(0, len(candidates) - sched['keep'])]:
            self.app.snapshots.destroy(prec, share, snap)

    def owners(self):
        for key in sorted(self.app.projects):
            prec = self.app.projects[key]
            yield prec, None, prec
            for name in sorted(prec['shares']):
                yield prec, prec['shares'][name], prec['shares'][name]

    def run(self, start, end):
        """Take the snapshots due in (start, end]; only the last `keep` per schedule (older ones would be
        destroyed at once). Returns the replication actions due as well (run by the caller)."""
        events = []
        for prec, share, owner in self.owners():
            for sched in owner['automatic'].values():
                times = fire_times(sched, start, end)
                if sched.get('keep'):
                    times = times[-sched['keep']:]
                events += [(t, prec['id'], share['id'] if share else '', sched['id']) for t in times]
        events.sort()
        for when, project_id, share_id, sched_id in events:
            prec = next((p for p in self.app.projects.values() if p['id'] == project_id), None)
            if prec is None:
                continue
            share = next((s for s in prec['shares'].values() if s['id'] == share_id), None) if share_id else None
            owner = share if share is not None else prec
            sched = owner['automatic'].get(sched_id)
            if sched is None:
                continue
            label = self.app.share_value(prec, share, 'snaplabel') if share else self.app.project_value(prec, 'snaplabel')
            name = auto_name(label, when)
            suffix = 1
            while self.name_taken(prec, share, name):
                name = '%s-%d' % (auto_name(label, when), suffix)
                suffix += 1
            self.app.snapshots.take(prec, share, name, creation=when, schedule=sched_id)
            self.retain(prec, share, sched)

    def name_taken(self, prec, share, name):
        try:
            self.app.snapshots.check_free_name(prec, share, name)
        except ApiError:
            return True
        return False

    def tick(self, now=None):
        """Run everything due since the last tick (called with the appliance lock held)."""
        now = self.app.clock.now() if now is None else now
        start, self.last_run = self.last_run, now
        if now > start:
            self.run(start, now)
            self.app.replication.run_schedules(start, now)
