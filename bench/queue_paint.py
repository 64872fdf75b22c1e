"""What a poll costs the dashboard: applying 50 changes and repainting the visible rows.

A tiny Textual app shows one widget over the whole 160x48 screen: the real
`QueueView` over an `IncidentStore` of 1,000, 10,000 and 100,000 open
incidents, or, as the baseline, a `DataTable` holding the same rows (same
columns, same cell text) that takes a poll the way a `DataTable` dashboard
would: `update_cell` by row key for each changed cell and `sort` by the queue
order, inside `app.batch_update()`. (The queue also keeps its cursor on the
selected incident; the `DataTable` is spared that.)

One round is timed from the poll's parsed incidents to the repainted lines of
the widget: `store.apply` + `queue.store_changed` (or the `DataTable` calls) +
`widget.render_lines` over the widget's whole region, which is the call the
compositor makes to repaint a dirty widget. Waits for the app's message loop
between rounds (`pilot.pause()`) are not timed. Each change is a new version of
an incident already held, with another severity and due time, so it moves in
the order; the changes are drawn before the clock starts.

Also here: the first paint of a queue over a store already holding 100,000
incidents, from the app's start to the first frame with rows.
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable

from bench.figures import Figure
from rr_tui.models import Incident, Severity, Source, Status
from rr_tui.options import DashboardOptions
from rr_tui.present.format import STATUS_SHORT, age, category_label, sla
from rr_tui.present.masks import QUEUE_MASK as MASK
from rr_tui.sanitize import clean
from rr_tui.server import seed_data
from rr_tui.sync.store import IncidentStore, SortKey, StoreChange, sort_key
from rr_tui.widgets.queue import QueueView

NOW = datetime(2026, 11, 24, 6, 32, tzinfo=UTC)
"""The frozen clock of every widget here (the middle of an APAC shift)."""
SIZE = (160, 48)
QUEUE_SIZES = (1_000, 10_000, 100_000)
TABLE_SIZES = (1_000, 10_000, 100_000)
CHANGES = 50
ROUNDS = 30
BIG_TABLE_ROUNDS = 10
"""Rounds of the `DataTable` at 100,000 rows (about 0.7 s each, after a 15 s build)."""
WARMUP = 3
FIRST_PAINT_RUNS = 5

SLA = {
    Severity.SEV0: timedelta(minutes=30),
    Severity.SEV1: timedelta(hours=1),
    Severity.SEV2: timedelta(hours=4),
    Severity.SEV3: timedelta(hours=24),
    Severity.SEV4: timedelta(hours=72),
}
SEVERITY_MIX = (
    [Severity.SEV0] + [Severity.SEV1] * 4 + [Severity.SEV2] * 15 + [Severity.SEV3] * 40
) + [Severity.SEV4] * 40
OPEN = (Status.NEW, Status.ACKNOWLEDGED, Status.ESCALATED)


def clock() -> datetime:
    """The widgets' clock: frozen, so every round paints the same way."""
    return NOW


# --- data -----------------------------------------------------------------------------


def make_incidents(count: int, seed: int = 1) -> list[Incident]:
    """`count` open incidents RR-1..RR-count: one validated template, copied with changes."""
    rng = random.Random(seed)
    drafts = [seed_data.random_incident(rng) for _ in range(256)]
    template = Incident.model_validate(
        {
            "id": "RR-1",
            "title": drafts[0].title,
            "summary": drafts[0].summary,
            "severity": "SEV3",
            "status": "new",
            "category": drafts[0].category,
            "region": drafts[0].region,
            "source": Source.USER_REPORT,
            "created_at": NOW,
            "updated_at": NOW,
            "due_at": NOW + SLA[Severity.SEV3],
            "version": 1,
        }
    )
    incidents = []
    for number in range(1, count + 1):
        draft = drafts[number % len(drafts)]
        severity = rng.choice(SEVERITY_MIX)
        created = NOW - timedelta(seconds=rng.randrange(60, 3 * 86_400))
        status = rng.choice(OPEN)
        incidents.append(
            template.model_copy(
                update={
                    "id": f"RR-{number}",
                    "title": draft.title,
                    "category": draft.category,
                    "region": draft.region,
                    "source": draft.source,
                    "sensitive": draft.sensitive,
                    "severity": severity,
                    "status": status,
                    "assignee": None if status is Status.NEW else rng.choice(seed_data.ANALYSTS),
                    "created_at": created,
                    "updated_at": created,
                    "due_at": created + SLA[severity],
                }
            )
        )
    return incidents


def next_versions(
    current: Callable[[str], Incident], ids: list[str], rng: random.Random
) -> list[Incident]:
    """One poll's worth of changes: new versions of `CHANGES` held incidents, each moved."""
    batch = []
    for incident_id in rng.sample(ids, CHANGES):
        before = current(incident_id)
        severity = rng.choice([s for s in Severity if s is not before.severity])
        at = before.updated_at + timedelta(seconds=rng.randrange(1, 600))
        batch.append(
            before.model_copy(
                update={
                    "severity": severity,
                    "due_at": before.created_at + SLA[severity],
                    "updated_at": at,
                    "version": before.version + 1,
                }
            )
        )
    return batch


# --- the app --------------------------------------------------------------------------


class BenchApp(App[None]):
    """One widget over the whole screen."""

    CSS = "#subject { width: 1fr; height: 1fr; }"

    def __init__(self, subject: Widget) -> None:
        super().__init__()
        self.subject = subject

    def compose(self) -> ComposeResult:
        """Just the widget under test."""
        yield self.subject


def repaint(widget: Widget) -> list[Strip]:
    """Render every line of the widget, as the compositor does for a dirty widget."""
    region = widget.screen.find_widget(widget).region
    return widget.render_lines(Region(0, 0, region.width, region.height))


def has_rows(strips: list[Strip], incident_id: str) -> bool:
    """Whether the painted lines show the incident (a cheap check that rows were painted)."""
    return any(incident_id in strip.text for strip in strips)


# --- the queue ------------------------------------------------------------------------


def new_queue(store: IncidentStore) -> QueueView:
    """A queue widget as the dashboard builds it."""
    return QueueView(store, DashboardOptions(), clock, id="subject")


async def queue_rounds(count: int, incidents: list[Incident]) -> list[float]:
    """Seconds per round: apply 50 changes, take the change, repaint the visible lines."""
    store = IncidentStore()
    store.apply(incidents, reset=True)
    assert len(store) == count
    queue = new_queue(store)
    ids = [incident.id for incident in incidents]
    rng = random.Random(count)
    app = BenchApp(queue)
    times: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        queue.store_changed(StoreChange(reset=True))
        await pilot.pause()
        for round_ in range(WARMUP + ROUNDS):
            batch = next_versions(_getter(store), ids, rng)
            start = time.perf_counter()
            change = store.apply(batch)
            queue.store_changed(change)
            strips = repaint(queue)
            elapsed = time.perf_counter() - start
            assert len(change.updated) == CHANGES, change
            assert has_rows(strips, store.row(0).id)
            if round_ >= WARMUP:
                times.append(elapsed)
            await pilot.pause()
    return times


def _getter(store: IncidentStore) -> Callable[[str], Incident]:
    def get(incident_id: str) -> Incident:
        incident = store.get(incident_id)
        assert incident is not None
        return incident

    return get


# --- the DataTable baseline -------------------------------------------------------------

COLUMNS = (
    ("sev", "SEV", 4),
    ("id", "ID", 8),
    ("age", "AGE", 4),
    ("sla", "SLA", 6),
    ("status", "ST", 5),
    ("region", "RG", 2),
    ("category", "CATEGORY", 16),
    ("assignee", "OWNER", 11),
    ("title", "TITLE", 80),
)
"""The queue's columns at 160 cells and their widths (the queue gives the title the rest)."""
SEVERITY_STYLE = {
    Severity.SEV0: "bold white on red",
    Severity.SEV1: "bold black on yellow",
    Severity.SEV2: "bold yellow",
    Severity.SEV3: "blue",
    Severity.SEV4: "dim",
}

Cell = str | Text


def cells(incident: Incident) -> tuple[Cell, ...]:
    """A queue row as `DataTable` cells: the same text the queue paints."""
    left, breached = sla(incident, NOW)
    title = MASK if incident.sensitive else clean(incident.title, 300)
    return (
        Text(incident.severity.value, style=SEVERITY_STYLE[incident.severity]),
        clean(incident.id, 20),
        age(incident, NOW),
        Text(left, style="bold red") if breached else left,
        STATUS_SHORT[incident.status],
        incident.region,
        category_label(incident.category),
        clean(incident.assignee or "—", 40),
        title,
    )


class IncidentTable(DataTable[Cell]):
    """A `DataTable` of incidents keyed by id, kept in the queue's order."""

    def __init__(self, incidents: list[Incident]) -> None:
        super().__init__(id="subject", cursor_type="row")
        self.incidents = {incident.id: incident for incident in incidents}
        self.order: dict[str, SortKey] = {incident.id: sort_key(incident) for incident in incidents}
        self.shown: dict[str, tuple[Cell, ...]] = {}

    def on_mount(self) -> None:
        """Columns, then every row in the queue's order."""
        for key, label, width in COLUMNS:
            self.add_column(label, width=width, key=key)
        ordered = sorted(self.incidents.values(), key=sort_key)
        for incident in ordered:
            row = self.shown[incident.id] = cells(incident)
            self.add_row(*row, key=incident.id)

    def _order_of(self, incident_id: Any) -> SortKey:
        return self.order[incident_id]

    def take(self, batch: list[Incident]) -> None:
        """A poll's changes: update the changed cells by key, then re-sort."""
        for incident in batch:
            self.incidents[incident.id] = incident
            self.order[incident.id] = sort_key(incident)
            before = self.shown[incident.id]
            after = self.shown[incident.id] = cells(incident)
            for (key, _, _), old, new in zip(COLUMNS, before, after, strict=True):
                if old != new:
                    self.update_cell(incident.id, key, new)
        self.sort("id", key=self._order_of)


async def table_rounds(
    count: int, incidents: list[Incident], rounds: int = ROUNDS
) -> tuple[list[float], float]:
    """Seconds per round for the `DataTable` way, and the seconds it took to build."""
    ids = [incident.id for incident in incidents]
    rng = random.Random(count)
    start = time.perf_counter()
    table = IncidentTable(incidents)
    app = BenchApp(table)
    times: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert table.row_count == count
        built = time.perf_counter() - start
        for round_ in range(WARMUP + rounds):
            batch = next_versions(table.incidents.__getitem__, ids, rng)
            start = time.perf_counter()
            with app.batch_update():
                table.take(batch)
            strips = repaint(table)
            elapsed = time.perf_counter() - start
            top = min(table.order, key=table.order.__getitem__)
            assert table.coordinate_to_cell_key(Coordinate(0, 0)).row_key.value == top
            assert has_rows(strips, top)
            if round_ >= WARMUP:
                times.append(elapsed)
            await pilot.pause()
    return times, built


# --- first paint --------------------------------------------------------------------------


class TimedQueue(QueueView):
    """A `QueueView` that notes when the compositor first painted it with rows."""

    def __init__(self, store: IncidentStore) -> None:
        super().__init__(store, DashboardOptions(), clock, id="subject")
        self.painted_at: float | None = None
        self.painted = asyncio.Event()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Paint; the first time a row is among the lines, note the time."""
        strips = super().render_lines(crop)
        if self.painted_at is None and len(self.store) and has_rows(strips, self.store.row(0).id):
            self.painted_at = time.perf_counter()
            self.painted.set()
        return strips


async def first_paint(store: IncidentStore) -> float:
    """Seconds from the app's start to the first frame with queue rows, over a filled store."""
    gc.collect()
    start = time.perf_counter()
    queue = TimedQueue(store)
    app = BenchApp(queue)
    async with app.run_test(size=SIZE):
        await asyncio.wait_for(queue.painted.wait(), 30)
        assert queue.painted_at is not None
        return queue.painted_at - start


# --- run ----------------------------------------------------------------------------------


def _ms(seconds: list[float]) -> float:
    return round(statistics.median(seconds) * 1000, 3)


async def _measure() -> list[Figure]:
    queue_ms: dict[int, float] = {}
    table_ms: dict[int, float] = {}
    table_built: dict[int, float] = {}
    first_ms: dict[int, float] = {}
    for count in QUEUE_SIZES:
        incidents = make_incidents(count)
        queue_ms[count] = _ms(await queue_rounds(count, incidents))
        print(f"  queue, {count:,} incidents: {queue_ms[count]:.2f} ms per 50-change poll")
        if count in TABLE_SIZES:
            rounds = ROUNDS if count <= 10_000 else BIG_TABLE_ROUNDS
            times, table_built[count] = await table_rounds(count, incidents, rounds)
            table_ms[count] = _ms(times)
            print(
                f"  DataTable, {count:,} rows: {table_ms[count]:.2f} ms per 50-change poll"
                f" (built in {table_built[count]:.1f} s)"
            )
        if count in (1_000, 100_000):
            store = IncidentStore()
            store.apply(incidents, reset=True)
            first_ms[count] = _ms([await first_paint(store) for _ in range(FIRST_PAINT_RUNS)])
            print(f"  first paint, {count:,} incidents: {first_ms[count]:.1f} ms")
        del incidents
    how = "160x48; harness waits excluded"
    small = f"queue.apply50.{QUEUE_SIZES[0]}.ms"
    figures = []
    for count in QUEUE_SIZES:
        note = f"median of {ROUNDS} rounds; {how}"
        if count == 100_000:
            note = f"target: ratio <= 1.5 (cost follows changes, not queue size); {note}"
            baseline, value = small, queue_ms[QUEUE_SIZES[0]]
        else:
            if count == 10_000:
                note = f"target: ratio <= 0.25 (4x faster than the DataTable way); {note}"
            baseline, value = f"datatable.apply50.{count}.ms", table_ms[count]
        figures.append(
            Figure(f"queue.apply50.{count}.ms", queue_ms[count], "ms", baseline, value, note)
        )
    for count in TABLE_SIZES:
        rounds = ROUNDS if count <= 10_000 else BIG_TABLE_ROUNDS
        figures.append(
            Figure(
                f"datatable.apply50.{count}.ms",
                table_ms[count],
                "ms",
                note=(
                    "baseline: keyed update_cell + sort inside batch_update, then repaint;"
                    f" median of {rounds} rounds; {how}; table built in {table_built[count]:.1f} s"
                ),
            )
        )
    paint = f"app start to the first frame with rows; median of {FIRST_PAINT_RUNS} starts"
    figures.append(
        Figure(
            "queue.first_paint.100000.ms",
            first_ms[100_000],
            "ms",
            "queue.first_paint.1000.ms",
            first_ms[1_000],
            f"target: < 500 ms; {paint}",
        )
    )
    figures.append(Figure("queue.first_paint.1000.ms", first_ms[1_000], "ms", note=paint))
    return figures


def run() -> list[Figure]:
    """Measure the queue against the DataTable baseline, and the first paint."""
    return asyncio.run(_measure())
