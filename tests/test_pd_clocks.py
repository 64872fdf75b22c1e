"""Legal clocks on a PagerDuty profile: the local keeper, the adapter on a fake PagerDuty, `L`.

The keeper is tested on its own file over a frozen clock (start, every step,
missed by itself, retries, two keepers on one file as two terminals are); the
adapter against the fake PagerDuty on loopback (intake on first sight, each
step a note, a note that fails is told and the step kept, a second terminal
sees the first's steps); the dashboard from the keyboard on a PagerDuty profile.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from rr_tui import deadlines, locations
from rr_tui.app import RrApp
from rr_tui.backends.base import Rejected, Unavailable
from rr_tui.backends.pagerduty import PagerDutyBackend
from rr_tui.backends.pagerduty.clock_file import ClockFileError
from rr_tui.backends.pagerduty.local_clocks import INTAKE_GRACE, NOTE_PREFIX, LocalClocks
from rr_tui.deadlines import ClockError, ClockState
from rr_tui.deadlines.wire import ClockStart, ClockStep
from rr_tui.models import EventKind, Incident, Role
from rr_tui.options import DashboardOptions
from rr_tui.screens.clock_dialog import ClockDialog
from rr_tui.screens.dialogs import TextPrompt
from rr_tui.server.runner import ServerThread
from rr_tui.sync.clock_desk import ClockBackend
from rr_tui.widgets.clocks import ClocksPane
from tests.conftest import SHIFT_START, FakeClock, screen_text, settle, until
from tests.fake_pagerduty import TOKEN, FakePagerDuty

ME = "mei.tan@example.com"
CATALOGUE = deadlines.load()


def incident(incident_id: str = "PI00001", **fields: Any) -> Incident:
    """An incident as the adapter maps one: Indonesia, child safety, from a regulator."""
    values: dict[str, Any] = {
        "id": incident_id,
        "title": "Takedown order: abuse material re-uploads",
        "severity": "SEV1",
        "status": "new",
        "category": "child_safety",
        "region": "ID",
        "source": "regulator",
        "created_at": SHIFT_START,
        "updated_at": SHIFT_START,
        "due_at": SHIFT_START + timedelta(hours=2),
        "version": 1,
        **fields,
    }
    return Incident.model_validate(values)


def keeper(path: Path | None, now: datetime = SHIFT_START) -> LocalClocks:
    return LocalClocks(path, CATALOGUE, now)


# --- the keeper on its own ------------------------------------------------------------------


def test_start_and_every_step_over_a_frozen_clock(tmp_path: Path) -> None:
    clocks = keeper(tmp_path / "c.db")
    now = SHIFT_START
    target = incident()
    body = ClockStart(rule="id-permen5-takedown", trigger_at=now - timedelta(minutes=30))
    started = clocks.start(target, body, by=ME, now=now, key="k1")
    assert started.clock.id > 0
    assert started.clock.due_at == now - timedelta(minutes=30) + timedelta(hours=24)
    assert started.note.startswith(f"{NOTE_PREFIX}id-permen5-takedown started: due ")
    assert clocks.deadline(target.id) == (started.clock.due_at, "id-permen5-takedown")

    met = clocks.step(
        target.id,
        started.clock.id,
        ClockStep(step="met", evidence="removed 14 URLs"),
        by=ME,
        role=Role.LEAD,
        now=now + timedelta(hours=1),
        key="k2",
    )
    assert met.clock.state is ClockState.MET
    assert "met" in met.note
    assert "removed 14 URLs" in met.note
    assert clocks.deadline(target.id) is None  # nothing running now
    with pytest.raises(ClockError, match="is met: it cannot be cancelled"):
        clocks.step(
            target.id,
            started.clock.id,
            ClockStep(step="cancel", reason="withdrawn"),
            by=ME,
            role=Role.LEAD,
            now=now + timedelta(hours=2),
            key="k3",
        )
    # Kept across a reopen of the file.
    again = keeper(tmp_path / "c.db")
    assert [(c.rule.id, c.state) for c in again.clocks(target.id, now)] == [
        ("id-permen5-takedown", ClockState.MET)
    ]


def test_pause_resume_extend_and_a_reason_is_required() -> None:
    clocks = keeper(None)
    now = SHIFT_START
    target = incident()
    eu = incident("PI00002", region="DE", category="violent_extremism")
    tco = clocks.start(eu, ClockStart(rule="eu-tco-removal"), by=ME, now=now, key="s")
    with pytest.raises(ClockError, match="needs a reason"):
        clocks.step(
            eu.id, tco.clock.id, ClockStep(step="pause"), by=ME, role=Role.LEAD, now=now, key="p0"
        )
    paused = clocks.step(
        eu.id,
        tco.clock.id,
        ClockStep(step="pause", reason="order unclear"),
        by=ME,
        role=Role.LEAD,
        now=now + timedelta(minutes=20),
        key="p1",
    )
    assert paused.clock.state is ClockState.PAUSED
    resumed = clocks.step(
        eu.id,
        tco.clock.id,
        ClockStep(step="resume", reason="authority clarified"),
        by=ME,
        role=Role.LEAD,
        now=now + timedelta(hours=3),
        key="p2",
    )
    # 40 minutes were left at the pause; they count again from the resume.
    assert resumed.clock.due_at == now + timedelta(hours=3, minutes=40)
    au = incident("PI00003", region="AU")
    notice = clocks.start(au, ClockStart(rule="au-osa-removal"), by=ME, now=now, key="a")
    extended = clocks.step(
        au.id,
        notice.clock.id,
        ClockStep(step="extend", amount=timedelta(hours=12), reason="Commissioner allowed"),
        by=ME,
        role=Role.LEAD,
        now=now,
        key="a1",
    )
    assert extended.clock.due_at == now + timedelta(hours=36)
    with pytest.raises(ClockError, match="does not apply"):
        clocks.start(target, ClockStart(rule="au-osa-removal"), by=ME, now=now, key="x")


def test_missed_by_itself_and_still_heading_the_queue() -> None:
    clocks = keeper(None)
    target = incident()
    start = clocks.start(
        target, ClockStart(rule="id-permen5-urgent"), by=ME, now=SHIFT_START, key="u"
    )
    later = SHIFT_START + timedelta(hours=4, seconds=1)
    assert [c.state for c in clocks.clocks(target.id, later)] == [ClockState.MISSED]
    assert clocks.deadline(target.id) == (start.clock.due_at, "id-permen5-urgent")
    late = clocks.step(
        target.id,
        start.clock.id,
        ClockStep(step="met", evidence="removed"),
        by=ME,
        role=Role.LEAD,
        now=later,
        key="m",
    )
    assert late.clock.state is ClockState.MISSED
    assert "met late" in late.note


def test_a_retried_step_applies_once_and_a_second_start_is_refused() -> None:
    clocks = keeper(None)
    target = incident()
    body = ClockStart(rule="id-permen5-urgent")
    first = clocks.start(target, body, by=ME, now=SHIFT_START, key="same")
    retry = clocks.start(target, body, by=ME, now=SHIFT_START, key="same")
    assert retry.replayed
    assert retry.clock.id == first.clock.id
    with pytest.raises(ClockError, match="already runs on PI00001"):
        clocks.start(target, body, by="arjun.rao@example.com", now=SHIFT_START, key="other")
    assert len(clocks.clocks(target.id, SHIFT_START)) == 1


def test_intake_starts_once_on_first_sight_of_a_new_incident_only() -> None:
    clocks = keeper(None)
    new = incident("PI00010")
    old = incident("PI00011", created_at=SHIFT_START - INTAKE_GRACE - timedelta(minutes=1))
    internal = incident("PI00012", source="internal_detection")
    started = clocks.intake([new, old, internal], by=ME, now=SHIFT_START)
    assert [(r.clock.incident_id, r.clock.rule.id, r.clock.started_via) for r in started] == [
        ("PI00010", "id-permen5-urgent", "intake")
    ]
    assert started[0].clock.trigger_at == new.created_at
    cancel = ClockStep(step="cancel", reason="not an order")
    clocks.step(
        new.id, started[0].clock.id, cancel, by=ME, role=Role.LEAD, now=SHIFT_START, key="c"
    )
    assert clocks.intake([new], by=ME, now=SHIFT_START) == []  # never started again


def test_two_keepers_on_one_file_see_each_others_steps(tmp_path: Path) -> None:
    """Two terminals on one profile: one file, each step checked against the other's."""
    path = tmp_path / "shared.db"
    mine, theirs = keeper(path), keeper(path)
    target = incident()
    started = mine.start(
        target, ClockStart(rule="id-permen5-urgent"), by=ME, now=SHIFT_START, key="a"
    )
    assert theirs.deadline(target.id) == (started.clock.due_at, "id-permen5-urgent")
    assert theirs.changed_elsewhere() == {target.id}
    assert mine.changed_elsewhere() == set()  # its own step
    assert mine.deadline(target.id) is not None
    met = ClockStep(step="met", evidence="removed")
    theirs.step(
        target.id, started.clock.id, met, by="arjun", role=Role.LEAD, now=SHIFT_START, key="b"
    )
    mine.refresh()  # once a poll: the other's step is in the next mapping
    assert mine.deadline(target.id) is None
    with pytest.raises(ClockError, match="is met"):
        mine.step(
            target.id,
            started.clock.id,
            ClockStep(step="cancel", reason="dup"),
            by=ME,
            role=Role.LEAD,
            now=SHIFT_START,
            key="c",
        )
    # Intake is judged once for both, and a note is claimed by one of them only.
    other = incident("PI00020")
    assert len(mine.intake([other], by=ME, now=SHIFT_START)) == 1
    assert theirs.intake([other], by="arjun", now=SHIFT_START) == []
    claimed = mine.claim_notes(SHIFT_START)
    assert claimed
    assert theirs.claim_notes(SHIFT_START) == []
    assert [c.rule.id for c in theirs.clocks(other.id, SHIFT_START)] == ["id-permen5-urgent"]


def test_a_file_that_is_not_a_clock_file_is_refused_in_words(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    path.write_bytes(b"this is not SQLite at all" * 100)
    with pytest.raises(ClockFileError, match=r"clock file .*c\.db"):
        keeper(path)


def test_profiles_never_share_a_file() -> None:
    one = locations.pd_clocks_path("pd", "https://api.pagerduty.com")
    assert one == locations.pd_clocks_path("pd", "https://api.pagerduty.com")
    assert one != locations.pd_clocks_path("pd-eu", "https://api.pagerduty.com")
    assert one.parent == locations.data_dir()


# --- the adapter against the fake PagerDuty ------------------------------------------------


@dataclass
class Desk:
    """A fake PagerDuty on loopback, with its regulator service mapped to Indonesia."""

    fake: FakePagerDuty
    url: str
    me: str
    service: str
    clock: FakeClock
    file: Path

    def backend(self, **settings: Any) -> PagerDutyBackend:
        """An adapter on the fake, on the world's clock and the profile's clock file."""
        return PagerDutyBackend(
            TOKEN,
            ME,
            url=self.url,
            clock=self.clock,
            service_regions={self.service: "ID"},
            service_categories={self.service: "child_safety"},
            service_sources=settings.pop("sources", {self.service: "regulator"}),
            clock_file=self.file,
            **settings,
        )


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    fake = FakePagerDuty()
    me = fake.add_user("Mei Tan", ME)
    fake.add_priorities("P1", "P2", "P3", "P4", "P5")
    service = fake.add_service("Kominfo takedown orders")
    with ServerThread(fake.app()) as thread:
        clock = FakeClock(datetime.now(UTC))
        yield Desk(fake, thread.url, me, service, clock, tmp_path / "pd-clocks.db")


def clock_notes(fake: FakePagerDuty, incident_id: str) -> list[str]:
    return [n["content"] for n in fake.notes[incident_id] if n["content"].startswith(NOTE_PREFIX)]


async def test_intake_starts_a_clock_noted_in_pagerduty_and_a_step_is_noted_too(
    desk: Desk,
) -> None:
    order = desk.fake.add_incident("Takedown order 5/2020: CSAM links", desk.service)
    backend = desk.backend()
    try:
        full = await backend.changes(None)
        shown = next(i for i in full.items if i.id == order)
        assert (shown.region, shown.category, shown.source.value) == (
            "ID",
            "child_safety",
            "regulator",
        )
        assert shown.deadline_rule == "id-permen5-urgent"
        [clock] = await backend.clocks(order)
        assert clock.started_via == "intake"
        assert clock_notes(desk.fake, order) == [
            f"{NOTE_PREFIX}id-permen5-urgent started: due {clock.due_at:%Y-%m-%d %H:%M} UTC "
            f"({clock.rule.instrument}) — at intake from regulator"
        ]
        # In PagerDuty's timeline the note is a clock event, as on the rr server.
        events = await backend.timeline(order)
        assert [e.kind for e in events if e.message.startswith(NOTE_PREFIX)] == [EventKind.CLOCK]
        result = await backend.step_clock(
            order, clock.id, ClockStep(step="met", evidence="removed 14 URLs"), shown.version, "k"
        )
        assert result.not_recorded == ""
        assert result.clock.state is ClockState.MET
        assert result.incident.version > shown.version
        assert result.incident.deadline_at is None
        assert "removed 14 URLs" in clock_notes(desk.fake, order)[-1]
        with pytest.raises(Rejected, match="is met"):
            await backend.step_clock(
                order, clock.id, ClockStep(step="cancel", reason="x"), shown.version, "k2"
            )
    finally:
        await backend.aclose()


class RefuseNotes(httpx.AsyncBaseTransport):
    """Every request goes through, except that notes are refused (or fail) while `on`."""

    def __init__(self, status: int = 400) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.status = status
        self.on = True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.on and request.method == "POST" and request.url.path.endswith("/notes"):
            body = {"error": {"message": "Incident is locked", "code": 2001}}
            return httpx.Response(self.status, json=body, request=request)
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


async def test_a_note_that_fails_keeps_the_step_says_so_and_is_sent_at_the_next_poll(
    desk: Desk,
) -> None:
    order = desk.fake.add_incident("Takedown order", desk.service)
    failing = RefuseNotes(status=503)
    backend = desk.backend(sources={}, transport=failing)
    try:
        full = await backend.changes(None)
        shown = full.items[0]
        result = await backend.start_clock(
            order, ClockStart(rule="id-permen5-takedown"), shown.version, "start-1"
        )
        assert result.not_recorded.startswith("kept on this machine, but not written to PagerDuty")
        assert "tried again at the next poll" in result.not_recorded
        assert result.incident.deadline_rule == "id-permen5-takedown"
        assert [c.rule.id for c in await backend.clocks(order)] == ["id-permen5-takedown"]
        assert clock_notes(desk.fake, order) == []
        failing.on = False
        await backend.changes(full.cursor)
        assert len(clock_notes(desk.fake, order)) == 1  # sent once, by the next poll
        await backend.changes(full.cursor)
        assert len(clock_notes(desk.fake, order)) == 1
    finally:
        await backend.aclose()


async def test_a_refused_note_is_told_and_not_retried(desk: Desk) -> None:
    order = desk.fake.add_incident("Takedown order", desk.service)
    backend = desk.backend(sources={}, transport=RefuseNotes(status=400))
    try:
        full = await backend.changes(None)
        result = await backend.start_clock(
            order, ClockStart(rule="id-permen5-urgent"), full.items[0].version, "s"
        )
        assert "Incident is locked" in result.not_recorded
        assert backend.legal.keeper.unposted(order) == 1
        await backend.changes(full.cursor)
        assert backend.legal.keeper.claim_notes(desk.clock()) == []
    finally:
        await backend.aclose()


async def test_a_second_terminal_sees_the_first_ones_steps_at_its_next_poll(desk: Desk) -> None:
    order = desk.fake.add_incident("Takedown order", desk.service)
    first, second = desk.backend(sources={}), desk.backend(sources={})
    try:
        await first.changes(None)
        theirs = await second.changes(None)
        before = theirs.items[0]
        assert before.deadline_at is None
        await first.start_clock(order, ClockStart(rule="id-permen5-urgent"), 1, "s")
        # Through the fake's log entries (the note) or the file: either way, a new version.
        later = await second.changes(theirs.cursor)
        after = next(i for i in later.items if i.id == order)
        assert after.deadline_rule == "id-permen5-urgent"
        assert after.version > before.version
        assert [c.rule.id for c in await second.clocks(order)] == ["id-permen5-urgent"]
    finally:
        await first.aclose()
        await second.aclose()


async def test_the_clock_desk_treats_pagerduty_as_keeping_clocks(desk: Desk) -> None:
    backend = desk.backend()
    try:
        # What the desk and the outbox's sender (`send_clock`) ask of a backend.
        assert isinstance(backend, ClockBackend)
    finally:
        await backend.aclose()


# --- the dashboard on a PagerDuty profile ---------------------------------------------------


async def test_l_starts_a_clock_on_pagerduty_and_the_legal_column_shows_it(desk: Desk) -> None:
    order = desk.fake.add_incident("Takedown order: CSAM links", desk.service, priority="P2")
    app = RrApp(
        desk.backend(sources={}),
        DashboardOptions(title="RR · PagerDuty"),
        clock=desk.clock,
        rng=random.Random(7),
        auto_poll=False,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        assert "LEGAL" not in screen_text(app)  # no clock runs yet
        await pilot.press("L")
        await until(lambda: isinstance(app.screen, ClockDialog), pilot, what="the clocks dialog")
        dialog = app.screen
        assert isinstance(dialog, ClockDialog)
        assert next(c.label.split()[:2] for c in dialog.offered) == ["start", "Indonesia"]
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, TextPrompt), pilot, what="the trigger prompt")
        await pilot.press("enter")  # received now
        pane = app.query_one(ClocksPane)
        await until(lambda: len(pane.clocks) == 1, pilot, what="the started clock shown")
        await settle(app, pilot)
        assert "LEGAL" in screen_text(app)
        shown = app.store.get(order)
        assert shown is not None
        assert shown.deadline_rule == "id-permen5-urgent"
    assert clock_notes(desk.fake, order)[0].startswith(f"{NOTE_PREFIX}id-permen5-urgent started")


async def test_a_note_that_fails_is_a_warning_toast_and_the_clock_shows(desk: Desk) -> None:
    order = desk.fake.add_incident("Takedown order: CSAM links", desk.service, priority="P2")
    app = RrApp(
        desk.backend(sources={}, transport=RefuseNotes(status=400)),
        DashboardOptions(title="RR · PagerDuty"),
        clock=desk.clock,
        rng=random.Random(7),
        auto_poll=False,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("L")
        await until(lambda: isinstance(app.screen, ClockDialog), pilot, what="the clocks dialog")
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, TextPrompt), pilot, what="the trigger prompt")
        await pilot.press("enter")
        pane = app.query_one(ClocksPane)
        await until(lambda: len(pane.clocks) == 1, pilot, what="the clock kept and shown")
        told = [n for n in app.notices if n.title == "Clock kept, partly recorded"]
        assert len(told) == 1
        assert "not written to PagerDuty: Incident is locked" in told[0].message
        assert not [n for n in app.notices if n.title == "Clock not changed"]
    assert clock_notes(desk.fake, order) == []


def test_a_pagerduty_profile_keeps_clocks_in_its_own_file_and_list_shows_them(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from rr_tui.cli import main

    order = desk.fake.add_incident("Takedown order 5/2020", desk.service)
    config = tmp_path / "rr.toml"
    profile = (
        f'profile = "pd"\n[profiles.pd]\nkind = "pagerduty"\nurl = "{desk.url}"\n'
        f'token_env = "PD_TOKEN"\nfrom_email = "{ME}"\n'
        f'service_regions = {{ {desk.service} = "ID" }}\n'
        f'service_categories = {{ {desk.service} = "child_safety" }}\n'
        f'service_sources = {{ {desk.service} = "regulator" }}\n'
    )
    config.write_text(profile, encoding="utf-8")
    monkeypatch.setenv("PD_TOKEN", TOKEN)
    assert main(["--config", str(config), "list", "--format", "json"]) == 0
    [item] = json.loads(capsys.readouterr().out)["items"]
    assert (item["id"], item["deadline_rule"]) == (order, "id-permen5-urgent")
    assert locations.pd_clocks_path("pd", desk.url).is_file()
    assert len(clock_notes(desk.fake, order)) == 1
    # A team's broken rules file stops the profile with one line per problem.
    rules = tmp_path / "team_rules.toml"
    rules.write_text('[rules.id-x]\nlabel = "x"\n', encoding="utf-8")
    config.write_text(profile + f'clock_rules = "{rules}"\n', encoding="utf-8")
    assert main(["--config", str(config), "list"]) == 2
    err = capsys.readouterr().err
    assert "profiles.pd.clock_rules:" in err
    assert "rules.id-x.source: missing" in err


class FullDisk:
    """The keeper's connection, except that every write fails as a full disk does."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real = real

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise sqlite3.OperationalError("database or disk is full")
        return self.real.execute(sql, *args)


async def test_a_full_disk_is_told_in_words_and_nothing_is_half_stored(desk: Desk) -> None:
    order = desk.fake.add_incident("Takedown order", desk.service)
    backend = desk.backend(sources={})
    try:
        full = await backend.changes(None)
        keeper = backend.legal.keeper
        real = keeper._db
        keeper._db = FullDisk(real)  # type: ignore[assignment]
        with pytest.raises(Unavailable, match=r"clock file .* cannot be written: .*disk is full"):
            await backend.start_clock(
                order, ClockStart(rule="id-permen5-urgent"), full.items[0].version, "s"
            )
        keeper._db = real
        assert await backend.clocks(order) == []
        assert clock_notes(desk.fake, order) == []  # nothing told PagerDuty that did not hold
        await backend.start_clock(
            order, ClockStart(rule="id-permen5-urgent"), full.items[0].version, "s"
        )
        assert [c.rule.id for c in await backend.clocks(order)] == ["id-permen5-urgent"]
    finally:
        await backend.aclose()


async def test_now_on_a_dashboard_ahead_of_this_machine_is_still_now(desk: Desk) -> None:
    """Found under load: the dashboard's "now" follows PagerDuty's clock (its `Date`), the
    adapter's follows this machine's; a start typed as "now" a few seconds ahead of this
    machine was refused as "the trigger time is in the future"."""
    order = desk.fake.add_incident("Takedown order", desk.service)
    backend = desk.backend(sources={})
    try:
        full = await backend.changes(None)
        ahead = desk.clock() + timedelta(seconds=20)
        body = ClockStart(rule="id-permen5-urgent", trigger_at=ahead)
        result = await backend.start_clock(order, body, full.items[0].version, "s")
        assert result.clock.trigger_at == desk.clock()
        later = ClockStart(rule="id-permen5-takedown", trigger_at=ahead + timedelta(hours=1))
        with pytest.raises(Rejected, match="in the future"):
            await backend.start_clock(order, later, full.items[0].version, "s2")
    finally:
        await backend.aclose()


def test_a_data_directory_that_cannot_hold_the_clock_file_stops_the_profile_in_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic import SecretStr

    from rr_tui.config import ConfigError, Profile
    from rr_tui.connect import make_backend

    home = tmp_path / "home"
    home.mkdir()
    (home / "data").write_text("a file where the data directory should be", encoding="utf-8")
    monkeypatch.setenv("RR_TUI_HOME", str(home))
    profile = Profile(kind="pagerduty", from_email=ME)
    with pytest.raises(ConfigError, match=r"profiles\.pd: cannot open the clock file .*pd-clocks"):
        make_backend("pd", profile, SecretStr(TOKEN))
