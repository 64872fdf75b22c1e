"""Protocols on a PagerDuty profile: the local keeper, the adapter on a fake PagerDuty, `K`.

The keeper on its own file (activate, tick, a step that starts a clock in the
same transaction, retries, two terminals, a schema-1 file migrated); the
adapter against the fake PagerDuty on loopback (each activation and tick a
note, the progress in the queue's `protocol`, a note that fails is told and
the tick kept); the dashboard from the keyboard on a PagerDuty profile.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rr_tui import deadlines
from rr_tui.app import RrApp
from rr_tui.backends.base import Rejected
from rr_tui.backends.pagerduty import local_protocols
from rr_tui.backends.pagerduty.clock_file import _MIGRATIONS, SCHEMA_VERSION
from rr_tui.backends.pagerduty.local_clocks import NOTE_PREFIX, LocalClocks
from rr_tui.backends.pagerduty.local_protocols import PROTOCOL_PREFIX, LocalProtocols
from rr_tui.deadlines import ProtocolError
from rr_tui.deadlines.protocol_wire import ProtocolActivate, ProtocolTick
from rr_tui.deadlines.wire import ClockStart
from rr_tui.models import EventKind
from rr_tui.options import DashboardOptions
from rr_tui.screens.protocol_dialog import ProtocolDialog
from rr_tui.server.runner import ServerThread
from rr_tui.sync.protocol_desk import ProtocolKeeping
from rr_tui.widgets.protocols import ProtocolsPane
from tests.conftest import SHIFT_START, FakeClock, screen_text, settle, until
from tests.fake_pagerduty import FakePagerDuty
from tests.test_pd_clocks import ME, Desk, RefuseNotes, incident

CATALOGUE = deadlines.load()
CSAM = ProtocolActivate(protocol="child-safety")


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    """A fake PagerDuty on loopback, its regulator service mapped to Indonesia (as for clocks)."""
    fake = FakePagerDuty()
    me = fake.add_user("Mei Tan", ME)
    fake.add_priorities("P1", "P2", "P3", "P4", "P5")
    service = fake.add_service("Kominfo takedown orders")
    with ServerThread(fake.app()) as thread:
        clock = FakeClock(datetime.now(UTC))
        yield Desk(fake, thread.url, me, service, clock, tmp_path / "pd-clocks.db")


def keepers(path: Path | None) -> tuple[LocalClocks, LocalProtocols]:
    clocks = LocalClocks(path, CATALOGUE, SHIFT_START)
    return clocks, LocalProtocols(clocks)


def protocol_notes(fake: FakePagerDuty, incident_id: str) -> list[str]:
    notes = fake.notes[incident_id]
    return [n["content"] for n in notes if n["content"].startswith(PROTOCOL_PREFIX)]


# --- the keeper on its own ------------------------------------------------------------------


def test_activate_tick_and_a_step_that_starts_a_clock(tmp_path: Path) -> None:
    clocks, protocols = keepers(tmp_path / "c.db")
    target = incident()
    run = protocols.activate(target, CSAM, by=ME, now=SHIFT_START, key="a").run
    assert run.id > 0
    assert protocols.progress(target.id) == "CSAM 0/5"
    with pytest.raises(ProtocolError, match="already active"):
        protocols.activate(target, CSAM, by=ME, now=SHIFT_START, key="a2")
    report = ProtocolTick(step="ncmec-report", note="CyberTipline 123")
    ticked = protocols.tick(target, run.id, report, by=ME, now=SHIFT_START, key="t")
    assert ticked.clock is not None
    assert ticked.clock.rule.id == "us-ncmec-report"
    assert ticked.run.ticked("ncmec-report").clock_id == ticked.clock.id  # type: ignore[union-attr]
    assert clocks.deadline(target.id) == (ticked.clock.due_at, "us-ncmec-report")
    assert protocols.progress(target.id) == "CSAM 1/5"
    retry = protocols.tick(target, run.id, report, by=ME, now=SHIFT_START, key="t")
    assert retry.replayed
    assert len(clocks.clocks(target.id, SHIFT_START)) == 1
    with pytest.raises(ProtocolError, match="was ticked by"):
        protocols.tick(target, run.id, report, by=ME, now=SHIFT_START, key="t2")
    undo = ProtocolTick(step="ncmec-report", done=False, note="in error")
    protocols.tick(target, run.id, undo, by=ME, now=SHIFT_START, key="u")
    # Ticked again: the clock it started still runs, so none is started twice.
    again = protocols.tick(target, run.id, report, by=ME, now=SHIFT_START, key="t3")
    assert again.clock is None
    assert len(clocks.clocks(target.id, SHIFT_START)) == 1
    # Every write has its note waiting for PagerDuty: three protocol ones and the clock's.
    notes = clocks.claim_notes(SHIFT_START)
    assert [n.table for n in notes] == ["steps"] + ["protocol_steps"] * 4
    assert notes[0].note.startswith(f"{NOTE_PREFIX}us-ncmec-report started")
    assert notes[2].note == (
        f"{PROTOCOL_PREFIX}child-safety ncmec-report ticked — started us-ncmec-report "
        "(CSAM 1/5) — CyberTipline 123"
    )
    # Kept across a reopen.
    _, reopened = keepers(tmp_path / "c.db")
    assert [r.progress for r in reopened.runs(target.id)] == ["CSAM 1/5"]


def test_a_tick_whose_note_cannot_be_stored_starts_no_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tick and the clock it starts are one transaction: both stored, or neither."""
    clocks, protocols = keepers(None)
    target = incident()
    run = protocols.activate(target, CSAM, by=ME, now=SHIFT_START, key="a").run

    def full(*_: object) -> str:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(local_protocols, "protocol_note", full)
    with pytest.raises(sqlite3.OperationalError):
        protocols.tick(
            target, run.id, ProtocolTick(step="ncmec-report"), by=ME, now=SHIFT_START, key="t"
        )
    assert clocks.clocks(target.id, SHIFT_START) == []
    assert protocols.runs(target.id)[0].ticks == []


def test_two_terminals_share_the_runs_and_the_second_tick_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    (_, mine), (theirs_clocks, theirs) = keepers(path), keepers(path)
    target = incident()
    run = mine.activate(target, CSAM, by=ME, now=SHIFT_START, key="a").run
    assert theirs.changed_elsewhere() == {target.id}
    assert mine.changed_elsewhere() == set()
    theirs_clocks.refresh()
    assert theirs.progress(target.id) == "CSAM 0/5"
    tick = ProtocolTick(step="restrict")
    theirs.tick(target, run.id, tick, by="arjun", now=SHIFT_START, key="b")
    with pytest.raises(ProtocolError, match="ticked by arjun"):
        mine.tick(target, run.id, tick, by=ME, now=SHIFT_START, key="c")


def test_a_schema_1_file_is_migrated_and_keeps_its_clocks(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(_MIGRATIONS[0])
    old.execute("PRAGMA user_version = 1")
    old.commit()
    old.close()
    clocks = LocalClocks(path, CATALOGUE, SHIFT_START)
    target = incident()
    clocks.start(target, ClockStart(rule="id-permen5-urgent"), by=ME, now=SHIFT_START, key="s")
    clocks.close()
    clocks, protocols = keepers(path)
    assert [c.rule.id for c in clocks.clocks(target.id, SHIFT_START)] == ["id-permen5-urgent"]
    protocols.activate(target, CSAM, by=ME, now=SHIFT_START, key="a")
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION == 2


# --- the adapter against the fake PagerDuty ------------------------------------------------


async def test_each_activation_and_tick_is_noted_and_the_queue_carries_progress(
    desk: Desk,
) -> None:
    order = desk.fake.add_incident("Takedown order: CSAM links", desk.service)
    backend = desk.backend(sources={})
    try:
        assert isinstance(backend, ProtocolKeeping)
        full = await backend.changes(None)
        shown = full.items[0]
        assert shown.protocol is None
        assert [p.id for p in await backend.protocols()][:2] == [
            "livestream-violence",
            "child-safety",
        ]
        active = await backend.activate_protocol(order, CSAM, shown.version, "a")
        assert active.not_recorded == ""
        assert active.incident.protocol == "CSAM 0/5"
        assert active.incident.version > shown.version
        ticked = await backend.tick_protocol(
            order, active.run.id, ProtocolTick(step="ncmec-report"), active.incident.version, "t"
        )
        assert ticked.clock is not None
        assert ticked.incident.protocol == "CSAM 1/5"
        assert ticked.incident.deadline_rule == "us-ncmec-report"
        assert protocol_notes(desk.fake, order) == [
            f"{PROTOCOL_PREFIX}child-safety activated (CSAM 0/5)",
            f"{PROTOCOL_PREFIX}child-safety ncmec-report ticked — started us-ncmec-report "
            "(CSAM 1/5)",
        ]
        clock_note = [n["content"] for n in desk.fake.notes[order]][1]
        assert clock_note.startswith(f"{NOTE_PREFIX}us-ncmec-report started")
        events = await backend.timeline(order)
        kinds = [e.kind for e in events if e.message.startswith(PROTOCOL_PREFIX)]
        assert kinds == [EventKind.PROTOCOL, EventKind.PROTOCOL]
        with pytest.raises(Rejected, match="already active"):
            await backend.activate_protocol(order, CSAM, 1, "a2")
        later = await backend.changes(full.cursor)
        assert all(i.protocol == "CSAM 1/5" for i in later.items if i.id == order)
    finally:
        await backend.aclose()


async def test_a_tick_whose_note_fails_holds_says_so_and_is_noted_at_the_next_poll(
    desk: Desk,
) -> None:
    order = desk.fake.add_incident("Takedown order", desk.service)
    failing = RefuseNotes(status=503)
    backend = desk.backend(sources={}, transport=failing)
    try:
        full = await backend.changes(None)
        active = await backend.activate_protocol(order, CSAM, full.items[0].version, "a")
        assert active.not_recorded.startswith("kept on this machine, but not written")
        assert active.incident.protocol == "CSAM 0/5"
        assert protocol_notes(desk.fake, order) == []
        failing.on = False
        await backend.changes(full.cursor)
        assert protocol_notes(desk.fake, order) == [
            f"{PROTOCOL_PREFIX}child-safety activated (CSAM 0/5)"
        ]
    finally:
        await backend.aclose()


# --- the dashboard on a PagerDuty profile ---------------------------------------------------


async def test_k_activates_and_ticks_a_protocol_on_pagerduty(desk: Desk) -> None:
    order = desk.fake.add_incident("Takedown order: CSAM links", desk.service, priority="P2")
    app = RrApp(
        desk.backend(sources={}),
        DashboardOptions(title="RR · PagerDuty"),
        clock=desk.clock,
        rng=random.Random(7),
        auto_poll=False,
    )

    def dialog() -> ProtocolDialog | None:
        return app.screen if isinstance(app.screen, ProtocolDialog) else None

    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("K")
        await until(dialog, pilot, what="the protocols dialog")
        shown = dialog()
        assert shown is not None
        assert shown.offered[0].label.split()[:2] == ["activate", "Child"]
        await pilot.press("enter")  # activate child-safety: opens again on its first step
        await until(lambda: (d := dialog()) is not None and d.at == 1, pilot, what="again")
        await pilot.press("enter")  # restrict
        await until(lambda: (d := dialog()) is not None and d.at == 2, pilot, what="on preserve")
        await pilot.press("escape")
        pane = app.query_one(ProtocolsPane)
        await until(lambda: len(pane.runs) == 1 and pane.runs[0].done == 1, pilot, what="the pane")
        await settle(app, pilot)
        assert "CSAM 1/5" in screen_text(app)
        stored = app.store.get(order)
        assert stored is not None
        assert stored.protocol == "CSAM 1/5"
    assert protocol_notes(desk.fake, order) == [
        f"{PROTOCOL_PREFIX}child-safety activated (CSAM 0/5) — from the dashboard",
        f"{PROTOCOL_PREFIX}child-safety restrict ticked (CSAM 1/5)",
    ]
