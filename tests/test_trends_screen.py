"""The trends screen (`T`) against the seeded server at a frozen time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.widgets import Sparkline

from rr_tui import deadlines
from rr_tui.deadlines.wire import ClockResult
from rr_tui.options import HIGH_CONTRAST_THEME, DashboardOptions
from rr_tui.screens.trends import TrendsScreen
from tests.conftest import LEAD, DashboardFactory, FakeClock, RunningServer, make_app
from tests.test_clocks_api import start, step
from tests.test_snapshots import SIZES, SnapCompare, settled


def start_clocks(server: RunningServer, clock: FakeClock, count: int = 6) -> None:
    """Legal clocks on the newest incidents a rule applies to, in turn met on time, left
    running past due, and met late (the demo itself starts none)."""
    catalogue = deadlines.load()
    newest = sorted(server.store.open_incidents(), key=lambda i: i.created_at, reverse=True)
    started = 0
    with server.client(LEAD) as lead:
        for incident in newest:
            rules = catalogue.applying(incident.region, incident.category)
            if not rules or started == count:
                continue
            rule = min(rules, key=lambda rule: rule.duration)
            kind = started % 3  # 0: met on time, 1: running past due, 2: met late
            trigger = clock.now - (rule.duration * 2 if kind else timedelta(0))
            response = start(lead, incident, rule.id, trigger_at=trigger.isoformat())
            assert response.status_code == 201, response.text
            if kind != 1:
                result = ClockResult.model_validate_json(response.content)
                assert step(lead, result, "met", evidence="done").status_code == 200
            started += 1
    assert started == count


async def test_t_shows_the_trends_and_g_regroups(dashboard: DashboardFactory) -> None:
    async with dashboard(size=(80, 24)) as d:
        await d.press("T")
        assert isinstance(d.screen, TrendsScreen)
        await d.until(lambda: "by market (g)" in d.text(), "trends read")
        assert sum(d.screen.query_one(Sparkline).data or []) > 0
        assert "clocks met" in d.text()
        assert "SEV0" in d.text()
        await d.press("g")
        await d.until(lambda: "by category (g)" in d.text(), "regrouped")
        await d.press("escape")
        assert d.on_dashboard()


@pytest.mark.parametrize("size", SIZES)
def test_trends_screen(
    snap_compare: SnapCompare, demo_server: RunningServer, clock: FakeClock, size: Any
) -> None:
    start_clocks(demo_server, clock)

    async def read(pilot: Any) -> None:
        await settled("T")(pilot)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(demo_server.url, clock), terminal_size=size, run_before=read)


def test_trends_screen_on_the_high_contrast_theme(
    snap_compare: SnapCompare, demo_server: RunningServer, clock: FakeClock
) -> None:
    """Issue 16: the charts are readable on the high-contrast theme, at 80x24."""
    start_clocks(demo_server, clock)
    options = DashboardOptions(title="RR · APAC shift", theme=HIGH_CONTRAST_THEME)

    async def read(pilot: Any) -> None:
        await settled("T")(pilot)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    app = make_app(demo_server.url, clock, options=options)
    assert snap_compare(app, terminal_size=(80, 24), run_before=read)
