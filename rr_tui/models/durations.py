"""Durations as people write them: `30m`, `2h`, `1h30m`, `3d`, `90s`.

One spelling for the settings (SLA targets, intervals) and the clock rules
catalogue, and on the wire: a `Duration` field serialises as that text.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_duration(value: object) -> timedelta:
    """`"30m"`, `"2h"`, `"1h30m"`, `"3d"`, `"90s"` as a timedelta."""
    if isinstance(value, timedelta):
        return value
    text = value.strip() if isinstance(value, str) else ""
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        raise ValueError(f"{value!r} is not a duration such as 30m, 2h, 1h30m or 3d")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if duration <= timedelta(0):
        raise ValueError(f"{value!r} is not a duration above zero")
    return duration


def format_duration(value: timedelta) -> str:
    """The shortest `1d2h30m` spelling of a duration (what `parse_duration` reads)."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]
"""A duration written as in `30m`, `2h`, `1h30m`, `3d`."""
