"""The building blocks of the settings model: the value types of its fields, and `Section`.

Each type checks its own spelling and says what it expects in the error, so a
bad value is reported in the words of the file: a duration as `30m`, keys as
`down,j`, a binding id as `queue.cursor_down`. `Section` is the base of every
table of the file: unknown keys are errors, and field docstrings document it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
)

from rr_tui.present.columns import COLUMN_KEYS


def _name(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", value):
        raise ValueError(
            f"{value!r} is not a valid name: use lower-case letters, digits, - and _, "
            "starting with a letter (at most 32)"
        )
    return value


Name = Annotated[str, AfterValidator(_name)]
"""A profile or view name, e.g. `apac-prod`: safe on a command line, in a key and on screen."""


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


def _keys(value: str) -> str:
    if not re.fullmatch(r"[^\s,]+(,[^\s,]+)*", value):
        raise ValueError(
            f"{value!r} is not a key list such as 'j' or 'down,j' (comma-separated, no spaces)"
        )
    return value


def _binding_id(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)*", value):
        raise ValueError(f"{value!r} is not a binding id such as 'queue.cursor_down'")
    return value


Keys = Annotated[str, AfterValidator(_keys)]
"""Keys as Textual names them, comma-separated: `j`, `down,j`, `ctrl+r`, `f5`."""

BindingId = Annotated[str, AfterValidator(_binding_id)]
"""The id of a key binding, e.g. `queue.cursor_down` (`?` in the dashboard lists them)."""


def _column(value: str) -> str:
    if value not in COLUMN_KEYS:
        raise ValueError(f"{value!r} is not one of {', '.join(COLUMN_KEYS)}")
    return value


ColumnName = Annotated[str, AfterValidator(_column)]
"""The queue's columns, by key (the table of columns lives in `rr_tui.present.columns`)."""


def _keys_or_none(value: str) -> str:
    return _keys(value) if value else value


KeysOrNone = Annotated[str, AfterValidator(_keys_or_none)]
"""Keys as in `Keys`, or "" for none."""


class Section(BaseModel):
    """A table of the file: unknown keys are errors; docstrings document the fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
