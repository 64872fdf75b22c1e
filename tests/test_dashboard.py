"""The dashboard driven with Pilot against the real reference server on loopback."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from rr_tui.app import RrApp
from rr_tui.models import IncidentCreate, IncidentPatch, Role, Severity
from rr_tui.options import DashboardOptions
from rr_tui.present.masks import QUEUE_MASK
from rr_tui.server.store import Actor
from rr_tui.sync.connection import LinkState
from rr_tui.sync.store import ACTION_ORDER
from rr_tui.widgets.contacts import StakeholderPane
from rr_tui.widgets.detail import IncidentDetail
from rr_tui.widgets.queue import QueueView
from rr_tui.widgets.status import StatusBar
from tests.conftest import (
    DashboardFactory,
    FakeClock,
    RunningServer,
    make_app,
    poll_now,
    screen_text,
    settle,
)

LEAD = Actor("lee.lead", Role.LEAD)


def link_state(app: RrApp) -> LinkState:
    """The connection state now (a function, so mypy does not hold on to an older value)."""
    return app.poller.connection.state


def intake(**overrides: object) -> IncidentCreate:
    data: dict[str, object] = {
        "title": "Attack livestream re-uploads surging",
        "severity": "SEV2",
        "category": "violent_extremism",
        "region": "TH",
        "source": "trusted_flagger",
    }
    data.update(overrides)
    return IncidentCreate.model_validate(data)


async def test_queue_fills_in_severity_and_sla_order(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    async with dashboard() as d:
        app = d.app
        queue = app.query_one(QueueView)
        open_incidents = demo_server.store.open_incidents()
        assert len(app.store) == len(open_incidents)
        shown = list(app.store)
        keys = [(i.severity.rank, ACTION_ORDER[i.status], i.due_at, i.created_at) for i in shown]
        assert keys == sorted(keys)
        assert queue.selected_id == shown[0].id
        assert app.poller.connection.state is LinkState.LIVE
        text = screen_text(app)
        assert shown[0].id in text
        assert f"{len(open_incidents)} open" in text


async def test_cursor_stays_on_its_incident_when_rows_move(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    async with dashboard() as d:
        app, pilot = d.app, d.pilot
        queue = app.query_one(QueueView)
        for _ in range(5):
            await pilot.press("down")
        selected = queue.selected_id
        assert selected is not None
        assert queue.cursor == 5
        # Someone raises an incident from below the cursor to SEV0: it jumps above.
        below = app.store.row(20)
        with demo_server.store.write() as tx:
            current = tx.get(below.id)
            tx.patch(below.id, IncidentPatch(severity=Severity.SEV0), LEAD, current.version)
        await poll_now(app, pilot)
        assert queue.selected_id == selected
        assert queue.cursor == 6
        assert app.store.index_of(below.id) is not None
        assert app.store.index_of(below.id) < 6  # type: ignore[operator]


async def test_selected_incident_leaving_keeps_the_cursor_in_place(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    async with dashboard() as d:
        app, pilot = d.app, d.pilot
        queue = app.query_one(QueueView)
        await pilot.press("down", "down")
        leaving = queue.selected_id
        next_one = app.store.row(3).id
        assert leaving is not None
        with demo_server.store.write() as tx:
            current = tx.get(leaving)
            tx.patch(leaving, IncidentPatch(status="resolved"), LEAD, current.version)
        await poll_now(app, pilot)
        assert queue.cursor == 2
        assert queue.selected_id == next_one


async def test_timeline_shows_and_follows_new_events(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    async with dashboard() as d:
        app, pilot = d.app, d.pilot
        detail = app.query_one(IncidentDetail)
        selected = app.query_one(QueueView).selected_id
        assert selected is not None
        events = demo_server.store.timeline(selected)
        assert detail.last_seq == events[-1].seq
        with demo_server.store.write() as tx:
            tx.add_note(selected, "[b]ok[/b] [@click=app.quit]x[/]", LEAD)
        await poll_now(app, pilot)
        assert detail.last_seq == demo_server.store.timeline(selected)[-1].seq
        text = screen_text(app)
        assert "[b]ok[/b] [@click=app.quit]x[/]" in text
        assert app.is_running


async def test_new_critical_incident_rings_and_toasts(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    app = make_app(demo_server.url, clock)
    bells: list[bool] = []
    app.bell = lambda: bells.append(True)  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        assert not bells  # the initial load is not news
        with demo_server.store.write() as tx:
            created = tx.create(intake(severity="SEV0", title="Live attack stream"), LEAD)
        await poll_now(app, pilot)
        assert bells == [True]
        toasts = [notice.message for notice in app.notices]
        assert any(created.id in message and "Live attack stream" in message for message in toasts)
        # The new row is marked as changed for a few seconds.
        assert created.id in app.query_one(QueueView).flashing


async def test_sensitive_titles_are_masked_until_revealed(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    with demo_server.store.write() as tx:
        graphic = tx.create(
            intake(severity="SEV0", title="Graphic attack footage", sensitive=True), LEAD
        )
    async with dashboard() as d:
        app, pilot = d.app, d.pilot
        assert app.query_one(QueueView).select(graphic.id)
        await settle(app, pilot)
        text = screen_text(app)
        assert "Graphic attack footage" not in text
        assert QUEUE_MASK in text
        await pilot.press("v")
        assert "Graphic attack footage" in screen_text(app)
        await pilot.press("v")
        assert "Graphic attack footage" not in screen_text(app)


async def test_reveal_by_default_is_an_option(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    with demo_server.store.write() as tx:
        tx.create(intake(severity="SEV0", title="Graphic attack footage", sensitive=True), LEAD)
    async with dashboard(options=DashboardOptions(reveal_sensitive=True)) as d:
        app = d.app
        assert "Graphic attack footage" in screen_text(app)


async def test_hostile_title_is_shown_literally_and_does_nothing(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    hostile = "[@click=app.quit]click me[/] [red]x[/red] \x1b]52;c;SGVsbG8=\x07\x1b[2J\u202eevil"
    with demo_server.store.write() as tx:
        created = tx.create(intake(severity="SEV0", title=hostile), LEAD)
    async with dashboard() as d:
        app, pilot = d.app, d.pilot
        assert app.query_one(QueueView).select(created.id)
        await settle(app, pilot)
        text = screen_text(app)
        assert "[@click=app.quit]click me[/] [red]x[/red] ]52;c;SGVsbG8=[2Jevil" in text
        assert "\x1b" not in text
        assert "\u202e" not in text
        await pilot.click(QueueView, offset=(60, 1))
        await pilot.pause()
        assert app.is_running


async def test_stakeholders_relevant_first_with_local_time(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    with demo_server.store.write() as tx:
        created = tx.create(intake(severity="SEV0", region="JP", category="legal_request"), LEAD)
    async with dashboard() as d:
        app, pilot = d.app, d.pilot
        app.query_one(QueueView).select(created.id)
        await settle(app, pilot)
        pane = app.query_one(StakeholderPane)
        first = pane.shown[0]
        assert "JP" in first.regions
        assert first.on_call
        text = screen_text(app)
        assert "15:32 JST" in text  # 06:32 UTC in Tokyo
        assert "JP · legal/regulatory request" in text


async def test_fuzzy_search_answers_as_you_type_and_copies(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    async with dashboard() as d:
        app, pilot = d.app, d.pilot
        await pilot.press("/")
        assert isinstance(app.focused, Input)
        await pilot.press(*"legal jp")
        pane = app.query_one(StakeholderPane)
        assert pane.shown[0].id == "legal-jp-1"
        await pilot.press("enter")
        assert isinstance(app.focused, OptionList)
        await pilot.press("c")
        assert app.clipboard == pane.shown[0].phone
        await pilot.press("m")
        assert app.clipboard == pane.shown[0].email
        await pilot.press("escape")
        assert not pane.searching


async def test_directory_is_cached_for_when_the_backend_is_down(
    demo_server: RunningServer, clock: FakeClock, tmp_path: Path, dashboard: DashboardFactory
) -> None:
    cache = tmp_path / "contacts.json"
    async with dashboard(cache=cache) as d:
        pilot = d.pilot
    assert len(json.loads(cache.read_text())["contacts"]) >= 25
    # Next start, nothing listens at the URL: the directory still answers.
    offline = make_app("http://127.0.0.1:9", clock, cache=cache)
    async with offline.run_test(size=(160, 48)) as pilot:
        await settle(offline, pilot)
        await pilot.press("/")
        await pilot.press(*"ratna")
        assert offline.query_one(StakeholderPane).shown[0].name == "Ratna Wulandari"
        assert "cached" in screen_text(offline) or offline.directory.from_cache


async def test_offline_state_is_told_not_shouted(
    tmp_path: Path, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    from rr_tui.server.api import create_app
    from rr_tui.server.runner import ServerThread
    from rr_tui.server.seed import seed_demo
    from rr_tui.server.store import Store
    from tests.conftest import TEST_USERS

    store = Store.open(f"sqlite:///{tmp_path / 'o.db'}", sqlite_sync="normal", clock=clock)
    seed_demo(store)
    server = ServerThread(create_app(store, TEST_USERS)).start()
    async with dashboard(url=server.url) as d:
        app, pilot = d.app, d.pilot
        rows = len(app.store)
        server.stop()
        clock.advance(5)
        await poll_now(app, pilot)
        assert link_state(app) is LinkState.RETRYING
        assert "retrying in" in str(app.query_one(StatusBar).render())
        clock.advance(40)
        await poll_now(app, pilot)
        assert link_state(app) is LinkState.OFFLINE
        status = str(app.query_one(StatusBar).render())
        assert "offline since 14:32" in status
        assert "data 45s old" in status
        assert len(app.store) == rows  # nothing lost, nothing covered
        assert app.screen is app.dashboard
    store.close()


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_layouts_at_small_and_large_sizes(
    demo_server: RunningServer, clock: FakeClock, size: tuple[int, int], dashboard: DashboardFactory
) -> None:
    async with dashboard(size=size) as d:
        app, pilot = d.app, d.pilot
        queue = app.query_one(QueueView)
        detail = app.query_one(IncidentDetail)
        if size[0] < 120:
            assert detail.region.width == 0
            await pilot.press("enter")
            assert detail.region.width > 0
            assert not queue.region.width
            await pilot.press("escape")
            assert queue.region.width > 0
        else:
            assert queue.region.width > 0
            assert detail.region.width > 0
            assert "CATEGORY" in screen_text(app)


async def test_results_arriving_after_shutdown_do_no_harm(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    """A late poll or an action's answer can come in while the app tears down (seen in CI).

    Workers only post messages to the screen; a screen that is gone drops them.
    """
    from rr_tui.screens.messages import PollArrived, TriageReported
    from rr_tui.sync.outcomes import Submitted
    from rr_tui.sync.store import StoreChange

    async with dashboard() as d:
        app = d.app
        some = next(iter(app.store)).id
    change = StoreChange(updated=frozenset({some}))
    assert not app.dashboard.post_message(PollArrived(change, app.poller.connection, 0))
    assert not app.dashboard.post_message(TriageReported(Submitted(change=change)))
    assert not app.triage.pending


async def test_a_failing_worker_is_logged_shown_and_not_called_live(
    dashboard: DashboardFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in a worker (here: the poll) reaches the log with its traceback, a toast and the
    link state; the dashboard keeps running and polls again."""
    async with dashboard() as d:
        assert link_state(d.app) is LinkState.LIVE
        real = d.app.backend.changes

        async def broken(cursor: str | None) -> object:
            raise KeyError("a field the adapter did not expect")

        d.app.backend.changes = broken  # type: ignore[method-assign,assignment]
        with caplog.at_level(logging.ERROR, logger="rr_tui.app"):
            d.app.poll()
            await d.until(lambda: any("Internal error" in n.title for n in d.app.notices))
        failed = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert failed
        assert failed[0].exc_info is not None
        assert "KeyError" in caplog.text
        assert link_state(d.app) is not LinkState.LIVE
        await d.until(lambda: "● live" not in d.text(), "the status bar to stop saying live")
        d.app.backend.changes = real  # type: ignore[method-assign]
        await d.poll()
        assert link_state(d.app) is LinkState.LIVE
        assert d.app.is_running
