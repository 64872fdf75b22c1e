"""Working-hours arithmetic: when does N working hours from a given time end?

Days are walked in the calendar's own zone and each day's window is built from
local wall-clock times with `zoneinfo`, so a working day is 09:00–18:00 local
on the day clocks change too (the window is then an hour shorter or longer in
UTC only if it spans the change itself). Results are aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rr_tui.deadlines.rules import Calendar

_MAX_DAYS = 366 * 10
"""A walk that finds no end in ten years has a calendar that never works: give up."""


def _windows(calendar: Calendar, after: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The working windows, in UTC, from the one holding `after` on (clipped to it)."""
    zone = ZoneInfo(calendar.timezone)
    day = after.astimezone(zone).date()
    holidays = set(calendar.holidays)
    for _ in range(_MAX_DAYS):
        if day.isoweekday() in calendar.days and day not in holidays:
            start = datetime.combine(day, calendar.start, zone).astimezone(UTC)
            end = datetime.combine(day, calendar.end, zone).astimezone(UTC)
            if end > after:
                yield max(start, after), end
        day += timedelta(days=1)
    raise ValueError(f"no working hours within ten years in calendar {calendar.timezone}")


def add_working(calendar: Calendar, start: datetime, amount: timedelta) -> datetime:
    """The time at which `amount` of working time after `start` has passed."""
    left = amount
    begin = start.astimezone(UTC)
    for window_start, window_end in _windows(calendar, begin):
        span = window_end - window_start
        if left <= span:
            return window_start + left
        left -= span
    raise AssertionError("unreachable: _windows raises when it runs out")


def working_between(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """The working time from `start` to `end` (zero when `end` is not after `start`)."""
    total = timedelta(0)
    stop = end.astimezone(UTC)
    if stop <= start:
        return total
    for window_start, window_end in _windows(calendar, start.astimezone(UTC)):
        if window_start >= stop:
            break
        total += min(window_end, stop) - window_start
    return total
