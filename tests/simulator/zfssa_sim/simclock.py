"""The appliance clock: real time plus an offset, or frozen; moved by POST /_sim/clock."""

import calendar
import threading
import time


def parse_iso(text):
    """'2024-01-02T03:04:05Z' (or without Z, or with .fff) -> epoch seconds (UTC)."""
    text = text.strip().rstrip('Z')
    if '.' in text:
        text = text.split('.')[0]
    for fmt in ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S', '%Y%m%dT%H:%M:%S', '%Y-%m-%dT%H:%M', '%Y-%m-%d'):
        try:
            return float(calendar.timegm(time.strptime(text, fmt)))
        except ValueError:
            continue
    raise ValueError("not an ISO 8601 UTC time: '%s'" % text)


def iso(epoch):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


class Clock:
    def __init__(self, frozen=False, start=None):
        self._lock = threading.Lock()
        self.offset = 0.0
        self.frozen_at = None
        self._initial = (frozen, start)
        self.reset()

    def reset(self):
        frozen, start = self._initial
        now = time.time()
        self.offset = (start - now) if start is not None else 0.0
        self.frozen_at = (start if start is not None else now) if frozen else None

    def now(self):
        with self._lock:
            if self.frozen_at is not None:
                return self.frozen_at
            return time.time() + self.offset

    def advance(self, seconds):
        with self._lock:
            if self.frozen_at is not None:
                self.frozen_at += seconds
            else:
                self.offset += seconds

    def set(self, epoch):
        with self._lock:
            if self.frozen_at is not None:
                self.frozen_at = epoch
            else:
                self.offset = epoch - time.time()

    def freeze(self, frozen):
        with self._lock:
            if frozen and self.frozen_at is None:
                self.frozen_at = time.time() + self.offset
            elif not frozen and self.frozen_at is not None:
                self.offset = self.frozen_at - time.time()
                self.frozen_at = None

    def save(self):
        return {'offset': self.offset, 'frozen_at': self.frozen_at}

    def restore(self, saved):
        if saved:
            self.offset = saved.get('offset', 0.0)
            self.frozen_at = saved.get('frozen_at')
