"""Legal clocks on the dashboard: the whole flow from the keyboard, and pictures of three clocks.

Against the demo server with a frozen clock: an intake from a regulator starts
its clock by itself, `L` starts another from the rules that apply and meets the
first; the snapshots show the clocks pane with three clocks on one incident
at 80x24 and 160x48 (and, at 160x48, the queue's LEGAL column).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from rr_tui.deadlines import ClockState
from rr_tui.models import Incident
from rr_tui.options import DashboardOptions
from rr_tui.screens.clock_dialog import ClockDialog
from rr_tui.screens.dialogs import TextPrompt
from rr_tui.server import clock_steps
from rr_tui.widgets.clocks import ClocksPane
from rr_tui.widgets.queue import QueueView
from tests.conftest import (
    SHIFT_START,
    FakeClock,
    RunningServer,
    make_app,
    poll_now,
    settle,
    until,
)
from tests.test_api import create
from tests.test_snapshots import SIZES, SnapCompare, settled


def regulator_intake(server: RunningServer, **overrides: Any) -> Incident:
    with server.client() as lead:
        return create(
            lead,
            severity="SEV0",
            source="regulator",
            region="ID",
            category="child_safety",
            title="Takedown order: abuse material re-uploads",
            **overrides,
        )


def stored(server: RunningServer, incident_id: str) -> list[tuple[str, ClockState]]:
    with server.store.engine.connect() as conn:
        clocks = clock_steps.stored(conn, incident_id)
    return [(clock.rule.id, clock.state) for clock in clocks]


async def test_the_whole_clock_flow_from_the_keyboard(
    dashboard: Any, demo_server: RunningServer
) -> None:
    incident = regulator_intake(demo_server)
    async with dashboard() as board:
        await board.poll()
        await board.select(incident.id)
        pane = board.app.query_one(ClocksPane)
        await board.until(lambda: len(pane.clocks) == 1, "the intake clock shown")
        assert "LEGAL" in board.text()

        await board.press("L")
        await board.until(lambda: isinstance(board.screen, ClockDialog), "the clocks dialog")
        dialog = board.screen
        assert isinstance(dialog, ClockDialog)
        labels = [choice.label.split()[:2] for choice in dialog.offered]
        assert labels == [
            ["met", "id-permen5-urgent"],
            ["cancel", "id-permen5-urgent"],
            ["start", "Indonesia"],
            ["start", "NCMEC"],
        ]
        await board.press("down", "down", "enter")  # start the 24 h takedown clock
        await board.until(lambda: isinstance(board.screen, TextPrompt), "the trigger prompt")
        await board.press(*"13:50", "enter")  # typed in the shift zone: 14:32 SGT now
        await board.until(lambda: len(pane.clocks) == 2, "the started clock shown")
        takedown = next(c for c in pane.clocks if c.rule.id == "id-permen5-takedown")
        assert board.app.options.zones[0] == "Asia/Singapore"
        assert takedown.trigger_at == SHIFT_START - timedelta(minutes=42)
        assert takedown.due_at == takedown.trigger_at + timedelta(hours=24)

        await board.press("L")
        await board.until(lambda: isinstance(board.screen, ClockDialog), "the dialog again")
        await board.press("enter")  # met id-permen5-urgent
        await board.until(lambda: isinstance(board.screen, TextPrompt), "the evidence prompt")
        await board.press(*"removed 14 URLs", "enter")
        await board.until(
            lambda: ("id-permen5-urgent", ClockState.MET) in stored(demo_server, incident.id),
            "met on the server",
        )
        await board.settle()
        assert "✓ met" in str(pane.render())
        assert any("id-permen5-urgent met" in toast for toast in board.toasts())
    assert stored(demo_server, incident.id) == [
        ("id-permen5-urgent", ClockState.MET),
        ("id-permen5-takedown", ClockState.RUNNING),
    ]


def three_clocks(server: RunningServer, clock: FakeClock) -> Incident:
    """One incident with three clocks: the intake's 4 h, a 24 h and the 24 h NCMEC target."""
    incident = regulator_intake(server)
    now = clock()
    with server.client() as lead:
        version = incident.version
        for rule, ago in (("id-permen5-takedown", 30), ("us-ncmec-report", 23 * 60 + 40)):
            response = lead.post(
                f"/incidents/{incident.id}/clocks",
                json={"rule": rule, "trigger_at": (now - timedelta(minutes=ago)).isoformat()},
                headers={"If-Match": f'"{version}"'},
            )
            assert response.status_code == 201, response.text
            version = response.json()["incident"]["version"]
        got = lead.get(f"/incidents/{incident.id}")
    return Incident.model_validate_json(got.content)


def showing(incident_id: str, *keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """`settled`, with the cursor put on `incident_id` before the keys."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settled()(pilot)
        assert pilot.app.query_one(QueueView).select(incident_id)
        await settled(*keys)(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_three_clocks_on_one_incident(
    snap_compare: SnapCompare, demo_server: RunningServer, clock: FakeClock, size: Any
) -> None:
    incident = three_clocks(demo_server, clock)
    assert incident.deadline_rule == "us-ncmec-report"  # 20 minutes left: the soonest
    app = make_app(demo_server.url, clock)
    keys = ("enter",) if size == (80, 24) else ()  # 80x24: the side column replaces the queue
    assert snap_compare(app, terminal_size=size, run_before=showing(incident.id, *keys))


async def test_a_clock_alert_toasts_and_rings_once_each(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    """The 4 h urgent clock an intake started: a toast and the bell at half its time, at
    four fifths, and when missed; polls, re-fetches and ticks in between say nothing more."""
    incident = regulator_intake(demo_server)
    app = make_app(demo_server.url, clock)
    bells: list[bool] = []
    app.bell = lambda: bells.append(True)  # type: ignore[method-assign]

    def alerts() -> list[str]:
        return [n.title for n in app.notices if n.title.startswith("Legal clock")]

    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await until(lambda: app.dashboard.clocks.desk.rules is not None, pilot)  # type: ignore[union-attr]
        assert alerts() == []
        assert bells == []
        clock.advance(2 * 3600)  # half of 4 h
        await until(lambda: alerts() == ["Legal clock 50%"], pilot, what="the 50% alert")
        assert bells == [True]
        (said,) = [n for n in app.notices if n.title == "Legal clock 50%"]
        assert said.severity == "warning"
        assert (
            f"{incident.id} · id-permen5-urgent: 50% of its time gone, 2h 0m left" in said.message
        )
        for _ in range(3):  # polls, the detail's clocks fetched, ticks: nothing new
            await poll_now(app, pilot)
            assert app.query_one(QueueView).select(incident.id)
            await settle(app, pilot)
            app.dashboard.tick()
        assert alerts() == ["Legal clock 50%"]
        assert bells == [True]
        clock.advance(2 * 3600)  # due now: missed (4/5 passed on the way: only the last is said)
        await until(lambda: len(alerts()) == 2, pilot, what="the breach alert")
        assert alerts() == ["Legal clock 50%", "Legal clock missed"]
        assert bells == [True, True]
        app.dashboard.tick()
        assert len(alerts()) == 2


async def test_clock_alerts_can_be_turned_off_and_the_bell_alone(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    regulator_intake(demo_server)
    quiet = DashboardOptions(clock_bell=False)
    app = make_app(demo_server.url, clock, options=quiet)
    bells: list[bool] = []
    app.bell = lambda: bells.append(True)  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        clock.advance(4 * 3600)
        await until(lambda: any(n.title == "Legal clock missed" for n in app.notices), pilot)
        assert bells == []
