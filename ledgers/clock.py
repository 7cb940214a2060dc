"""Now and today in the hospital's timezone (DEPTOPS_TIMEZONE, default Asia/Shanghai), whatever
the machine's own TZ: a UTC server between 00:00 and 08:00 Shanghai time is still on yesterday,
and a row dated today must not be rejected as future there.

The source of the current instant can be replaced (`frozen`), so that tests set the hour instead of
waiting for it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

TIMEZONE_VARIABLE = "DEPTOPS_TIMEZONE"
DEFAULT_TIMEZONE = "Asia/Shanghai"

_instant: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)  # noqa: E731


def configured_timezone() -> str:
    """DEPTOPS_TIMEZONE, or Asia/Shanghai when it is unset or blank."""
    return os.environ.get(TIMEZONE_VARIABLE, "").strip() or DEFAULT_TIMEZONE


def now(timezone: str | None = None) -> dt.datetime:
    """The current instant as an aware datetime in `timezone` (default: the configured one)."""
    return _instant().astimezone(ZoneInfo(timezone or configured_timezone()))


def now_naive(timezone: str | None = None) -> dt.datetime:
    """The hospital's wall-clock time, as the warehouse's timestamp columns hold it."""
    return now(timezone).replace(tzinfo=None)


def today(timezone: str | None = None) -> dt.date:
    """Today's date in `timezone` (default: the configured one)."""
    return now(timezone).date()


def local_time(timestamp: float, timezone: str | None = None) -> dt.datetime:
    """A POSIX timestamp (a file's mtime) as a naive wall-clock time in `timezone`: what the
    warehouse stores, so that "arrived on the 10th" means the 10th in the hospital."""
    zone = ZoneInfo(timezone or configured_timezone())
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).astimezone(zone).replace(tzinfo=None)


@contextmanager
def frozen(instant: dt.datetime) -> Iterator[None]:
    """Within the block, `now()` is `instant` (an aware datetime)."""
    global _instant
    if instant.tzinfo is None:
        raise ValueError("a frozen instant needs its timezone")
    previous = _instant
    _instant = lambda: instant  # noqa: E731
    try:
        yield
    finally:
        _instant = previous
