"""Keyboard triage: the actions, the optimistic display, the outbox drain, conflicts.

An action goes through four steps. It is checked against what this user's
role may do (refused at once, in words, if not). It is written to the durable
outbox. It is shown at once in the queue with a pending mark. It is sent, in
order, with its id as the idempotency key, until the backend confirms (the
mark goes), refuses (the row rolls back and a toast says why) or reports a
conflict (a dialog shows what the other person changed and offers to re-apply
on top of it or to drop it). Actions apply to the marked rows if any, else to
the selected one.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen

from rr_tui.backends.base import Backend
from rr_tui.models import EscalationCreate, Incident, IncidentPatch, Me, Severity, Status
from rr_tui.options import DashboardOptions
from rr_tui.sanitize import clean
from rr_tui.screens.dashboard import DashboardScreen
from rr_tui.screens.dialogs import AssignDialog, ConflictDialog, EscalateDialog, TextPrompt
from rr_tui.sync.actions import Applied, Outcome, Refused, Retry, Stale, optimistic, refusal, send
from rr_tui.sync.contacts import ContactDirectory
from rr_tui.sync.outbox import Action, ActionKind, ActionState, Outbox
from rr_tui.sync.poller import Backoff
from rr_tui.sync.store import IncidentStore, StoreChange
from rr_tui.widgets.contacts import StakeholderPane
from rr_tui.widgets.detail import IncidentDetail
from rr_tui.widgets.queue import QueueView

TRIAGE_BINDINGS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding("plus", "raise_severity", "Raise", id="triage.raise"),
    Binding("minus", "lower_severity", "Lower", id="triage.lower"),
    Binding("0", "set_severity(0)", "SEV0", show=False, id="triage.sev0"),
    Binding("1", "set_severity(1)", "SEV1", show=False, id="triage.sev1"),
    Binding("2", "set_severity(2)", "SEV2", show=False, id="triage.sev2"),
    Binding("3", "set_severity(3)", "SEV3", show=False, id="triage.sev3"),
    Binding("4", "set_severity(4)", "SEV4", show=False, id="triage.sev4"),
    Binding("a", "acknowledge", "Ack", id="triage.ack"),
    Binding("e", "escalate", "Escalate", id="triage.escalate"),
    Binding("i", "assign_me", "Take", id="triage.assign_me"),
    Binding("I", "assign_other", "Assign…", show=False, id="triage.assign_other"),
    Binding("n", "note", "Note", id="triage.note"),
    Binding("r", "resolve", "Resolve", id="triage.resolve"),
    Binding("o", "reopen", "Reopen", show=False, id="triage.reopen"),
    Binding("space", "toggle_mark", "Mark", id="triage.mark"),
    Binding("asterisk", "mark_all", "Mark all", show=False, id="triage.mark_all"),
    Binding("u", "undo", "Undo", show=False, id="triage.undo"),
]

COMMANDS: list[tuple[str, str, str]] = [
    ("Raise severity", "Raise the selected or marked incidents by one level", "raise_severity"),
    ("Lower severity", "Lower the selected or marked incidents by one level", "lower_severity"),
    ("Acknowledge", "Acknowledge the selected or marked incidents", "acknowledge"),
    ("Escalate", "Escalate to stakeholders covering the incident", "escalate"),
    ("Assign to me", "Take the selected or marked incidents", "assign_me"),
    ("Assign to…", "Assign the selected or marked incidents to someone", "assign_other"),
    ("Add note", "Add a note to the timeline", "note"),
    ("Resolve", "Resolve with a resolution note", "resolve"),
    ("Reopen", "Reopen resolved incidents", "reopen"),
    ("Mark / unmark", "Mark the selected row for a bulk action", "toggle_mark"),
    ("Mark all visible", "Mark every row the queue shows (again: clear)", "mark_all"),
    ("Undo", "Undo the last severity or assignment change", "undo"),
]


@dataclass
class _Tally:
    """How a bulk batch went, reported once every action of it has an answer."""

    label: str
    total: int
    applied: int = 0
    refused: list[str] = field(default_factory=list)
    conflicts: int = 0

    @property
    def answered(self) -> int:
        return self.applied + len(self.refused) + self.conflicts


@dataclass(frozen=True)
class _Undo:
    action: Action
    before: Incident
    at: float


class TriageMixin(App[None]):
    """The triage half of the app (mixed into RrApp, which sets the attributes below)."""

    BINDINGS = TRIAGE_BINDINGS

    backend: Backend
    options: DashboardOptions
    clock: Callable[[], datetime]
    store: IncidentStore
    directory: ContactDirectory
    outbox: Outbox
    me: Me | None
    marked: set[str]
    pending: Counter[str]

    def _init_triage(self) -> None:
        self._draining = False
        self._outbox_backoff = Backoff(base=1.0, cap=30.0)
        self._outbox_failures = 0
        self._tallies: dict[str, _Tally] = {}
        self._undo: _Undo | None = None
        self._names: set[str] = set()

    # --- widgets -------------------------------------------------------------------

    @property
    def dashboard(self) -> DashboardScreen:
        """The dashboard screen (beneath any dialog)."""
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                return screen
        raise LookupError("the dashboard is not on the screen stack")

    @property
    def queue(self) -> QueueView:
        """The queue widget."""
        return self.dashboard.query_one(QueueView)

    @property
    def detail(self) -> IncidentDetail:
        """The detail and timeline widget."""
        return self.dashboard.query_one(IncidentDetail)

    @property
    def contacts_pane(self) -> StakeholderPane:
        """The stakeholder pane."""
        return self.dashboard.query_one(StakeholderPane)

    @property
    def widgets_ready(self) -> bool:
        """Whether the dashboard's widgets are mounted (not yet, or no more at shutdown).

        Timers and workers can fire while the app starts or stops; they update
        the data always and the screen only when there is one.
        """
        try:
            self.dashboard.query_one(QueueView)
        except (LookupError, NoMatches):
            return False
        return True

    def refresh_status(self) -> None:
        """Redraw the status bar (RrApp)."""

    def show_incident(self, incident: Incident | None) -> None:
        """Show an incident in the side column (RrApp)."""

    # --- targets ------------------------------------------------------------------------

    def targets(self) -> list[Incident]:
        """The marked incidents the queue still holds, else the selected one."""
        marked = [self.store.get(i) for i in sorted(self.marked)]
        chosen = [incident for incident in marked if incident is not None]
        if chosen:
            return chosen
        selected = self.queue.selected_id
        incident = self.store.get(selected) if selected else None
        return [incident] if incident else []

    def _refuse(self, message: str) -> None:
        self.notify(message, title="Not available", severity="warning", markup=False)

    # --- the actions ------------------------------------------------------------------

    def action_raise_severity(self) -> None:
        """Raise severity one level (more urgent)."""
        self._severity(lambda i: Severity.from_rank(i.severity.rank - 1), "Raise severity")

    def action_lower_severity(self) -> None:
        """Lower severity one level (less urgent)."""
        self._severity(lambda i: Severity.from_rank(i.severity.rank + 1), "Lower severity")

    def action_set_severity(self, rank: int) -> None:
        """Set severity directly."""
        target = Severity.from_rank(rank)
        self._severity(lambda _: target, f"Set {self._label(target)}")

    def _label(self, severity: Severity) -> str:
        return self.options.severity_labels.get(severity, severity.value)

    def _severity(self, to: Callable[[Incident], Severity], verb: str) -> None:
        changes = [(i, to(i)) for i in self.targets() if to(i) is not i.severity]
        if not changes:
            self._refuse("Nothing to change: the severity is already there.")
            return

        def build(reason: str) -> list[Action]:
            return [
                self._patch(
                    incident,
                    IncidentPatch(severity=severity, reason=reason),
                    f"{self._label(incident.severity)}→{self._label(severity)}",
                )
                for incident, severity in changes
            ]

        self._ask_then_send(
            f"{verb}: why?", [i for i, _ in changes], build, required=self.options.require_reason
        )

    def action_acknowledge(self) -> None:
        """Acknowledge (new → acknowledged)."""
        fresh = [i for i in self.targets() if i.status is Status.NEW]
        if not fresh:
            self._refuse("Nothing to acknowledge: only new incidents can be.")
            return
        self._send(
            [
                self._patch(i, IncidentPatch(status=Status.ACKNOWLEDGED), "acknowledge")
                for i in fresh
            ]
        )

    def action_assign_me(self) -> None:
        """Assign to me."""
        if self.me is None:
            self._refuse("Not signed in yet: the backend has not said who you are.")
            return
        name = self.me.name
        self._assign(name)

    def action_assign_other(self) -> None:
        """Assign to someone, with completion over known names."""
        targets = self.targets()
        if not targets:
            return
        names = set(self._names) | {i.assignee for i in self.store.all() if i.assignee}
        if self.me is not None:
            names.add(self.me.name)
        self.push_screen(
            AssignDialog(targets, sorted(n for n in names if n)),
            lambda name: self._assign(name) if name else None,
        )

    def _assign(self, name: str) -> None:
        targets = [i for i in self.targets() if i.assignee != name]
        if not targets:
            self._refuse(f"Already assigned to {clean(name, 64)}.")
            return
        self._send(
            [self._patch(i, IncidentPatch(assignee=name), f"assign to {name}") for i in targets]
        )

    def action_note(self) -> None:
        """Add a note to the timeline."""
        targets = self.targets()
        if not targets:
            return

        def build(text: str) -> list[Action]:
            return [
                Action(ActionKind.NOTE, i.id, {"text": text}, label=f"note: {text[:40]}")
                for i in targets
            ]

        self._ask_then_send("Add a note", targets, build, required=True, max_length=10_000)

    def action_resolve(self) -> None:
        """Resolve, with a resolution note."""
        targets = [i for i in self.targets() if i.status is not Status.RESOLVED]
        if not targets:
            self._refuse("Nothing to resolve.")
            return

        def build(reason: str) -> list[Action]:
            patch = IncidentPatch(status=Status.RESOLVED, reason=reason)
            return [self._patch(i, patch, "resolve") for i in targets]

        self._ask_then_send("Resolve: resolution note", targets, build, required=True)

    def action_reopen(self) -> None:
        """Reopen resolved incidents (back to acknowledged)."""
        targets = [i for i in self.targets() if i.status is Status.RESOLVED]
        if not targets:
            self._refuse("Nothing to reopen: only resolved incidents can be.")
            return

        def build(reason: str) -> list[Action]:
            patch = IncidentPatch(status=Status.ACKNOWLEDGED, reason=reason)
            return [self._patch(i, patch, "reopen") for i in targets]

        self._ask_then_send("Reopen: why?", targets, build, required=self.options.require_reason)

    def action_escalate(self) -> None:
        """Escalate to stakeholders: those covering the incident are proposed first."""
        targets = [i for i in self.targets() if i.status is not Status.RESOLVED]
        if not targets:
            self._refuse("Nothing to escalate (resolved incidents are reopened first).")
            return
        if not self.directory.contacts:
            self._refuse("The stakeholder directory has not loaded yet.")
            return
        now = self.clock()
        ranked = self.directory.ranked(targets[0], now)

        def chosen(body: EscalationCreate | None) -> None:
            if body is None:
                return
            payload = body.model_dump(mode="json")
            label = f"escalate to {', '.join(body.targets)}"
            self._send([Action(ActionKind.ESCALATE, i.id, payload, label=label) for i in targets])

        self.push_screen(EscalateDialog(targets, ranked, now), chosen)

    def action_toggle_mark(self) -> None:
        """Mark or unmark the selected row for a bulk action."""
        selected = self.queue.selected_id
        if selected is None:
            return
        self.marked.symmetric_difference_update({selected})
        self.queue.refresh()
        self.refresh_status()

    def action_mark_all(self) -> None:
        """Mark every row the queue shows; if all are marked already, clear the marks."""
        shown = {incident.id for incident in self.store}
        if shown and shown <= self.marked:
            self.marked.clear()
        else:
            self.marked.update(shown)
        self.queue.refresh()
        self.refresh_status()

    def action_undo(self) -> None:
        """Undo the last severity or assignment change, within the undo window."""
        undo = self._undo
        if undo is None or time.monotonic() - undo.at > self.options.undo_seconds:
            self._refuse("Nothing to undo (only the last severity or assignment change, briefly).")
            return
        self._undo = None
        action, before = undo.action, undo.before
        current = self.outbox.get(action.id)
        if current is not None and current.state is ActionState.WAITING:
            self.outbox.finish(action.id, ActionState.DROPPED, "undone before it was sent")
            self._answered(action.incident_id, rolled_back=True)
            self.notify(f"Undone before sending: {action.label}", markup=False)
            return
        incident = self.store.get(action.incident_id)
        if incident is None:
            return
        patch = action.patch
        inverse: dict[str, Any] = {"reason": f"undo: {action.label}"}
        if patch.severity is not None:
            inverse["severity"] = before.severity
        if patch.sets_assignee:
            inverse["assignee"] = before.assignee
        self._send([self._patch(incident, IncidentPatch(**inverse), f"undo {action.label}")])

    # --- building and sending ------------------------------------------------------------

    def _patch(self, incident: Incident, patch: IncidentPatch, label: str) -> Action:
        return Action(
            ActionKind.PATCH,
            incident.id,
            patch.model_dump(mode="json", exclude_unset=True),
            base_version=incident.version,
            label=label,
        )

    def _ask_then_send(
        self,
        title: str,
        incidents: list[Incident],
        build: Callable[[str], list[Action]],
        *,
        required: bool,
        max_length: int = 1000,
    ) -> None:
        def answered(text: str | None) -> None:
            if text is not None:
                self._send(build(text))

        self.push_screen(
            TextPrompt(title, incidents, required=required, max_length=max_length), answered
        )

    def _send(self, actions: list[Action]) -> None:
        """Check, store durably, show at once, and start sending."""
        allowed = []
        for action in actions:
            incident = self.store.get(action.incident_id)
            why = refusal(action, incident, self.me) if incident else "it is no longer held"
            if not why and action.kind is ActionKind.PATCH:
                unsupported = self.backend.unsupported_reason(action.patch)
                why = f"not possible on this backend: {unsupported}" if unsupported else None
            if why:
                self._refuse(f"{clean(action.incident_id, 20)}: {why}")
            else:
                allowed.append(action)
        if not allowed:
            return
        batch = uuid.uuid4().hex if len(allowed) > 1 else None
        if batch:
            allowed = [replace(a, batch=batch) for a in allowed]
            self._tallies[batch] = _Tally(allowed[0].label.split(":")[0], len(allowed))
        stored = self.outbox.add(*allowed)
        for action in stored:
            self._show_pending(action)
        self.marked.clear()
        self.queue.store_changed(StoreChange(updated=frozenset(a.incident_id for a in stored)))
        self._reshow_selected()
        self.refresh_status()
        self.kick_outbox()

    def _show_pending(self, action: Action) -> None:
        self.pending[action.incident_id] += 1
        incident = self.store.get(action.incident_id)
        if incident is None:
            return
        if action.kind is ActionKind.PATCH and (
            action.patch.severity is not None or action.patch.sets_assignee
        ):
            self._undo = _Undo(action, incident, time.monotonic())
        self.store.apply_local(action.incident_id, optimistic(incident, action, None))

    def resume_outbox(self) -> None:
        """At start: show what the outbox still holds as pending, and send it."""
        for action in self.outbox.waiting():
            self.pending[action.incident_id] += 1
        if self.pending:
            self.notify(
                f"Sending {sum(self.pending.values())} actions left from the last session.",
                markup=False,
            )
        self.kick_outbox()

    def kick_outbox(self) -> None:
        """Start sending, unless a drain is already running (it picks new actions up)."""
        if not self._draining:
            self._draining = True
            self._drain()

    @work(group="outbox", exit_on_error=False)
    async def _drain(self) -> None:
        try:
            while waiting := self.outbox.waiting():
                action = waiting[0]
                outcome = await send(self.backend, action)
                if isinstance(outcome, Retry):
                    self.outbox.attempted(action.id, outcome.error)
                    self._outbox_failures += 1
                    delay = self._outbox_backoff.delay(self._outbox_failures)
                    delay = max(delay, outcome.retry_after or 0)
                    self.set_timer(delay, self.kick_outbox, name="outbox-retry")
                    return
                self._outbox_failures = 0
                self._settle(action, outcome)
        finally:
            self._draining = False
            self.refresh_status()

    def _settle(self, action: Action, outcome: Outcome) -> None:
        incident_id = action.incident_id
        if isinstance(outcome, Applied):
            self.outbox.finish(action.id, ActionState.DONE)
            old = action.base_version if action.base_version else outcome.incident.version - 1
            self.outbox.rebase(incident_id, old, outcome.incident.version)
            self.store.apply([outcome.incident])
            self._answered(incident_id)
            self._tally(action, applied=True)
        elif isinstance(outcome, Refused):
            self.outbox.finish(action.id, ActionState.REJECTED, outcome.reason)
            self._answered(incident_id, rolled_back=True)
            if not self._tally(action, refused=outcome.reason):
                self.notify(
                    f"{clean(incident_id, 20)} {clean(action.label, 60)}: {outcome.reason}",
                    title="Not applied",
                    severity="error",
                    timeout=10,
                    markup=False,
                )
        elif isinstance(outcome, Stale):
            seen = self.store.confirmed(incident_id) or outcome.current
            self.outbox.finish(action.id, ActionState.CONFLICT, "changed by someone else")
            self.store.apply([outcome.current])
            self._answered(incident_id, rolled_back=True)
            self._tally(action, conflict=True)
            self._offer_conflict(action, seen, outcome.current)

    def _answered(self, incident_id: str, *, rolled_back: bool = False) -> None:
        """One action on an incident has its answer: update marks and the row."""
        self.pending[incident_id] -= 1
        if self.pending[incident_id] <= 0:
            del self.pending[incident_id]
            if rolled_back:
                self.store.rollback(incident_id)
        else:
            # Other changes to it still wait: keep showing them.
            incident = self.store.get(incident_id)
            for waiting in self.outbox.waiting():
                if incident is not None and waiting.incident_id == incident_id:
                    update = optimistic(incident, waiting, None)
                    incident = self.store.apply_local(incident_id, update) or incident
        if not self.widgets_ready:
            return
        self.queue.store_changed(StoreChange(updated=frozenset({incident_id})))
        if self.queue.selected_id == incident_id:
            self._reshow_selected()
        self.refresh_status()

    def _reshow_selected(self) -> None:
        selected = self.queue.selected_id
        self.show_incident(self.store.get(selected) if selected else None)

    def _tally(
        self,
        action: Action,
        *,
        applied: bool = False,
        refused: str | None = None,
        conflict: bool = False,
    ) -> bool:
        """Count a bulk action's answer; True if it belongs to a batch (reported together)."""
        if action.batch is None or action.batch not in self._tallies:
            return False
        tally = self._tallies[action.batch]
        tally.applied += applied
        tally.conflicts += conflict
        if refused is not None:
            tally.refused.append(f"{action.incident_id}: {refused}")
        if tally.answered >= tally.total:
            del self._tallies[action.batch]
            message = Text(f"{tally.label} ×{tally.total}: {tally.applied} applied")
            if tally.refused:
                message.append(f", {len(tally.refused)} refused")
            if tally.conflicts:
                message.append(f", {tally.conflicts} in conflict")
            for line in tally.refused[:5]:
                message.append(f"\n{clean(line, 100)}")
            bad = tally.refused or tally.conflicts
            self.notify(str(message), severity="warning" if bad else "information", markup=False)
        return True

    def _offer_conflict(self, action: Action, seen: Incident, current: Incident) -> None:
        def decided(reapply: bool | None) -> None:
            if not reapply:
                self.notify(f"Dropped: {action.label} on {current.id}", markup=False)
                return
            again = Action(
                action.kind,
                action.incident_id,
                action.payload,
                base_version=current.version if action.kind is ActionKind.PATCH else None,
                label=action.label,
            )
            self._send([again])

        self.push_screen(ConflictDialog(action.label, seen, current), decided)

    # --- palette ------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands plus every triage action."""
        yield from super().get_system_commands(screen)
        for title, help_text, action in COMMANDS:
            yield SystemCommand(title, help_text, getattr(self, f"action_{action}"))

    def remember_names(self, names: Iterable[str]) -> None:
        """Names seen in timelines, for assignee completion."""
        self._names.update(name for name in names if name)
