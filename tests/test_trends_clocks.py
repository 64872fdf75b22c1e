"""Legal deadlines met in the trends: counted in the database, agreeing with `milestones`.

One clock of each ending, on a store with a frozen clock: met on time, met late,
running past due, paused past due, cancelled, and one on an incident opened before
the window. The endpoint counts them the way `clock_outcomes` reads the timeline.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from rr_tui.deadlines.wire import ClockResult, ClockStep
from rr_tui.models import Bucket, Grouping, Severity, Trends, trends_from
from rr_tui.reports import fetch_trends
from rr_tui.server.api import create_app
from rr_tui.server.runner import ServerThread
from rr_tui.server.store import Store
from tests.conftest import ANALYST, LEAD, TEST_USERS, FakeClock, RunningServer, store_url
from tests.test_api import create
from tests.test_clocks_api import start, step
from tests.test_pd_clocks import Desk, desk  # noqa: F401 (the fixture)

RULE = "eu-tco-removal"
"""A one-hour, pausable clock for violent extremism in EU markets."""


@pytest.fixture
def timed(tmp_path: Path, clock: FakeClock) -> Iterator[RunningServer]:
    """The reference server over an empty store whose time is `clock`."""
    with store_url(tmp_path) as url:
        store = Store.open(url, sqlite_sync="normal", clock=clock)
        with ServerThread(create_app(store, TEST_USERS)) as thread:
            yield RunningServer(thread.url, store)
        store.close()


def _clock(client: httpx.Client, severity: str) -> ClockResult:
    incident = create(client, severity=severity, region="DE", source="user_report")
    response = start(client, incident, RULE)
    assert response.status_code == 201, response.text
    return ClockResult.model_validate_json(response.content)


def _step(client: httpx.Client, result: ClockResult, name: str, **body: Any) -> ClockResult:
    response = step(client, result, name, **body)
    assert response.status_code == 200, response.text
    return ClockResult.model_validate_json(response.content)


def _trends(client: httpx.Client, hours: int) -> dict[Severity, tuple[int | None, int | None]]:
    response = client.get("/analytics/trends", params={"hours": hours, "group": "severity"})
    assert response.status_code == 200, response.text
    trends = Trends.model_validate_json(response.content)
    return {band.severity: (band.clocks_met, band.clocks_missed) for band in trends.severities}


def test_clocks_met_and_missed_per_severity_within_the_window(
    timed: RunningServer, clock: FakeClock
) -> None:
    with timed.client(LEAD) as lead, timed.client(ANALYST) as analyst:
        before = _clock(lead, "SEV3")
        _step(lead, before, "met", evidence="removed")
        clock.advance(3 * 3600)

        on_time = _clock(lead, "SEV1")
        late = _clock(lead, "SEV1")
        overdue = _clock(lead, "SEV1")
        paused = _clock(lead, "SEV1")
        cancelled = _clock(lead, "SEV2")
        _step(lead, on_time, "met", evidence="removed within the hour")
        _step(lead, paused, "pause", reason="order unclear: asked the authority")
        _step(lead, cancelled, "cancel", reason="started in error")
        clock.advance(2 * 3600)  # every one-hour clock still open is past due
        _step(lead, late, "met", evidence="removed, late")

        # Opened 5 h ago: outside a 4 h window, inside a day.
        recent = _trends(analyst, 4)
        assert recent[Severity.SEV1] == (1, 2)  # met; met late and running past due missed
        assert recent[Severity.SEV2] == (0, 0)  # cancelled: neither
        assert recent[Severity.SEV3] == (0, 0)
        assert _trends(lead, 24)[Severity.SEV3] == (1, 0)
        assert _trends(analyst, 24)[Severity.SEV1] == (1, 2)
        assert analyst.get("/analytics/trends").status_code == 200
    with timed.client(None) as nobody:
        assert nobody.get("/analytics/trends").status_code == 401
    assert overdue.clock.state.value == "running"  # missed by itself, never written


def test_client_side_clocks_agree_with_the_database(timed: RunningServer, clock: FakeClock) -> None:
    with timed.client(LEAD) as lead:
        met = _clock(lead, "SEV0")
        _clock(lead, "SEV0")
        _step(lead, met, "met", evidence="removed")
        clock.advance(2 * 3600)
        served = Trends.model_validate_json(
            lead.get("/analytics/trends", params={"hours": 24}).content
        )
    incidents = timed.store.open_incidents()
    timelines = {i.id: timed.store.timeline(i.id) for i in incidents}
    since = clock.now - timedelta(hours=24)
    mine = trends_from(
        incidents, timelines, since=since, until=clock.now, bucket=Bucket.DAY, group=Grouping.REGION
    )
    ours = [(b.clocks_met, b.clocks_missed) for b in mine.severities]
    assert ours == [(b.clocks_met, b.clocks_missed) for b in served.severities]
    assert ours[0] == (1, 1)
    # Without the timelines (and no clocks given), the client cannot say: not available.
    blind = trends_from(
        incidents, {}, since=since, until=clock.now, bucket=Bucket.DAY, group=Grouping.REGION
    )
    assert {(b.clocks_met, b.clocks_missed) for b in blind.severities} == {(None, None)}


async def test_a_pagerduty_profile_counts_the_clocks_of_its_clock_file(
    desk: Desk,  # noqa: F811 (the fixture imported above)
) -> None:
    met = desk.fake.add_incident("Takedown order 5/2020: CSAM links", desk.service)
    desk.fake.add_incident("Takedown order 6/2020: more links", desk.service)
    backend = desk.backend()
    full = await backend.changes(None)  # intake starts a 4 h clock on each
    shown = next(i for i in full.items if i.id == met)
    [clock] = await backend.clocks(met)
    await backend.step_clock(met, clock.id, ClockStep(step="met", evidence="removed"), 1, "k")
    desk.clock.advance(5 * 3600)  # the other is now past due, never met
    trends, note = await fetch_trends(backend, 24, Bucket.DAY, Grouping.SEVERITY)
    assert note is not None
    assert "legal clocks from its clocks" in note
    band = next(b for b in trends.severities if b.severity is shown.severity)
    assert (band.clocks_met, band.clocks_missed) == (1, 1)
