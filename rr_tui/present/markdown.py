"""Writing untrusted text into Markdown that stays the document it claims to be.

Titles, notes and names come from outside: a `|` must not split a table cell, a `#`
or `[x](javascript:...)` must not become a heading or a link, and raw HTML must not
pass through. Everything a report writes from a backend goes through `text` or
`cell`; the report's own structure is written around it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from rr_tui.sanitize import clean

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")
"""What Markdown reads anywhere in a line. `-`, `+` and `1.` only matter at a line's
start, and `text` is never written there: it follows a label or sits in a cell."""


def text(value: object, limit: int = 400) -> str:
    """One line of untrusted text, cleaned and with Markdown's special characters escaped."""
    return _SPECIAL.sub(r"\\\1", clean("" if value is None else str(value), limit))


def cell(value: object, limit: int = 400) -> str:
    """A table cell: escaped text, `-` when empty (an empty cell reads as a mistake)."""
    return text(value, limit) or "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str = "") -> list[str]:
    """A GitHub-flavoured table; the cells must already be escaped (`cell`). With no rows and
    an `empty` line (`_Nothing._`), that line instead of a table of headers alone."""
    if not rows and empty:
        return [empty]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def when(moment: datetime | None) -> str:
    """A moment with its date, in UTC (a document outlives the shift's time zone)."""
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
