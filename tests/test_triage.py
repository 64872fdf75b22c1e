"""Keyboard triage against the real reference server: each action, checked on the server."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from textual.widgets import Input, Static

from rr_tui.models import (
    TEAM_LABELS,
    Contact,
    EventKind,
    Incident,
    IncidentCreate,
    IncidentPatch,
    Role,
    Severity,
    Status,
    Team,
)
from rr_tui.screens.conflicts import ConflictsDialog
from rr_tui.screens.dialogs import AssignDialog, TextPrompt
from rr_tui.screens.escalate import NOBODY_PICKED, EscalateDialog, PickList
from rr_tui.screens.keys import PANE_KEYS, SCREEN_KEYS, TRIAGE_KEYS
from rr_tui.server.store import Actor
from rr_tui.sync.contacts import ContactDirectory
from rr_tui.widgets.detail import IncidentDetail
from tests.conftest import ANALYST, Dashboard, DashboardFactory, FakeClock, RunningServer

LEAD_ACTOR = Actor("lee.lead", Role.LEAD)
OTHER = Actor("oth.er", Role.LEAD)


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


def someone_else(server: RunningServer, incident: Incident, **fields: object) -> None:
    """Another person changes an incident on the server, behind our dashboard's back."""
    current = server.store.get(incident.id)
    with server.store.write() as tx:
        tx.patch(incident.id, IncidentPatch.model_validate(fields), OTHER, current.version)


def on_dashboard(d: Dashboard) -> bool:
    """Whether no dialog covers the dashboard (a function: mypy narrows d.screen otherwise)."""
    return d.screen is d.app.dashboard


async def test_raise_severity_with_reason(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident = create(demo_server, severity="SEV2")
    async with dashboard() as d:
        await d.select(incident.id)
        await d.press("plus")
        assert isinstance(d.screen, TextPrompt)
        await d.press("enter")  # empty: refused, a reason is required
        assert isinstance(d.screen, TextPrompt)
        await d.press(*"addresses posted", "enter")
        # Shown at once, before the answer: the row moved up and is pending.
        assert d.app.store.get(incident.id).severity is Severity.SEV1  # type: ignore[union-attr]
        await d.drained()
        assert not d.app.triage.pending
        server_side = demo_server.store.get(incident.id)
        assert d.app.store.get(incident.id) == server_side
    assert server_side.severity is Severity.SEV1
    last = demo_server.store.timeline(incident.id)[-1]
    assert (last.kind, last.actor, last.message) == (
        EventKind.SEVERITY_CHANGED,
        "lee.lead",
        "addresses posted",
    )


async def test_set_severity_directly_and_store_integrity(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident = create(demo_server, severity="SEV3")
    async with dashboard() as d:
        await d.select(incident.id)
        before = len(d.app.store)
        await d.press("0", *"live threat", "enter")
        await d.drained()
        assert len(d.app.store) == before
        assert d.app.store.open_counts()[Severity.SEV0] == sum(
            1 for i in demo_server.store.open_incidents() if i.severity is Severity.SEV0
        )
        assert d.queue.selected_id == incident.id
    assert demo_server.store.get(incident.id).severity is Severity.SEV0


async def test_acknowledge_and_take(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident = create(demo_server)
    async with dashboard() as d:
        await d.select(incident.id)
        await d.press("a")
        await d.drained()
        await d.press("i")
        await d.drained()
    server_side = demo_server.store.get(incident.id)
    assert server_side.status is Status.ACKNOWLEDGED
    assert server_side.assignee == "lee.lead"
    kinds = [e.kind for e in demo_server.store.timeline(incident.id)]
    assert kinds[-2:] == [EventKind.ACKNOWLEDGED, EventKind.ASSIGNED]


async def test_assign_to_someone_with_completion(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident = create(demo_server)
    async with dashboard() as d:
        await d.select(incident.id)
        await d.press("I")
        assert isinstance(d.screen, AssignDialog)
        await d.press(*"priya", "right", "enter")
        await d.drained()
    assert demo_server.store.get(incident.id).assignee == "priya.menon"


async def test_note_and_resolve_and_reopen(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident = create(demo_server)
    async with dashboard() as d:
        await d.select(incident.id)
        await d.press("n", *"[b]partner[/b] confirms", "ctrl+s")  # enter: a new line
        await d.drained()
        await d.press("r", *"accounts removed", "ctrl+s")
        await d.drained()
        assert d.app.store.index_of(incident.id) is None  # resolved: out of the open queue
    events = demo_server.store.timeline(incident.id)
    assert events[-2].kind is EventKind.NOTE
    assert events[-2].message == "[b]partner[/b] confirms"
    assert events[-1].kind is EventKind.RESOLVED
    assert events[-1].message == "accounts removed"
    assert demo_server.store.get(incident.id).status is Status.RESOLVED


async def test_escalate_to_the_on_call_contact(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident = create(demo_server, region="ID", category="legal_request", severity="SEV1")
    async with dashboard() as d:
        await d.select(incident.id)
        await d.press("e")
        assert isinstance(d.screen, EscalateDialog)
        first = d.screen.ranked[0].contact
        assert "ID" in first.regions
        assert first.on_call
        await d.press("space", "tab", *"takedown order tonight", "enter")
        await d.drained()
    server_side = demo_server.store.get(incident.id)
    assert server_side.escalated_to == [first.id]
    assert server_side.status is Status.ESCALATED
    last = demo_server.store.timeline(incident.id)[-1]
    assert last.kind is EventKind.ESCALATED
    assert last.data["targets"] == [first.id]
    assert last.message == "takedown order tonight"


async def test_escalations_show_names_not_contact_ids(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """The header and the timeline say who was escalated to: `Name (Team)`, not `legal-id-1`."""
    incident = create(demo_server, region="ID", category="legal_request", severity="SEV1")
    async with dashboard() as d:
        await d.select(incident.id)
        await d.press("e")
        assert isinstance(d.screen, EscalateDialog)
        first = d.screen.ranked[0].contact
        await d.press("space", "ctrl+s")
        await d.drained()
        detail = d.app.dashboard.query_one(IncidentDetail)
        who = f"{first.name} ({TEAM_LABELS[first.team]})"
        await d.until(lambda: f"escalated to: {who}" in str(detail.header.content), "header")
        await d.until(lambda: f"escalated to {who} by" in detail.timeline_text(), "timeline")
        assert first.id not in str(detail.header.content) + detail.timeline_text()


def test_directory_labels_contacts_and_leaves_unknown_ids() -> None:
    legal = Contact(id="legal-id-1", name="K. Sato", team=Team.LEGAL, timezone="Asia/Tokyo")
    directory = ContactDirectory()
    directory.update([legal])
    assert directory.label("legal-id-1") == "K. Sato (Legal)"
    assert directory.label("pd-gone") == "pd-gone"


async def test_escalation_needs_a_target(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """Enter (on the list or the note) and ctrl+s with nobody picked say so; nothing is sent."""
    incident = create(demo_server)
    async with dashboard() as d:
        await d.select(incident.id)
        await d.press("e")
        dialog = d.screen
        assert isinstance(dialog, EscalateDialog)
        error = dialog.query_one("#error", Static)
        for keys in (("enter",), ("ctrl+s",), ("tab", "enter")):
            error.update("")
            await d.press(*keys)
            assert isinstance(d.screen, EscalateDialog)
            assert str(error.content) == NOBODY_PICKED, keys
            assert isinstance(d.app.focused, PickList)
            assert not d.screen.picked
        await d.press("escape")
    assert demo_server.store.get(incident.id).version == incident.version


async def test_escalation_picker_moves_filters_and_marks(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """j/k move like the arrows, letters filter, picks survive the filter, marks need no colour."""
    incident = create(demo_server, region="ID", category="legal_request", severity="SEV1")
    async with dashboard(size=(80, 24)) as d:
        await d.select(incident.id)
        await d.press("e")
        dialog = d.screen
        assert isinstance(dialog, EscalateDialog)
        targets = dialog.query_one(PickList)
        await d.press("j", "j")
        assert targets.highlighted == 2
        await d.press("k")
        assert targets.highlighted == 1
        await d.press("space")  # the second, picked while the whole list shows
        second = dialog.ranked[1].contact
        await d.press(*"policy")
        assert isinstance(d.app.focused, Input)
        assert dialog.shown
        assert dialog.shown[0].contact.team is Team.PUBLIC_POLICY
        await d.press("ctrl+u", "enter")  # clears the filter, back on the list
        assert dialog.shown == dialog.ranked
        assert isinstance(d.app.focused, PickList)
        await d.press(*"legal id")
        assert dialog.query_one("#filter", Input).value == "legal id"
        await d.press("enter")
        legal = dialog.shown[0].contact
        assert (legal.team, legal.regions) == (Team.LEGAL, ["ID"])
        assert isinstance(d.app.focused, PickList)
        await d.press("space")
        assert dialog.picked == {second.id, legal.id}
        text = d.text()
        assert f"[x] ● {legal.name} · Legal · on call · ID" in text, text
        assert "[ ] " in text
        await d.press("ctrl+s")
        await d.drained()
    picked_in_rank_order = [
        c.id for c in (r.contact for r in dialog.ranked) if c.id in dialog.picked
    ]
    assert demo_server.store.get(incident.id).escalated_to == picked_in_rank_order


async def test_bulk_acknowledge_reports_a_count(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    made = [create(demo_server, severity="SEV0", title=f"bulk {n}") for n in range(4)]
    async with dashboard() as d:
        for incident in made:
            await d.select(incident.id)
            await d.press("space")
        assert d.app.dashboard.marked == {i.id for i in made}
        assert "● 4 marked" in d.text()
        await d.press("a")
        await d.drained()
        assert not d.app.dashboard.marked
        assert any("×4: 4 applied" in m for m in d.toasts()), d.toasts()
    for incident in made:
        assert demo_server.store.get(incident.id).status is Status.ACKNOWLEDGED


async def test_refusal_rolls_back_and_says_why(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident = create(demo_server, severity="SEV1", assignee="oth.er")
    async with dashboard(token=ANALYST) as d:
        await d.select(incident.id)
        d.app.triage.me = None  # the client does not know its role: the server must refuse
        await d.press("I", *"ana.lyst", "enter")
        await d.drained()
        toasts = d.toasts()
        assert any("not permitted" in m and "only a lead may reassign" in m for m in toasts)
        assert d.app.store.get(incident.id).assignee == "oth.er"  # type: ignore[union-attr]
        assert on_dashboard(d)
    assert demo_server.store.get(incident.id).assignee == "oth.er"


async def test_undo_the_last_severity_change(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident = create(demo_server, severity="SEV3")
    async with dashboard() as d:
        await d.select(incident.id)
        await d.press("1", *"oops", "enter")
        await d.drained()
        assert demo_server.store.get(incident.id).severity is Severity.SEV1
        await d.press("u")
        await d.drained()
    assert demo_server.store.get(incident.id).severity is Severity.SEV3
    assert demo_server.store.timeline(incident.id)[-1].message.startswith("undo")


# --- conflicts: counted, reviewed when the user asks, never a dialog by themselves -------


async def test_conflict_waits_then_shows_both_sides_and_reapplies(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident = create(demo_server, severity="SEV2")
    async with dashboard() as d:
        await d.select(incident.id)
        # Someone else changes it after our dashboard last polled.
        someone_else(demo_server, incident, status="acknowledged", assignee="oth.er")
        await d.press("1", *"spreading", "enter")
        await d.drained()
        assert on_dashboard(d), "a conflict must not open a dialog by itself"
        assert "1 conflict" in d.text()
        await d.press("C")
        assert isinstance(d.screen, ConflictsDialog)
        shown = d.text()
        assert "owner: — → oth.er" in shown
        assert "status: new → ack" in shown
        assert f"v{incident.version} → v{incident.version + 1}" in shown
        await d.press("r")
        await d.drained()
        assert on_dashboard(d)
        assert not d.app.triage.conflicts
    server_side = demo_server.store.get(incident.id)
    assert (server_side.severity, server_side.assignee) == (Severity.SEV1, "oth.er")


async def test_a_real_conflict_can_be_dropped(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident = create(demo_server, severity="SEV2")
    async with dashboard() as d:
        await d.select(incident.id)
        someone_else(demo_server, incident, assignee="oth.er")
        await d.press("a")
        await d.drained()
        await d.press("C", "d")
        await d.settle()
        assert on_dashboard(d)
        assert not d.app.triage.conflicts
        assert d.app.store.get(incident.id).status is Status.NEW  # type: ignore[union-attr]
    assert demo_server.store.get(incident.id).status is Status.NEW


async def test_a_note_by_someone_else_is_no_conflict_of_a_severity_change(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """Only the version moved: nothing the user sees differs, so theirs goes on top silently."""
    incident = create(demo_server, severity="SEV2")
    async with dashboard() as d:
        await d.select(incident.id)
        with demo_server.store.write() as tx:
            tx.add_note(incident.id, "someone else's note", OTHER)
        await d.press("1", *"spreading fast", "enter")
        await d.drained()
        assert not d.app.triage.conflicts
        assert on_dashboard(d)
        assert not any("onflict" in m for m in d.toasts()), d.toasts()
    server_side = demo_server.store.get(incident.id)
    assert server_side.severity is Severity.SEV1
    kinds = [e.kind for e in demo_server.store.timeline(incident.id)][-2:]
    assert kinds == [EventKind.NOTE, EventKind.SEVERITY_CHANGED]


async def test_nothing_freezes_while_bulk_conflicts_wait(
    demo_server: RunningServer, dashboard: DashboardFactory, clock: FakeClock
) -> None:
    """A bulk action meets several conflicts while new incidents arrive (issue: a 90 s freeze).

    No dialog opens by itself; the queue, counts and clock keep updating while the
    conflicts wait, and while their review is open; they are settled as one list.
    """
    made = [create(demo_server, severity="SEV3", title=f"batch {n}") for n in range(3)]
    async with dashboard() as d:
        await d.press("asterisk")  # mark everything shown, then keep only ours
        await d.press("asterisk")
        for incident in made:
            await d.select(incident.id)
            await d.press("space")
        await d.press("g")  # back to the top, where new urgent work shows
        for incident in made:
            someone_else(demo_server, incident, assignee="oth.er")
        await d.press("a")
        await d.drained()
        assert on_dashboard(d)
        assert len(d.app.triage.conflicts) == 3
        assert any("×3: 0 applied, 3 in conflict" in m for m in d.toasts()), d.toasts()
        assert "3 conflicts" in d.text()

        # New work arrives while the conflicts wait: it is on screen at once.
        arrived = create(demo_server, severity="SEV1", title="Arrived while conflicts wait")
        clock.advance(120)
        await d.poll()
        text = d.text()
        assert arrived.id in text
        assert "SEV1 " in text
        assert "14:34 SGT" in text

        # And while their review is open.
        await d.press("C")
        assert isinstance(d.screen, ConflictsDialog)
        assert "3 actions meet someone else's change" in d.text()
        later = create(demo_server, severity="SEV0", title="Arrived during the review")
        clock.advance(60)
        await d.poll()
        text = d.text()
        assert isinstance(d.screen, ConflictsDialog)
        assert later.id in text
        assert "14:35 SGT" in text
        counts = d.app.store.open_counts()
        assert f"SEV0 {counts[Severity.SEV0]}" in text
        await d.press("D")  # drop all three at once
        await d.settle()
        assert on_dashboard(d)
        assert not d.app.triage.conflicts
        assert "conflict [C]" not in d.text()
    for incident in made:
        assert demo_server.store.get(incident.id).status is Status.NEW


# --- the keys, the palette and the timeline route ----------------------------------------


async def test_palette_lists_every_titled_key_from_the_same_definitions(
    dashboard: DashboardFactory,
) -> None:
    async with dashboard() as d:
        titles = {command.title for command in d.app.get_system_commands(d.screen)}
        expected = {key.title for key in (*TRIAGE_KEYS, *SCREEN_KEYS) if key.title}
        assert {"Acknowledge", "Escalate", "Raise severity", "Undo", "Mark all visible"} <= expected
        assert expected <= titles
        bound = {b.id for b in d.app.dashboard.BINDINGS if not isinstance(b, tuple)}
        assert {key.id for key in (*PANE_KEYS, *TRIAGE_KEYS, *SCREEN_KEYS)} <= bound
        await d.press("question_mark")
        assert type(d.screen).__name__ == "HelpScreen"


async def test_a_palette_command_runs_its_key(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident = create(demo_server)
    async with dashboard() as d:
        await d.select(incident.id)
        command = next(c for c in d.app.get_system_commands(d.screen) if c.title == "Acknowledge")
        await command.callback()
        await d.drained()
    assert demo_server.store.get(incident.id).status is Status.ACKNOWLEDGED


async def test_each_shown_timeline_is_fetched_once(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """The first poll and a burst of cursor moves: one timeline request per incident shown."""
    async with dashboard() as d:
        fetched: Counter[str] = Counter()
        real = d.app.backend.timeline

        async def counted(incident_id: str, after: int = 0) -> list:  # type: ignore[type-arg]
            fetched[incident_id] += 1
            return await real(incident_id, after)

        # The first poll already happened: count it through the server's own log instead.
        first = d.queue.selected_id
        assert first is not None
        d.app.backend.timeline = counted  # type: ignore[method-assign]
        await d.press("j", "j", "j", "k", "k", "k")
        await d.settle()
        assert d.queue.selected_id == first
        assert len(fetched) == 3, fetched
        assert all(n == 1 for n in fetched.values()), fetched
        assert first not in fetched, "the first incident's timeline was held already"
        detail = d.app.query_one(IncidentDetail)
        assert detail.last_seq == demo_server.store.timeline(first)[-1].seq


async def test_the_first_poll_fetches_the_selected_timeline_once(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    from tests.conftest import make_app, settle

    app = make_app(demo_server.url, clock)
    fetched: Counter[str] = Counter()
    real = app.backend.timeline

    async def counted(incident_id: str, after: int = 0) -> list:  # type: ignore[type-arg]
        fetched[incident_id] += 1
        return await real(incident_id, after)

    app.backend.timeline = counted  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        selected = app.dashboard.query_one(IncidentDetail).incident
        assert selected is not None
        assert fetched == Counter({selected.id: 1})


async def test_readme_keystroke_counts(
    demo_server: RunningServer, dashboard: DashboardFactory, clock: FakeClock
) -> None:
    """The sequences the README counts do what it says, key for key."""
    top = create(
        demo_server,
        region="ID",
        category="legal_request",
        severity="SEV0",
        due_at=clock.now - timedelta(days=3),  # long breached: it tops the queue
    )
    async with dashboard() as d:
        await d.press("G")  # start away from the top
        await d.press("g", "e")
        assert isinstance(d.screen, EscalateDialog)
        legal = d.screen.ranked[0].contact
        assert (legal.team.value, legal.on_call, legal.regions) == ("legal", True, ["ID"])
        await d.press("space", "ctrl+s")
        await d.drained()
        assert demo_server.store.get(top.id).escalated_to == [legal.id]
        await d.press("g", "a")  # the top incident is escalated now: nothing to ack
        await d.press("i")
        await d.drained()
        assert demo_server.store.get(top.id).assignee == "lee.lead"
        await d.press("/", *"legal ph", "enter", "c")
        assert d.app.clipboard == "+63 2 5550 0104"
