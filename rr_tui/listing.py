"""`rr-tui list`: the queue of a saved view, headless, as a table, JSON or CSV.

It fetches one full snapshot through the same backend adapter and orders and
filters it with the same store and views as the dashboard, so a shift report
shows what the screen shows. Sensitive titles stay masked unless the
configuration reveals them; CSV cells that a spreadsheet would run as a
formula are defused.
"""

from __future__ import annotations

import asyncio
import csv
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from rr_tui.config import Settings
from rr_tui.deadlines import Clock
from rr_tui.models import Incident, Status
from rr_tui.options import DashboardOptions, SavedView
from rr_tui.present.columns import BY_KEY, COLUMN_KEYS, cell_text
from rr_tui.present.format import severity_label
from rr_tui.present.masks import LIST_MASK
from rr_tui.sanitize import clean

if TYPE_CHECKING:
    from rr_tui.backends.base import Backend
    from rr_tui.sync.store import IncidentStore

LIST_COLUMNS = COLUMN_KEYS
"""The table's columns when the config chooses none: all of them (a report has no width)."""

MASKED = LIST_MASK

CLOCK_FETCHES = 8
"""Clock reads in flight at once for a report: a long list is not one round trip at a time."""

FETCH_ROUNDS = 50
"""Calls of `changes` one report makes at most, each a bounded number of pages."""


def print_view(backend: Backend, settings: Settings, fmt: str, *, profile: str) -> int:
    """Fetch and print the default view's queue to stdout; returns the exit code.

    A backend error is one line on stderr and exit code 1; records that break the
    schema are skipped, and counted on stderr.
    """
    from rr_tui.backends.base import BackendError

    view = next(v for v in settings.saved_views() if v.name == settings.default_view)
    try:
        incidents, skipped, clocks = asyncio.run(fetch_report(backend, view))
    except BackendError as error:
        print(f"rr-tui list: {clean(error.message, 300)}", file=sys.stderr)
        return 1
    if skipped:
        print(f"rr-tui list: skipped {skipped} record(s) that break the schema", file=sys.stderr)
    now = datetime.now(UTC)
    write_list(
        sys.stdout,
        fmt,
        incidents,
        settings,
        now=now,
        profile=profile,
        view=view.name,
        clocks=clocks,
    )
    return 0


async def _queue(backend: Backend, view: SavedView) -> tuple[list[Incident], int]:
    """The incidents a view shows, in queue order, from one full fetch; and how many broke."""
    try:
        store, skipped = await fetch_all(backend)
        selection = view.filter
        if view.mine:
            me = await backend.me()
            selection = replace(selection, assignee=me.name)
    except BaseException:
        await backend.aclose()
        raise
    store.set_filter(selection)
    return list(store), skipped


async def fetch_view(backend: Backend, view: SavedView) -> tuple[list[Incident], int]:
    """The incidents a view shows, in queue order, from one full fetch; and how many broke."""
    try:
        return await _queue(backend, view)
    finally:
        await backend.aclose()


async def fetch_report(
    backend: Backend, view: SavedView
) -> tuple[list[Incident], int, dict[str, list[Clock]]]:
    """`fetch_view`, and every clock of each incident (backends with clocks): running, paused,
    met, missed and cancelled alike, keyed by the incidents that have any.

    An incident's met or cancelled clocks leave no mark on it (`deadline_at` is the
    soonest running one), so each listed incident is asked, `CLOCK_FETCHES` at a time.
    """
    from rr_tui.sync.clock_desk import ClockBackend

    try:
        incidents, skipped = await _queue(backend, view)
        clocks: dict[str, list[Clock]] = {}
        if isinstance(backend, ClockBackend):
            gate = asyncio.Semaphore(CLOCK_FETCHES)

            async def fetch(incident_id: str) -> list[Clock]:
                async with gate:
                    return await backend.clocks(incident_id)

            found = await asyncio.gather(*(fetch(incident.id) for incident in incidents))
            clocks = {i.id: held for i, held in zip(incidents, found, strict=True) if held}
        return incidents, skipped, clocks
    finally:
        await backend.aclose()


async def fetch_all(backend: Backend) -> tuple[IncidentStore, int]:
    """Every incident the backend has, in a store; and how many records broke the schema.

    Shared by every headless report (`list`, `postmortem`, `handover`, `trends`).
    """
    from rr_tui.backends.base import Unavailable
    from rr_tui.sync.store import IncidentStore

    skipped = 0
    store = IncidentStore()
    changes = await backend.changes(None)
    store.apply(changes.items, reset=True)
    skipped += len(changes.skipped)
    # The adapter reads a bounded number of pages per call; a report wants them all.
    for _ in range(FETCH_ROUNDS):
        if not changes.more:
            break
        changes = await backend.changes(changes.cursor)
        store.apply(changes.items, reset=changes.reset)
        skipped += len(changes.skipped)
    else:
        raise Unavailable(f"{backend.name} keeps saying there is more: the list is incomplete")
    return store, skipped


def write_list(
    out: IO[str],
    fmt: str,
    incidents: Sequence[Incident],
    settings: Settings,
    *,
    now: datetime,
    profile: str,
    view: str,
    clocks: Mapping[str, Sequence[Clock]] | None = None,
) -> None:
    """Write incidents as a table (the configured columns), JSON or CSV (every field).

    Sensitive titles and summaries are masked unless `reveal_sensitive` is set, as on
    screen. Text from the backend is cleaned of control and bidi characters in the
    table and CSV, JSON escapes everything beyond ASCII, and CSV cells that a spreadsheet
    would run as a formula are quoted with a leading `'`.
    """
    options = settings.dashboard_options()
    held = clocks or {}
    if fmt == "json":
        items = [
            _json_item(incident, options, now, held.get(incident.id, ())) for incident in incidents
        ]
        body = {
            "profile": profile,
            "view": view,
            "generated_at": now.isoformat(),
            "count": len(items),
            "items": items,
        }
        out.write(json.dumps(body, indent=2) + "\n")
    elif fmt == "csv":
        _write_csv(out, incidents, options, now, held)
    else:
        _write_table(out, incidents, options, settings.columns or LIST_COLUMNS, now)


def _shown(incident: Incident, options: DashboardOptions) -> bool:
    return options.reveal_sensitive or not incident.sensitive


def _minutes_left(incident: Incident, now: datetime) -> int | None:
    """Minutes to the SLA breach (negative: past it); None once the clock stopped."""
    if incident.status in (Status.MITIGATED, Status.RESOLVED):
        return None
    return int((incident.due_at - now) / timedelta(minutes=1))


def _deadline_left(incident: Incident, now: datetime) -> int | None:
    """Minutes to the soonest running legal clock (negative: missed); None without one."""
    if incident.deadline_at is None:
        return None
    return int((incident.deadline_at - now) / timedelta(minutes=1))


def _json_item(
    incident: Incident, options: DashboardOptions, now: datetime, clocks: Sequence[Clock]
) -> dict[str, Any]:
    item = incident.model_dump(mode="json")
    item["clocks"] = [
        clock.model_copy(update={"state": clock.state_at(now)}).model_dump(mode="json")
        for clock in clocks
    ]
    item["severity_label"] = severity_label(options.severity_labels, incident.severity)
    item["sla_minutes_left"] = _minutes_left(incident, now)
    item["deadline_minutes_left"] = _deadline_left(incident, now)
    if not _shown(incident, options):
        item["title"] = MASKED
        item["summary"] = ""
    return item


CSV_FIELDS = (
    "id",
    "severity",
    "severity_label",
    "status",
    "region",
    "category",
    "assignee",
    "source",
    "created_at",
    "due_at",
    "sla_minutes_left",
    "age_minutes",
    "sensitive",
    "title",
    # Added with legal clocks: at the end, so existing spreadsheets keep their columns.
    "deadline_at",
    "deadline_rule",
    "deadline_minutes_left",
    "clocks",
    # Added with protocols: the latest active one's progress (`CSAM 2/5`).
    "protocol",
)


def _cell(value: object) -> str:
    text = "" if value is None else clean(str(value), 300)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _clock_cell(clocks: Sequence[Clock], now: datetime) -> str:
    """`rule state due; ...`: every clock in one cell."""
    return "; ".join(
        f"{clock.rule.id} {clock.state_at(now).value} {clock.due_at.isoformat()}"
        for clock in clocks
    )


def _write_csv(
    out: IO[str],
    incidents: Iterable[Incident],
    options: DashboardOptions,
    now: datetime,
    clocks: Mapping[str, Sequence[Clock]],
) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for incident in incidents:
        row: dict[str, object] = {
            "id": incident.id,
            "severity": incident.severity.value,
            "severity_label": severity_label(options.severity_labels, incident.severity),
            "status": incident.status.value,
            "region": incident.region,
            "category": incident.category,
            "assignee": incident.assignee,
            "source": incident.source.value,
            "created_at": incident.created_at.isoformat(),
            "due_at": incident.due_at.isoformat(),
            "sla_minutes_left": _minutes_left(incident, now),
            "age_minutes": int((now - incident.created_at) / timedelta(minutes=1)),
            "sensitive": "yes" if incident.sensitive else "no",
            "title": incident.title if _shown(incident, options) else MASKED,
            "deadline_at": incident.deadline_at.isoformat() if incident.deadline_at else None,
            "deadline_rule": incident.deadline_rule,
            "deadline_minutes_left": _deadline_left(incident, now),
            "clocks": _clock_cell(clocks.get(incident.id, ()), now),
            "protocol": incident.protocol,
        }
        writer.writerow([_cell(row[name]) for name in CSV_FIELDS])


def _write_table(
    out: IO[str],
    incidents: Sequence[Incident],
    options: DashboardOptions,
    columns: Sequence[str],
    now: datetime,
) -> None:
    from rich.cells import cell_len

    def cell(key: str, incident: Incident) -> str:
        masked = None if _shown(incident, options) else MASKED
        return clean(cell_text(key, incident, now, options.severity_labels, masked=masked), 300)

    rows = [[BY_KEY[key].header for key in columns]]
    rows.extend([cell(key, incident) for key in columns] for incident in incidents)
    # Cells, not characters: a Thai or Japanese name must not push the columns after it.
    widths = [max(cell_len(row[index]) for row in rows) for index in range(len(columns))]
    for row in rows:
        padded = [text + " " * (widths[i] - cell_len(text)) for i, text in enumerate(row)]
        out.write("  ".join(padded).rstrip() + "\n")
