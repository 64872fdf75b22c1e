"""The queue's columns: key, header, width and cell text, for the dashboard and `rr-tui list`.

The queue chooses by terminal width (or the config's list) and paints the
cells with its own styles; `rr-tui list` writes the same cells as a plain
table. The config checks column names against `COLUMN_KEYS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from rr_tui.models import Incident, Severity
from rr_tui.present.format import (
    STATUS_SHORT,
    age,
    category_label,
    deadline,
    severity_label,
    sla,
)
from rr_tui.sanitize import clean


@dataclass(frozen=True)
class Column:
    """One column: a key, a header and a width in cells (0: takes what is left)."""

    key: str
    header: str
    width: int


MARK = Column("mark", "", 2)
"""The queue's first column: marked for a bulk action (`●`), waiting for the backend (`↻`)."""

COLUMNS: tuple[Column, ...] = (
    Column("sev", "SEV", 4),
    Column("id", "ID", 8),
    Column("age", "AGE", 4),
    Column("sla", "SLA", 6),
    Column("deadline", "LEGAL", 6),
    Column("status", "ST", 5),
    Column("region", "RG", 2),
    Column("category", "CATEGORY", 16),
    Column("assignee", "OWNER", 11),
    Column("title", "TITLE", 0),
)
"""Every column a user can choose, in the default order."""

BY_KEY = {column.key: column for column in COLUMNS}

COLUMN_KEYS = tuple(column.key for column in COLUMNS)
"""The names a config's `columns` list may use."""

WIDE_ONLY = {"category": 110, "assignee": 88}
"""Columns shown by width only from this many cells of queue width."""

ID_MAX = 20
"""The widest the ID column grows: `cell_text` cuts an id there (a backend's id is text)."""


def id_cells(longest: int) -> int:
    """The ID column's width for the longest id held: never under the usual 8, at most 20.

    Ids past `RR-99999` (9 characters and more) would otherwise be cut, and two of
    them (`RR-101001`, `RR-101002`) read the same.
    """
    return min(max(BY_KEY["id"].width, longest), ID_MAX)


def columns_for(
    width: int, chosen: Sequence[str] = (), *, clocks: bool = False, ids: int = 0
) -> list[Column]:
    """The queue's columns for `width` cells, the mark first; the title takes the rest.

    `chosen` (column keys, in order, from the config) replaces the choice by width.
    The legal deadline column shows while some incident has a clock running
    (`clocks`), so a team without legal clocks keeps the width for titles. The ID
    column is as wide as `ids`, the longest id held, needs (`id_cells`).
    """
    if chosen:
        picked = [BY_KEY[key] for key in chosen if key in BY_KEY]
    else:
        fits = [c for c in COLUMNS if width >= WIDE_ONLY.get(c.key, 0)]
        picked = [c for c in fits if clocks or c.key != "deadline"]
    wide = id_cells(ids)
    return [MARK, *(replace(c, width=wide) if c.key == "id" else c for c in picked)]


def cell_text(
    key: str,
    incident: Incident,
    now: datetime,
    labels: Mapping[Severity, str],
    *,
    masked: str | None = None,
) -> str:
    """The text of one cell; `masked` stands in for the title when it must not be shown."""
    if key == "sev":
        return severity_label(labels, incident.severity)
    if key == "id":
        return clean(incident.id, 20)
    if key == "age":
        return age(incident, now)
    if key == "sla":
        return sla(incident, now)[0]
    if key == "deadline":
        return deadline(incident, now)[0]
    if key == "status":
        return STATUS_SHORT[incident.status]
    if key == "region":
        return clean(incident.region, 8)
    if key == "category":
        return category_label(incident.category)
    if key == "assignee":
        return clean(incident.assignee or "—", 40)
    if key == "title":
        title = masked if masked is not None else clean(incident.title, 300)
        return f"{protocol_progress(incident)}{title}"
    return ""


def protocol_progress(incident: Incident) -> str:
    """`CSAM 2/5 · ` before the title while a protocol is active on it ("" otherwise).

    In the title's cell rather than a column of its own: most incidents have none, and
    a column would take its width from every title (and change every queue picture).
    """
    return f"{clean(incident.protocol, 40)} · " if incident.protocol else ""
