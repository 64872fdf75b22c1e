"""The handover screen (`H`): the summary, the note in the status bar until acknowledged."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.screen import Screen

from rr_tui.models import (
    Bucket,
    Grouping,
    HandoverCreate,
    Incident,
    Role,
    Severity,
    Status,
    Trends,
)
from rr_tui.present.handover import deadline_text, render_markdown, summarize
from rr_tui.screens.handover import SHIFT, HandoverScreen
from rr_tui.screens.trends import TrendsScreen
from rr_tui.server import handovers
from rr_tui.server.store import Actor
from rr_tui.sync.shift import HandoverPort, NoHandovers, ShiftRecord
from rr_tui.widgets.handover_text import handover_renderable
from rr_tui.widgets.status import StatusBar
from tests.conftest import (
    DashboardFactory,
    FakeClock,
    RunningServer,
    make_app,
    screen_text,
    until,
)
from tests.test_snapshots import SIZES, SnapCompare, settled
from tests.test_widget_snapshots import incident

NOTE = "RR-1066 waits on Policy KR; TH election rumours rising, Legal ID on call until 18:00"


def leave_note(server: RunningServer, clock: FakeClock) -> None:
    """The outgoing lead (not the one at the keyboard) writes the shift's note."""
    with server.store.write() as tx:
        body = HandoverCreate(note=NOTE, since=clock.now.replace(hour=0))
        handovers.create(tx.conn, body, Actor("mei.out", Role.LEAD), tx.now)


async def test_the_incoming_lead_acknowledges_the_note_from_the_keyboard(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    leave_note(demo_server, clock)
    async with dashboard() as d:
        bar = d.app.query_one(StatusBar)
        await d.until(lambda: "handover from mei.out [H]" in str(bar.render()), "status bar")
        await d.press("H")
        assert isinstance(d.screen, HandoverScreen)
        await d.until(lambda: "to acknowledge" in d.text(), "summary read")
        assert "Notes for the next shift" in d.text()
        await d.press("a")
        await d.until(lambda: any("Acknowledged" in t for t in d.toasts()), "acknowledged")
        await d.press("escape")
        assert d.on_dashboard()
        await d.until(lambda: "handover from" not in str(bar.render()), "status bar cleared")
    stored = demo_server.store
    with stored.engine.connect() as conn, conn.begin():
        (note,) = handovers.listed(conn, pending=False, limit=5)
    assert (note.acknowledged_by, note.version) == ("lee.lead", 2)


@pytest.mark.parametrize("size", SIZES)
def test_handover_screen(
    snap_compare: SnapCompare, demo_server: RunningServer, clock: FakeClock, size: Any
) -> None:
    leave_note(demo_server, clock)

    async def read(pilot: Any) -> None:
        await settled("H")(pilot)
        screen = pilot.app.screen
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(screen, HandoverScreen)

    assert snap_compare(make_app(demo_server.url, clock), terminal_size=size, run_before=read)


HOSTILE = "[@click=app.quit]x[/] [bold]not bold"


class ReasonOnly(NoHandovers):
    """A desk whose backend fails with a message that looks like markup (a fault)."""

    async def shift_or_reason(
        self, incidents: Iterable[Incident], span: timedelta
    ) -> ShiftRecord | str:
        return f"Could not read the shift: {HOSTILE}"

    async def trends_or_reason(
        self, incidents: Iterable[Incident], hours: int, bucket: Bucket, group: Grouping
    ) -> Trends | str:
        return f"Could not read the trends: {HOSTILE}"


class OneScreenApp(App[None]):
    """One shift screen alone, on a desk given by the test."""

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)


@pytest.mark.parametrize("screen", [HandoverScreen, TrendsScreen])
async def test_a_failure_reason_is_shown_as_written_never_as_markup(
    screen: Callable[[HandoverPort, list[Incident]], Screen[None]],
) -> None:
    app = OneScreenApp(screen(ReasonOnly(), []))
    async with app.run_test(size=(120, 10)) as pilot:
        await until(lambda: HOSTILE in screen_text(app), pilot, what="the reason, verbatim")


def test_the_screen_draws_every_row_of_the_markdown_and_no_markup() -> None:
    now = datetime(2026, 11, 24, 6, 32, tzinfo=UTC)
    hostile = incident(1, Severity.SEV0, Status.ESCALATED, title=HOSTILE, assignee="mei.tan")
    masked = incident(2, Severity.SEV1, Status.NEW, title="Graphic footage", sensitive=True)
    summary = summarize([hostile, masked], {}, [], since=now - SHIFT, now=now)
    console = Console(width=160, record=True, color_system=None)
    console.print(handover_renderable(summary))
    drawn = console.export_text()
    assert HOSTILE in drawn
    assert "Graphic footage" not in drawn
    assert "▒▒▒ sensitive" in drawn
    markdown = render_markdown(summary)
    for row in summary.open:
        line = next(line for line in drawn.splitlines() if row.id in line)
        cells = (row.status.value, row.assignee or "unassigned", deadline_text(row, now))
        assert all(cell in line and cell in markdown for cell in cells), line
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert all(heading[3:].replace("\\", "") in drawn for heading in headings)
