"""Snapshot tests: the dashboard as pictures, at 80x24 and 160x48, frozen clock, fixed data.

A changed snapshot is reviewed in the SVG report (`pytest --snapshot-report`),
not blindly updated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from rr_tui.app import RrApp
from rr_tui.models import IncidentCreate, Role
from rr_tui.server.api import create_app
from rr_tui.server.runner import ServerThread
from rr_tui.server.store import Actor
from rr_tui.widgets.queue import QueueView
from tests.conftest import TEST_USERS, FakeClock, RunningServer, drained, make_app, poll_now, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
SnapCompare = Callable[..., bool]


def settled(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A run_before that waits for the first poll, presses keys, and waits again."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, RrApp)
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_dashboard(
    snap_compare: SnapCompare, demo_server: RunningServer, clock: FakeClock, size: Any
) -> None:
    app = make_app(demo_server.url, clock)
    assert snap_compare(app, terminal_size=size, run_before=settled())


@pytest.mark.parametrize("size", SIZES)
def test_detail_and_timeline(
    snap_compare: SnapCompare, demo_server: RunningServer, clock: FakeClock, size: Any
) -> None:
    app = make_app(demo_server.url, clock)
    # Third row, opened: at 80x24 the side column replaces the queue.
    assert snap_compare(app, terminal_size=size, run_before=settled("down", "down", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_stakeholder_search(
    snap_compare: SnapCompare, demo_server: RunningServer, clock: FakeClock, size: Any
) -> None:
    app = make_app(demo_server.url, clock)
    assert snap_compare(app, terminal_size=size, run_before=settled("/", *"legal ph"))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("revealed", [False, True], ids=["masked", "revealed"])
def test_sensitive_incident(
    snap_compare: SnapCompare,
    demo_server: RunningServer,
    clock: FakeClock,
    size: Any,
    revealed: bool,
) -> None:
    with demo_server.store.write() as tx:
        tx.create(
            IncidentCreate(
                title="Footage of the Bangkok mall attack re-uploaded with new captions",
                summary="Graphic footage; hashes shared with partners.",
                severity="SEV0",
                category="violent_extremism",
                region="TH",
                source="trusted_flagger",
                sensitive=True,
            ),
            Actor("lee.lead", Role.LEAD),
        )
    app = make_app(demo_server.url, clock)
    keys = ("home", "v") if revealed else ("home",)
    assert snap_compare(app, terminal_size=size, run_before=settled(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_offline(snap_compare: SnapCompare, tmp_path: Path, clock: FakeClock, size: Any) -> None:
    from rr_tui.server.seed import seed_demo
    from rr_tui.server.store import Store

    store = Store.open(f"sqlite:///{tmp_path / 'o.db'}", sqlite_sync="normal", clock=clock)
    seed_demo(store)
    server = ServerThread(create_app(store, TEST_USERS)).start()
    app = make_app(server.url, clock)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(app, pilot)
        server.stop()
        for _ in range(3):
            clock.advance(20)
            await poll_now(app, pilot)
        app.dashboard.tick()
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=size, run_before=run_before)
    finally:
        server.stop()
        store.close()


# --- the triage dialogs ---------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(("3",), id="reason"),
        pytest.param(("n", *"Partner NGO confirms"), id="note"),
        pytest.param(("I", *"pri"), id="assign"),
        pytest.param(("e", "down", "space"), id="escalate"),
        pytest.param(("question_mark",), id="help"),
        pytest.param(("space", "down", "space", "r", *"done", "ctrl+s"), id="confirm_bulk"),
    ],
)
def test_dialog(
    snap_compare: SnapCompare,
    demo_server: RunningServer,
    clock: FakeClock,
    size: Any,
    keys: tuple[str, ...],
) -> None:
    app = make_app(demo_server.url, clock)
    assert snap_compare(app, terminal_size=size, run_before=settled("down", "down", *keys))


@pytest.mark.parametrize("size", SIZES)
def test_conflict_dialog(
    snap_compare: SnapCompare, demo_server: RunningServer, clock: FakeClock, size: Any
) -> None:
    from rr_tui.models import IncidentPatch

    app = make_app(demo_server.url, clock)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(app, pilot)
        await pilot.press("down", "down")
        selected = app.dashboard.query_one(QueueView).selected_id
        assert selected is not None
        with demo_server.store.write() as tx:
            current = tx.get(selected)
            tx.patch(
                selected,
                IncidentPatch(assignee="oth.er", reason="taking this one"),
                Actor("lee.lead", Role.LEAD),
                current.version,
            )
        await pilot.press("a" if app.store.get(selected).status == "new" else "i")  # type: ignore[union-attr]
        await drained(app, pilot)
        assert app.triage.conflicts
        await pilot.press("C")  # the review opens when the user asks, never by itself

    assert snap_compare(app, terminal_size=size, run_before=run_before)
