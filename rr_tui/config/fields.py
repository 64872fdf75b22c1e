"""The building blocks of the settings model: the value types of its fields, and `Section`.

Each type checks its own spelling and says what it expects in the error, so a
bad value is reported in the words of the file: a duration as `30m`, keys as
`down,j`, a binding id as `queue.cursor_down`. `Section` is the base of every
table of the file: unknown keys are errors, and field docstrings document it.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
)

from rr_tui.models import Duration as Duration
from rr_tui.models import format_duration as format_duration
from rr_tui.models import parse_duration as parse_duration
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
