"""The trends screen (`T`) against the seeded server at a frozen time."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Sparkline

from rr_tui.screens.trends import TrendsScreen
from tests.conftest import DashboardFactory, FakeClock, RunningServer, make_app
from tests.test_snapshots import SIZES, SnapCompare, settled


async def test_t_shows_the_trends_and_g_regroups(dashboard: DashboardFactory) -> None:
    async with dashboard(size=(80, 24)) as d:
        await d.press("T")
        assert isinstance(d.screen, TrendsScreen)
        await d.until(lambda: "by market (g)" in d.text(), "trends read")
        assert sum(d.screen.query_one(Sparkline).data or []) > 0
        assert "SEV0" in d.text()
        await d.press("g")
        await d.until(lambda: "by category (g)" in d.text(), "regrouped")
        await d.press("escape")
        assert d.on_dashboard()


@pytest.mark.parametrize("size", SIZES)
def test_trends_screen(
    snap_compare: SnapCompare, demo_server: RunningServer, clock: FakeClock, size: Any
) -> None:
    async def read(pilot: Any) -> None:
        await settled("T")(pilot)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(demo_server.url, clock), terminal_size=size, run_before=read)
