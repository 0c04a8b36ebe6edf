"""The one clock. Code asks here for "now" and "today", never the system directly.

Tests and the demo pin the date with `frozen(...)` or the TANDEM_TODAY setting, so
clinical rules that depend on dates (ages, "last 12 months", due months) are
reproducible.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.conf import settings
from django.utils import timezone


class _State:
    pinned: dt.datetime | None = None


_local = _State()  # process-wide, so a live test server's threads see the same pinned time


def _pinned() -> dt.datetime | None:
    pinned = getattr(_local, "pinned", None)
    if pinned is not None:
        return pinned
    fixed = getattr(settings, "TANDEM_FIXED_TODAY", None)
    if fixed:
        day = dt.date.fromisoformat(fixed)
        wall = timezone.localtime()
        return timezone.make_aware(dt.datetime.combine(day, wall.time()))
    return None


def now() -> dt.datetime:
    return _pinned() or timezone.now()


def today() -> dt.date:
    return timezone.localtime(now()).date()


@contextlib.contextmanager
def frozen(moment: dt.date | dt.datetime):
    """Pin the clock for the duration of a block (tests, synthetic data)."""
    if isinstance(moment, dt.datetime):
        value = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    else:
        value = timezone.make_aware(dt.datetime.combine(moment, dt.time(12, 0)))
    previous = getattr(_local, "pinned", None)
    _local.pinned = value
    try:
        yield value
    finally:
        _local.pinned = previous
