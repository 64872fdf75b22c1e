"""Issue 11, the dashboard side: the outbox trusted with the wrong server, two dashboards,
a full or damaged disk, a kill during a conflict, private files, old keys, a bulk drain.

The service and the sender run without Textual against the real reference server.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partialmethod
from pathlib import Path

import pytest

from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.models import IncidentPatch, Me, Role, Status
from rr_tui.sync.actions import Drainer
from rr_tui.sync.outbox import Action, ActionKind, ActionState, Outbox
from rr_tui.sync.outbox_file import OutboxUnusable
from rr_tui.sync.outcomes import Stale, TriageEvent
from rr_tui.sync.store import IncidentStore
from rr_tui.sync.triage import TriageService, patch_action
from tests.conftest import ANALYST, LEAD, RunningServer


def note(incident_id: str, text: str) -> Action:
    return Action(ActionKind.NOTE, incident_id, {"text": text}, label=f"note: {text}")


class Side:
    """One dashboard's sync side: its store, triage service and sender, on a shared outbox."""

    def __init__(self, url: str, outbox: Path | None, token: str = LEAD) -> None:
        self.backend = RrHttpBackend(url, token, name="rr test", timeout=5.0)
        self.store = IncidentStore()
        self.outbox = Outbox(outbox)
        self.triage = TriageService(self.store, self.outbox)
        self.drainer = Drainer(self.backend, self.triage)
        self.events: list[TriageEvent] = []

    async def load(self) -> None:
        changes = await self.backend.changes(None)
        self.store.apply(changes.items, reset=True)
        self.triage.me = await self.backend.me()

    async def drain(self) -> float | None:
        return await self.drainer.run(self.events.append)

    async def close(self) -> None:
        await self.backend.aclose()
        self.outbox.close()


@pytest.fixture
async def side(demo_server: RunningServer, tmp_path: Path) -> AsyncIterator[Side]:
    one = Side(demo_server.url, tmp_path / "outbox.db")
    await one.load()
    yield one
    await one.close()


def notes_on(server: RunningServer, incident_id: str, text: str) -> list[str]:
    """The authors of every note with `text` on the server's timeline."""
    events = server.store.timeline(incident_id)
    return [e.actor for e in events if e.kind == "note" and e.message == text]


# --- 10: an action goes only to the backend and user it was made for ---------------------


async def test_actions_queued_for_another_backend_are_held_not_sent(
    side: Side, demo_server: RunningServer
) -> None:
    """Failed before: the note made on "prod" was sent to the server behind the same port."""
    target = side.store.row(0).id
    side.triage.me = Me(name="lee.lead", role=Role.LEAD, instance="prod-epoch")
    assert side.triage.submit([note(target, "made on prod")]).sent == 1
    await side.drain()
    assert notes_on(demo_server, target, "made on prod") == []
    (held,) = side.triage.conflicts
    assert "made for prod-epoch/lee.lead" in held.reason
    assert not side.triage.pending
    # The user resends it here on purpose: then it goes, once, as this user.
    side.triage.decide(held.action.id, reapply=True)
    await side.drain()
    assert notes_on(demo_server, target, "made on prod") == ["lee.lead"]
    assert side.outbox.get(held.action.id).state is ActionState.DROPPED  # type: ignore[union-attr]


# --- 11: two dashboards on one HOME ---------------------------------------------------------


async def test_two_dashboards_on_one_outbox_send_each_action_once_as_its_author(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    """Failed before: each sent the other's notes too, with its own token (twice, wrong user)."""
    path = tmp_path / "outbox.db"
    lead, analyst = Side(demo_server.url, path, LEAD), Side(demo_server.url, path, ANALYST)
    try:
        await lead.load()
        await analyst.load()
        ids = [lead.store.row(n).id for n in range(4)]
        lead.triage.submit([note(ids[0], "lead one"), note(ids[1], "lead two")])
        analyst.triage.submit([note(ids[2], "analyst one"), note(ids[3], "analyst two")])
        await asyncio.gather(lead.drain(), analyst.drain())
        await asyncio.gather(lead.drain(), analyst.drain())
        for incident_id, text, author in [
            (ids[0], "lead one", "lee.lead"),
            (ids[1], "lead two", "lee.lead"),
            (ids[2], "analyst one", "ana.lyst"),
            (ids[3], "analyst two", "ana.lyst"),
        ]:
            assert notes_on(demo_server, incident_id, text) == [author]
        assert lead.triage.waiting == analyst.triage.waiting == 0
    finally:
        await lead.close()
        await analyst.close()


async def test_the_second_dashboard_of_one_user_shows_its_actions_done(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    """Failed before: the one that did not send kept showing `↻ 2 waiting` for ever."""
    path = tmp_path / "outbox.db"
    first, second = Side(demo_server.url, path), Side(demo_server.url, path)
    try:
        await first.load()
        await second.load()
        assert first.outbox.claim(first.triage.origin)
        target = first.store.row(0).id
        second.triage.submit([note(target, "from the second"), note(target, "and again")])
        assert await second.drain() is not None  # another sends: it looks again later
        assert second.triage.waiting == 2
        await first.drain()
        await second.drain()
        assert second.triage.waiting == 0
        assert notes_on(demo_server, target, "from the second") == ["lee.lead"]
    finally:
        await first.close()
        await second.close()


# --- 12: a full disk, a damaged outbox, a read-only state directory ---------------------------


async def test_a_full_disk_while_recording_an_answer_pauses_sending(
    side: Side, demo_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Failed before: the sqlite3 error escaped the sender (a worker crash, a lost answer)."""
    target = side.store.row(0).id
    side.triage.submit([note(target, "disk full")])

    def full(*_args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(side.outbox, "finish", full)
    assert await side.drain() is not None
    assert any("cannot be written" in getattr(e, "note", "") for e in side.events)
    assert side.outbox.count_waiting() == 1
    monkeypatch.undo()
    await side.drain()  # room again: sent with the same key, applied once
    assert notes_on(demo_server, target, "disk full") == ["lee.lead"]
    assert side.outbox.count_waiting() == 0


def test_a_failed_commit_reports_the_real_error_not_cannot_rollback(tmp_path: Path) -> None:
    """Failed before: a full disk at COMMIT came out as "cannot rollback"."""
    outbox = Outbox(tmp_path / "outbox.db")
    pages = outbox._db.execute("PRAGMA page_count").fetchone()[0]
    outbox._db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        outbox.add(*(note("RR-1", "x" * 2000) for _ in range(50)))
    outbox.close()


def torn(path: Path) -> None:
    """Overwrite one page in the middle of the file with garbage, as a torn write would."""
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek((size // 4096 // 2) * 4096)
        file.write(os.urandom(4096))


@pytest.mark.parametrize("damage", ["random bytes", "torn page", "directory"])
def test_a_damaged_outbox_is_moved_aside_and_what_it_held_recovered(
    tmp_path: Path, damage: str
) -> None:
    """Failed before: a raw DatabaseError (or IsADirectoryError) stopped the dashboard."""
    path = tmp_path / "state" / "outbox.db"
    if damage == "directory":
        path.mkdir(parents=True)
    else:
        outbox = Outbox(path)
        outbox.add(*(note(f"RR-{n}", "n" * 200) for n in range(300)))
        outbox._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        outbox.close()
        if damage == "random bytes":
            path.write_bytes(os.urandom(8192))
        else:
            torn(path)
    reopened = Outbox(path)
    assert str(path) in reopened.recovered
    assert list(path.parent.glob("outbox.db.damaged-*"))
    if damage == "torn page":
        assert 200 < reopened.count_waiting() < 300
    reopened.add(note("RR-1", "works again"))
    reopened.close()


def test_a_state_directory_it_cannot_write_exits_non_zero(
    demo_server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failed before: a raw PermissionError traceback."""
    from rr_tui.launch import run_dashboard
    from rr_tui.options import DashboardOptions

    # As root a chmod stops nothing: a file where the state directory should be does.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    backend = RrHttpBackend(demo_server.url, LEAD, name="rr test")
    assert run_dashboard(backend, DashboardOptions(), blocker / "state" / "outbox.db") == 1
    assert "rr-tui: cannot keep state" in capsys.readouterr().err


# --- 13: a conflict open at exit is offered again -------------------------------------------


async def test_a_conflict_open_when_killed_is_offered_again_and_decided_once(
    side: Side, tmp_path: Path
) -> None:
    """Failed before: the next start dropped it silently."""
    held = side.store.row(0)
    action = patch_action(held, IncidentPatch(status=Status.ACKNOWLEDGED, reason="seen"), "ack")
    side.triage.submit([action])
    someone = held.model_copy(update={"assignee": "oth.er", "version": held.version + 1})
    stored = side.triage.next_waiting()
    assert stored is not None
    side.triage.settle(stored, Stale(someone))
    assert len(side.triage.conflicts) == 1
    # Killed here; the next start:
    again = TriageService(side.store, Outbox(tmp_path / "outbox.db"))
    again.resume()
    (offered,) = again.conflicts
    assert offered.action.id == action.id
    again.decide(action.id, reapply=False)
    assert again.outbox.get(action.id).state is ActionState.DROPPED  # type: ignore[union-attr]
    third = TriageService(side.store, Outbox(tmp_path / "outbox.db"))
    third.resume()
    assert third.conflicts == ()


# --- 17: private files, finished rows purged -----------------------------------------------


def test_state_files_are_private_and_finished_actions_purged(tmp_path: Path) -> None:
    """Failed before: 0644 files in 0755 directories, every note kept for ever."""
    from rr_tui.logs import configure_logging
    from rr_tui.server.build import database_url

    path = tmp_path / "state" / "outbox.db"
    outbox = Outbox(path)
    old = datetime.now(UTC) - timedelta(days=40)
    done, waiting = note("RR-1", "old done"), note("RR-2", "old waiting")
    outbox.add(
        replace(done, created_at=old, state=ActionState.DONE), replace(waiting, created_at=old)
    )
    outbox.close()
    configure_logging(tmp_path / "state" / "rr-tui.log")
    database_url(str(tmp_path / "data" / "server.db"))
    for private in [path, tmp_path / "state" / "rr-tui.log", tmp_path / "data" / "server.db"]:
        assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
        assert stat.S_IMODE(private.parent.stat().st_mode) == 0o700, private.parent
    reopened = Outbox(path)
    assert reopened.get(done.id) is None
    assert reopened.get(waiting.id) is not None
    reopened.close()


# --- 18: an action older than the backend's key retention ------------------------------------


async def test_an_action_tried_before_the_key_expired_is_held_not_resent(
    side: Side, demo_server: RunningServer
) -> None:
    """Failed before: sent blindly eight days later (the server had forgotten its key)."""
    target = side.store.row(0).id
    stored = side.outbox.add(
        replace(
            note(target, "eight days old"),
            created_at=datetime.now(UTC) - timedelta(days=8),
            attempts=1,
            origin=side.triage.origin,
        )
    )[0]
    fresh = side.outbox.add(replace(note(target, "never tried"), origin=side.triage.origin))[0]
    side.triage.resume()
    await side.drain()
    assert notes_on(demo_server, target, "eight days old") == []
    assert notes_on(demo_server, target, "never tried") == ["lee.lead"]
    (held,) = side.triage.conflicts
    assert held.action.id == stored.id
    assert "remembers its key" in held.reason
    assert fresh.id != stored.id


# --- 19: a bulk drain, and what is made after it --------------------------------------------


def test_a_single_action_after_a_bulk_goes_before_the_rest_of_the_bulk(tmp_path: Path) -> None:
    """Failed before: the escalation waited behind every acknowledgement of the bulk."""
    outbox = Outbox(tmp_path / "outbox.db")
    bulk = [replace(note(f"RR-{n}", "ack"), batch="bulk") for n in range(1, 50)]
    outbox.add(*bulk)
    alone = outbox.add(note("RR-99", "escalate"))[0]
    same = outbox.add(note("RR-1", "after the bulk's own RR-1"))[0]
    assert outbox.next_waiting("") == alone
    outbox.finish(alone.id, ActionState.DONE)
    # On an incident of the bulk, the user's order is kept: the bulk's RR-1 goes first.
    assert outbox.next_waiting("").id == bulk[0].id  # type: ignore[union-attr]
    outbox.finish(bulk[0].id, ActionState.DONE)
    assert outbox.next_waiting("").id == same.id  # type: ignore[union-attr]
    outbox.close()


def test_while_one_change_to_an_incident_is_on_its_way_the_next_one_waits(tmp_path: Path) -> None:
    """Several sends in flight, never two on one incident (the user's order on each)."""
    outbox = Outbox(tmp_path / "outbox.db")
    first, second, other = outbox.add(note("RR-1", "a"), note("RR-1", "b"), note("RR-2", "c"))
    assert outbox.next_waiting("", skip=[first.id]) == other
    assert outbox.next_waiting("", skip=[first.id, other.id]) is None
    outbox.finish(first.id, ActionState.DONE)
    assert outbox.next_waiting("", skip=[other.id]) == second
    outbox.close()


def test_a_full_disk_when_the_user_drops_or_undoes_is_told_not_raised(
    side: Side, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neighbour of item 12: `decide` and `undo` write the outbox from a key press."""
    held = side.store.row(0)
    patch = IncidentPatch(severity=held.severity, reason="again")
    side.triage.submit([patch_action(held, patch, "severity")])
    stored = side.triage.next_waiting()
    assert stored is not None
    side.triage.settle(stored, Stale(held.model_copy(update={"assignee": "oth.er"})))

    def full(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(side.outbox, "finish", full)
    result = side.triage.decide(stored.id, reapply=False)
    assert "disk is full" in result.refused[0][1]
    assert len(side.triage.conflicts) == 1  # still offered: nothing was recorded
    side.triage.submit([patch_action(held, patch, "severity")])
    assert "disk is full" in str(side.triage.undo())


def test_a_busy_outbox_is_not_taken_for_a_damaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neighbour of item 12: "database is locked" (another dashboard writing) is no damage."""
    path = tmp_path / "outbox.db"
    Outbox(path).close()

    def busy(self: Outbox) -> sqlite3.Connection:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Outbox, "_open", busy)
    with pytest.raises(OutboxUnusable, match="locked"):
        Outbox(path)
    assert not list(tmp_path.glob("outbox.db.damaged-*"))


def test_a_dashboard_that_crashed_exits_non_zero(
    demo_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Failed before: the process exited 0 after a traceback."""
    from textual.app import App

    from rr_tui.app import RrApp
    from rr_tui.launch import run_dashboard
    from rr_tui.options import DashboardOptions

    def crash(self: RrApp) -> None:
        raise RuntimeError("a bug at start")

    monkeypatch.setattr(RrApp, "on_mount", crash)
    monkeypatch.setattr(RrApp, "run", partialmethod(App.run, headless=True))
    backend = RrHttpBackend(demo_server.url, LEAD, name="rr test")
    assert run_dashboard(backend, DashboardOptions(), tmp_path / "outbox.db") == 1


def test_dashboards_started_at_once_on_a_new_outbox_all_open_it(tmp_path: Path) -> None:
    """Neighbour of the seeding race seen in CI: two terminals on one account started
    together both switch a new outbox to WAL; neither may refuse to start."""
    openers = 4
    for round_no in range(25):
        path = tmp_path / f"outbox{round_no}.db"
        start = threading.Barrier(openers)

        def open_it(_: int, path: Path = path, start: threading.Barrier = start) -> str:
            start.wait()
            outbox = Outbox(path)
            outbox.close()
            return "opened"

        with ThreadPoolExecutor(openers) as pool:
            assert list(pool.map(open_it, range(openers))) == ["opened"] * openers
