"""The handover screen (`H`): the summary, the note in the status bar until acknowledged."""

from __future__ import annotations

from typing import Any

import pytest

from rr_tui.models import HandoverCreate, Role
from rr_tui.screens.handover import HandoverScreen
from rr_tui.server import handovers
from rr_tui.server.store import Actor
from rr_tui.widgets.status import StatusBar
from tests.conftest import DashboardFactory, FakeClock, RunningServer, make_app
from tests.test_snapshots import SIZES, SnapCompare, settled

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
        # Slow: the screen reads every shift incident's timeline and Textual's Markdown
        # lays out its tables (seconds under load; a known cost, see RELIABILITY.md).
        await d.until(lambda: "to acknowledge" in d.text(), "summary read", within=30)
        assert "Notes for the next shift" in d.text()
        await d.press("a")
        await d.until(
            lambda: any("Acknowledged" in t for t in d.toasts()), "acknowledged", within=30
        )
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
