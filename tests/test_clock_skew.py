"""The server's clock decides SLAs: a dashboard whose own clock is off still shows the truth."""

from __future__ import annotations

from datetime import timedelta

from rr_tui.present.format import sla
from tests.conftest import Dashboard, FakeClock, RunningServer, make_app, settle


async def test_a_clock_40m_slow_still_shows_the_breached_sla_and_says_so(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    slow = FakeClock(clock.now - timedelta(minutes=40))
    app = make_app(demo_server.url, slow)
    # One the truth calls breached and the slow clock would not: `-13m!` shown as `26m`.
    breached = next(
        incident
        for incident in demo_server.store.open_incidents()
        if sla(incident, clock.now)[0].endswith("!")
        and sla(incident, slow.now)[0] != sla(incident, clock.now)[0]
    )
    async with app.run_test(size=(160, 48)) as pilot:
        board = Dashboard(app, pilot)
        await settle(app, pilot)
        board.queue.select(breached.id)
        row = next(line for line in board.text().splitlines() if breached.id in line)
        assert sla(breached, clock.now)[0] in row
        assert "⚠ clock 40m slow" in board.text()
