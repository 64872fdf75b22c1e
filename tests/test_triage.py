"""Keyboard triage against the real reference server: each action, checked on the server."""

from __future__ import annotations

from datetime import timedelta

from textual.pilot import Pilot
from textual.widgets import SelectionList

from rr_tui.app import RrApp
from rr_tui.models import (
    EventKind,
    Incident,
    IncidentCreate,
    IncidentPatch,
    Role,
    Severity,
    Status,
)
from rr_tui.screens.dialogs import AssignDialog, ConflictDialog, EscalateDialog, TextPrompt
from rr_tui.server.store import Actor
from rr_tui.widgets.queue import QueueView
from tests.conftest import ANALYST, FakeClock, RunningServer, drained, make_app, settle

LEAD_ACTOR = Actor("lee.lead", Role.LEAD)


def create(server: RunningServer, **overrides: object) -> Incident:
    data: dict[str, object] = {
        "title": "Coordinated doxxing of poll workers",
        "severity": "SEV2",
        "category": "privacy_doxxing",
        "region": "PH",
        "source": "trusted_flagger",
    }
    data.update(overrides)
    with server.store.write() as tx:
        return tx.create(IncidentCreate.model_validate(data), LEAD_ACTOR)


async def open_on(app: RrApp, pilot: Pilot[None], incident_id: str) -> None:
    """Wait for the first poll, then put the cursor on an incident."""
    await settle(app, pilot)
    assert app.query_one(QueueView).select(incident_id)
    await settle(app, pilot)


def on_dashboard(app: RrApp) -> bool:
    """Whether no dialog covers the dashboard (a function: mypy narrows app.screen otherwise)."""
    return app.screen is app.dashboard


async def test_raise_severity_with_reason(demo_server: RunningServer, clock: FakeClock) -> None:
    incident = create(demo_server, severity="SEV2")
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(app, pilot, incident.id)
        await pilot.press("plus")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("enter")  # empty: refused, a reason is required
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"addresses posted", "enter")
        # Shown at once, before the answer: the row moved up and is pending.
        assert app.store.get(incident.id).severity is Severity.SEV1  # type: ignore[union-attr]
        await drained(app, pilot)
        assert not app.pending
    server_side = demo_server.store.get(incident.id)
    assert server_side.severity is Severity.SEV1
    last = demo_server.store.timeline(incident.id)[-1]
    assert (last.kind, last.actor, last.message) == (
        EventKind.SEVERITY_CHANGED,
        "lee.lead",
        "addresses posted",
    )
    assert app.store.get(incident.id) == server_side


async def test_set_severity_directly_and_store_integrity(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    incident = create(demo_server, severity="SEV3")
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(app, pilot, incident.id)
        before = len(app.store)
        await pilot.press("0", *"live threat", "enter")
        await drained(app, pilot)
        assert len(app.store) == before
        assert app.store.open_counts()[Severity.SEV0] == sum(
            1 for i in demo_server.store.open_incidents() if i.severity is Severity.SEV0
        )
        assert app.query_one(QueueView).selected_id == incident.id
    assert demo_server.store.get(incident.id).severity is Severity.SEV0


async def test_acknowledge_and_take(demo_server: RunningServer, clock: FakeClock) -> None:
    incident = create(demo_server)
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(app, pilot, incident.id)
        await pilot.press("a")
        await drained(app, pilot)
        await pilot.press("i")
        await drained(app, pilot)
    server_side = demo_server.store.get(incident.id)
    assert server_side.status is Status.ACKNOWLEDGED
    assert server_side.assignee == "lee.lead"
    kinds = [e.kind for e in demo_server.store.timeline(incident.id)]
    assert kinds[-2:] == [EventKind.ACKNOWLEDGED, EventKind.ASSIGNED]


async def test_assign_to_someone_with_completion(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    incident = create(demo_server)
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(app, pilot, incident.id)
        await pilot.press("I")
        assert isinstance(app.screen, AssignDialog)
        await pilot.press(*"priya", "right", "enter")
        await drained(app, pilot)
    assert demo_server.store.get(incident.id).assignee == "priya.menon"


async def test_note_and_resolve_and_reopen(demo_server: RunningServer, clock: FakeClock) -> None:
    incident = create(demo_server)
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(app, pilot, incident.id)
        await pilot.press("n", *"[b]partner[/b] confirms", "enter")
        await drained(app, pilot)
        await pilot.press("r", *"accounts removed", "enter")
        await drained(app, pilot)
        assert app.store.index_of(incident.id) is None  # resolved: out of the open queue
    events = demo_server.store.timeline(incident.id)
    assert events[-2].kind is EventKind.NOTE
    assert events[-2].message == "[b]partner[/b] confirms"
    assert events[-1].kind is EventKind.RESOLVED
    assert events[-1].message == "accounts removed"
    assert demo_server.store.get(incident.id).status is Status.RESOLVED


async def test_escalate_to_the_on_call_contact(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    incident = create(demo_server, region="ID", category="legal_request", severity="SEV1")
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(app, pilot, incident.id)
        await pilot.press("e")
        assert isinstance(app.screen, EscalateDialog)
        first = app.screen.ranked[0].contact
        assert "ID" in first.regions
        assert first.on_call
        await pilot.press("space", "tab", *"takedown order tonight", "enter")
        await drained(app, pilot)
    server_side = demo_server.store.get(incident.id)
    assert server_side.escalated_to == [first.id]
    assert server_side.status is Status.ESCALATED
    last = demo_server.store.timeline(incident.id)[-1]
    assert last.kind is EventKind.ESCALATED
    assert last.data["targets"] == [first.id]
    assert last.message == "takedown order tonight"


async def test_escalation_needs_a_target(demo_server: RunningServer, clock: FakeClock) -> None:
    incident = create(demo_server)
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(app, pilot, incident.id)
        await pilot.press("e", "tab", "enter")
        assert isinstance(app.screen, EscalateDialog)
        assert isinstance(app.focused, SelectionList)
        await pilot.press("escape")
    assert demo_server.store.get(incident.id).version == incident.version


async def test_bulk_acknowledge_reports_a_count(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    made = [create(demo_server, severity="SEV0", title=f"bulk {n}") for n in range(4)]
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        for incident in made:
            app.query_one(QueueView).select(incident.id)
            await pilot.press("space")
        assert app.marked == {i.id for i in made}
        await pilot.press("a")
        await drained(app, pilot)
        assert not app.marked
        messages = [n.message for n in app._notifications]
        assert any("×4: 4 applied" in m for m in messages), messages
    for incident in made:
        assert demo_server.store.get(incident.id).status is Status.ACKNOWLEDGED


async def test_analyst_cannot_lower_and_is_told_before_sending(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    incident = create(demo_server, severity="SEV1")
    app = make_app(demo_server.url, clock, token=ANALYST)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(app, pilot, incident.id)
        await pilot.press("minus", *"not that bad", "enter")
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("only a lead may lower severity" in m for m in messages), messages
        assert not app.outbox.waiting()
        assert app.store.get(incident.id).severity is Severity.SEV1  # type: ignore[union-attr]
    assert demo_server.store.get(incident.id).version == incident.version


async def test_refusal_rolls_back_and_says_why(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    incident = create(demo_server, severity="SEV1", assignee="oth.er")
    app = make_app(demo_server.url, clock, token=ANALYST)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(app, pilot, incident.id)
        app.me = None  # the client does not know its role: the server must refuse
        await pilot.press("I", *"ana.lyst", "enter")
        await drained(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("not permitted" in m and "only a lead may reassign" in m for m in messages)
        assert app.store.get(incident.id).assignee == "oth.er"  # type: ignore[union-attr]
        assert app.screen is app.dashboard
    assert demo_server.store.get(incident.id).assignee == "oth.er"


async def test_undo_the_last_severity_change(demo_server: RunningServer, clock: FakeClock) -> None:
    incident = create(demo_server, severity="SEV3")
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(app, pilot, incident.id)
        await pilot.press("1", *"oops", "enter")
        await drained(app, pilot)
        assert demo_server.store.get(incident.id).severity is Severity.SEV1
        await pilot.press("u")
        await drained(app, pilot)
    assert demo_server.store.get(incident.id).severity is Severity.SEV3
    assert demo_server.store.timeline(incident.id)[-1].message.startswith("undo")


async def test_conflict_shows_both_sides_and_reapplies(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    incident = create(demo_server, severity="SEV2")
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(app, pilot, incident.id)
        # Someone else changes it after our dashboard last polled.
        with demo_server.store.write() as tx:
            tx.patch(incident.id, _patch(status="acknowledged", assignee="oth.er"), LEAD_ACTOR, 1)
        await pilot.press("1", *"spreading", "enter")
        await drained(app, pilot)
        assert isinstance(app.screen, ConflictDialog)
        shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "owner: — → oth.er" in shown
        assert "status: new → ack" in shown
        await pilot.press("r")
        await drained(app, pilot)
    server_side = demo_server.store.get(incident.id)
    assert (server_side.severity, server_side.assignee) == (Severity.SEV1, "oth.er")


async def test_conflict_can_be_dropped(demo_server: RunningServer, clock: FakeClock) -> None:
    incident = create(demo_server, severity="SEV2")
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_on(app, pilot, incident.id)
        with demo_server.store.write() as tx:
            tx.add_note(incident.id, "someone else", LEAD_ACTOR)
        await pilot.press("a")
        await drained(app, pilot)
        assert isinstance(app.screen, ConflictDialog)
        await pilot.press("d")
        await drained(app, pilot)
        assert on_dashboard(app)
        assert app.store.get(incident.id).status is Status.NEW  # type: ignore[union-attr]
    assert demo_server.store.get(incident.id).status is Status.NEW


async def test_palette_lists_every_triage_action(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Acknowledge", "Escalate", "Raise severity", "Undo", "Mark all visible"} <= titles
        await pilot.press("question_mark")
        assert app.screen.query("HelpPanel")


def _patch(**fields: object) -> IncidentPatch:
    return IncidentPatch.model_validate(fields)


async def test_readme_keystroke_counts(demo_server: RunningServer, clock: FakeClock) -> None:
    """The sequences the README counts do what it says, key for key."""
    top = create(
        demo_server,
        region="ID",
        category="legal_request",
        severity="SEV0",
        due_at=clock.now - timedelta(days=3),  # long breached: it tops the queue
    )
    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("G")  # start away from the top
        await pilot.press("g", "e")
        assert isinstance(app.screen, EscalateDialog)
        legal = app.screen.ranked[0].contact
        assert (legal.team.value, legal.on_call, legal.regions) == ("legal", True, ["ID"])
        await pilot.press("space", "ctrl+s")
        await drained(app, pilot)
        assert demo_server.store.get(top.id).escalated_to == [legal.id]
        await pilot.press("g", "a")  # the top incident is escalated now: nothing to ack
        await pilot.press("i")
        await drained(app, pilot)
        assert demo_server.store.get(top.id).assignee == "lee.lead"
        await pilot.press("/", *"legal ph", "enter", "c")
        assert app.clipboard == "+63 2 5550 0104"
