"""Keyboard triage as a service, without Textual: the outbox, what is pending, batches, undo.

An action goes through four steps. It is checked against what this user's
role may do (refused at once, in words, if not). It is written to the durable
outbox. It is shown at once in the store, with a pending mark. It is sent, in
order, with its id as the idempotency key (by `Drainer` in `sync/actions.py`),
until the backend confirms (the mark goes), refuses (the row rolls back) or
says the incident moved on. When only the version moved (someone added a note:
no field a person sees differs) the action is re-applied on top, silently;
otherwise it waits in `conflicts` until the user re-applies or drops it.

An action is only sent as the origin it was made for (backend instance and
user, `origin_of`): `identify` holds the rest, and any action tried before and
older than the backend's key retention, in `conflicts` for the user to resend
or drop; conflicts stay in the outbox until decided, across restarts.

Nothing here opens a dialog or knows a widget: every step is reported as a
plain value (`sync/outcomes.py`) carrying the store's `StoreChange`, and the
screen shows it through its one update path.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from rr_tui.models import Incident, IncidentPatch, Me
from rr_tui.sync.action_record import KEY_RETENTION, Undoable, origin_of, patch_action
from rr_tui.sync.outbox import Action, ActionKind, ActionState, Outbox
from rr_tui.sync.outcomes import (
    ActionConflict,
    Applied,
    Confirmed,
    ConflictFound,
    Outcome,
    Reapplied,
    Refused,
    RolledBack,
    Stale,
    Submitted,
    TriageEvent,
    optimistic,
    refusal,
    visible_differences,
)
from rr_tui.sync.people import KnownPeople
from rr_tui.sync.store import IncidentStore, StoreChange
from rr_tui.sync.tallies import Tallies

__all__ = ["KEY_RETENTION", "REBASE_LIMIT", "TriageService", "origin_of", "patch_action"]

REBASE_LIMIT = 3
"""Times one action is re-applied by itself over version-only changes before a person decides."""


class TriageService:
    """Actions from the keyboard to the outbox, and the backend's answers back to the store."""

    def __init__(
        self,
        store: IncidentStore,
        outbox: Outbox,
        *,
        unsupported: Callable[[IncidentPatch], str | None] = lambda _patch: None,
        undo_seconds: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.unsupported = unsupported
        """Why this backend cannot express a patch (None: it can)."""
        self.undo_seconds = undo_seconds
        self.monotonic = monotonic
        self.clock = clock
        self.me: Me | None = None
        """Who the backend says we are (None until it answered)."""
        self.wake: Callable[[], None] = lambda: None
        """Called when actions were stored: the app starts sending them."""
        self._pending: Counter[str] = Counter()
        self._mine: dict[str, str] = {}
        """Action id → incident id of what this dashboard shows as pending."""
        self._kept: dict[str, tuple[Action, str]] = {}
        """Held actions and conflicts from the outbox (action, why), shown once their
        incident is in the store."""
        self._seen: dict[str, Incident] = {}
        self._rebases: Counter[str] = Counter()
        self._tallies = Tallies()
        self._undo: Undoable | None = None
        self._conflicts: dict[str, ActionConflict] = {}
        self.people = KnownPeople(store)
        """Names for assignee completion."""

    # --- reading -------------------------------------------------------------------

    @property
    def pending(self) -> Mapping[str, int]:
        """Actions waiting for the backend, by incident id (the one index of what is pending)."""
        return MappingProxyType(self._pending)

    @property
    def waiting(self) -> int:
        """How many actions wait for the backend."""
        return len(self._mine)

    @property
    def conflicts(self) -> tuple[ActionConflict, ...]:
        """Actions waiting for the user's decision: held, from earlier sessions, new."""
        kept = []
        for action, why in self._kept.values():
            current = self.store.confirmed(action.incident_id)
            if current is not None:
                kept.append(ActionConflict(action, None, current, (), why))
        return (*kept, *self._conflicts.values())

    @property
    def origin(self) -> str:
        """The origin of actions made now (empty until the backend said who we are)."""
        return origin_of(self.me) if self.me is not None else ""

    def next_waiting(self, skip: Collection[str] = ()) -> Action | None:
        """The next action to send as this origin, but those in `skip` (being sent)."""
        return self.outbox.next_waiting(self.origin, skip)

    # --- from the keyboard -----------------------------------------------------------

    def submit(self, actions: Iterable[Action]) -> Submitted:
        """Check, store durably, show at once, and wake the sender."""
        allowed: list[Action] = []
        refused: list[tuple[str, str]] = []
        for action in actions:
            why = self.why_not(action)
            if why:
                refused.append((action.incident_id, why))
            else:
                allowed.append(action)
        if not allowed:
            return Submitted(refused=tuple(refused))
        batch = uuid.uuid4().hex if len(allowed) > 1 else None
        allowed = [replace(action, batch=batch, origin=self.origin) for action in allowed]
        try:
            stored = self.outbox.add(*allowed)
        except sqlite3.Error as error:
            # A full disk or a damaged outbox: nothing was stored, so nothing is shown
            # as done; the user is told and can act again once the disk has room.
            why = f"not saved, so not sent (outbox: {error})"
            return Submitted(refused=(*refused, *((a.incident_id, why) for a in allowed)))
        if batch:
            self._tallies.start(batch, allowed[0].label.split(":")[0], len(allowed))
        change = StoreChange()
        for action in stored:
            change |= self._show_pending(action)
        self.wake()
        return Submitted(change=change, refused=tuple(refused), sent=len(stored))

    def resume(self) -> int:
        """At start: count what the outbox holds as pending, bring back undecided conflicts,
        and wake the sender."""
        for action in self.outbox.waiting():
            self._mark(action)
        for action in self.outbox.conflicts():
            self._kept[action.id] = (action, action.error)
        if self._pending:
            self.wake()
        return self.waiting

    def identify(self, me: Me) -> Submitted | None:
        """The backend says who we are: hold every waiting action not made for that.

        Returns what to tell the user, if anything was newly held.
        """
        self.me = me
        origin = self.origin
        self.outbox.adopt(origin)
        retention = timedelta(seconds=me.key_retention) if me.key_retention else KEY_RETENTION
        change, held = StoreChange(), 0
        for action in self.outbox.held(origin, self.clock() - retention):
            if action.id in self._kept:
                continue
            if action.origin not in ("", origin):
                # Left waiting: a dashboard of that origin (another user here) sends it.
                why = f"made for {action.origin}, not sent to {origin}"
            else:
                # Ours, but the backend may have forgotten its key: the user decides,
                # and the decision waits in the outbox across restarts.
                why = "older than the backend remembers its key: resending may repeat it"
                self.outbox.finish(action.id, ActionState.CONFLICT, why)
            self._kept[action.id] = (action, why)
            held += 1
            if action.id in self._mine:
                change |= self._answered(action, rolled_back=True)
        if not held:
            return None
        note = f"{held} actions held, not sent ({why}). Press C to resend or drop them."
        return Submitted(change=change, note=note)

    def reconcile(self) -> Submitted:
        """Another dashboard sends for us: clear the marks of what it has answered."""
        change = StoreChange()
        for action_id in list(self._mine):
            stored = self.outbox.get(action_id)
            if stored is None or stored.state is ActionState.WAITING:
                continue
            change |= self._answered(stored, rolled_back=stored.state is not ActionState.DONE)
            if stored.state is ActionState.CONFLICT:
                self._kept[stored.id] = (stored, stored.error)
        return Submitted(change=change)

    def undo(self) -> Submitted | str:
        """Undo the last severity or assignment change, within the undo window.

        Returns what was done, or why nothing was.
        """
        undo = self._undo
        if undo is None or self.monotonic() - undo.at > self.undo_seconds:
            return "Nothing to undo (only the last severity or assignment change, briefly)."
        self._undo = None
        action, before = undo.action, undo.before
        current = self.outbox.get(action.id)
        if current is not None and current.state is ActionState.WAITING:
            try:
                self.outbox.finish(action.id, ActionState.DROPPED, "undone before it was sent")
            except sqlite3.Error as error:
                return f"Not undone: the outbox cannot be written ({error}); it will be sent."
            change = self._answered(action, rolled_back=True)
            return Submitted(change=change, note=f"Undone before sending: {action.label}")
        incident = self.store.get(action.incident_id)
        if incident is None:
            return "Nothing to undo: the incident is no longer held."
        patch = action.patch
        inverse: dict[str, Any] = {"reason": f"undo: {action.label}"}
        if patch.severity is not None:
            inverse["severity"] = before.severity
        if patch.sets_assignee:
            inverse["assignee"] = before.assignee
        undo_patch = IncidentPatch(**inverse)
        return self.submit([patch_action(incident, undo_patch, f"undo {action.label}")])

    def decide(self, action_id: str, *, reapply: bool) -> Submitted:
        """Settle a waiting conflict: send the action again on top of what is there, or drop it."""
        conflict = self._conflicts.get(action_id)
        kept = self._kept.get(action_id)
        action = conflict.action if conflict else kept[0] if kept else None
        if action is None:
            return Submitted()
        if not reapply:
            try:
                self.outbox.finish(action.id, ActionState.DROPPED, "dropped by the user")
            except sqlite3.Error as error:
                # Not recorded, so still offered (here and after a restart).
                return Submitted(refused=((action.incident_id, f"not dropped ({error})"),))
            self._forget_conflict(action_id)
            return Submitted(note=f"Dropped: {action.label} on {action.incident_id}")
        held = self.store.confirmed(action.incident_id)
        if held is None and conflict is not None:
            held = conflict.current
        if held is None:
            return Submitted(refused=((action.incident_id, "it is no longer held"),))
        again = Action(
            action.kind,
            action.incident_id,
            action.payload,
            # Versioned writes (patches, clock steps) go again against what is there now.
            base_version=held.version if action.base_version is not None else None,
            label=action.label,
        )
        result = self.submit([again])
        if result.sent:
            # Should this not be recorded (disk full), the old one is offered again after
            # a restart: the user sees it there, rather than it going twice unasked.
            with contextlib.suppress(sqlite3.Error):
                self.outbox.finish(action.id, ActionState.DROPPED, f"re-applied as {again.id}")
            self._forget_conflict(action_id)
        return result

    def _forget_conflict(self, action_id: str) -> None:
        self._conflicts.pop(action_id, None)
        self._kept.pop(action_id, None)

    # --- the backend's answers ---------------------------------------------------------

    def attempted(self, action: Action, error: str) -> None:
        """A send got no answer: the action stays waiting, its attempt counted."""
        self.outbox.attempted(action.id, error)

    def settle(self, action: Action, outcome: Outcome) -> list[TriageEvent]:
        """Record the backend's answer to one action; returns what to show."""
        incident_id = action.incident_id
        events: list[TriageEvent] = []
        if isinstance(outcome, Applied):
            self.outbox.finish(action.id, ActionState.DONE)
            old = action.base_version if action.base_version else outcome.incident.version - 1
            self.outbox.rebase(incident_id, old, outcome.incident.version)
            change = self.store.apply([outcome.incident])
            change |= self._answered(action)
            self._forget(action)
            events.append(Confirmed(action, change, outcome.partly))
            events.extend(self._tallies.count(action, applied=True))
        elif isinstance(outcome, Refused):
            self.outbox.finish(action.id, ActionState.REJECTED, outcome.reason)
            change = self._answered(action, rolled_back=True)
            self._forget(action)
            events.append(RolledBack(action, outcome.reason, change, self._tallies.holds(action)))
            events.extend(self._tallies.count(action, refused=outcome.reason))
        elif isinstance(outcome, Stale):
            events.extend(self._stale(action, outcome.current))
        return events

    def _stale(self, action: Action, current: Incident) -> list[TriageEvent]:
        incident_id = action.incident_id
        seen = self._seen.get(action.id)
        fields = visible_differences(seen, current) if seen is not None else ()
        change = self.store.apply([current])
        if (
            seen is not None
            and not fields
            and action.kind is ActionKind.PATCH
            and self._rebases[action.id] < REBASE_LIMIT
        ):
            # Only the version moved (a note, an escalation's timeline event): the user's
            # change still means what it meant, so it goes again on top of the new version.
            self._rebases[action.id] += 1
            self._seen[action.id] = current
            self.outbox.rebase(incident_id, action.base_version or 0, current.version)
            update = optimistic(current, action)
            change |= self.store.apply_local(incident_id, update)
            return [Reapplied(action, change)]
        self.outbox.finish(action.id, ActionState.CONFLICT, "changed by someone else")
        change |= self._answered(action, rolled_back=True)
        self._forget(action)
        conflict = ActionConflict(action, seen, current, fields)
        self._conflicts[action.id] = conflict
        events: list[TriageEvent] = [ConflictFound(conflict, change, self._tallies.holds(action))]
        events.extend(self._tallies.count(action, conflict=True))
        return events

    # --- inside ------------------------------------------------------------------------

    def why_not(self, action: Action) -> str | None:
        """Why this action would be refused before sending (role, backend, gone), or None."""
        incident = self.store.get(action.incident_id)
        if incident is None:
            return "it is no longer held"
        why = refusal(action, incident, self.me)
        if not why and action.kind is ActionKind.PATCH:
            unsupported = self.unsupported(action.patch)
            why = f"not possible on this backend: {unsupported}" if unsupported else None
        return why

    def _mark(self, action: Action) -> None:
        if action.id not in self._mine:
            self._mine[action.id] = action.incident_id
            self._pending[action.incident_id] += 1

    def _show_pending(self, action: Action) -> StoreChange:
        self._mark(action)
        incident = self.store.get(action.incident_id)
        if incident is None:
            return StoreChange()
        self._seen[action.id] = self.store.confirmed(action.incident_id) or incident
        if action.kind is ActionKind.PATCH and (
            action.patch.severity is not None or action.patch.sets_assignee
        ):
            self._undo = Undoable(action, incident, self.monotonic())
        return self.store.apply_local(action.incident_id, optimistic(incident, action))

    def _answered(self, action: Action, *, rolled_back: bool = False) -> StoreChange:
        """One action on an incident has its answer: drop its pending mark, fix the row.

        An action another dashboard made (same outbox) has no mark here to drop.
        """
        incident_id = action.incident_id
        if self._mine.pop(action.id, None) is not None:
            self._pending[incident_id] -= 1
        touched = StoreChange(updated=frozenset({incident_id}))
        if self._pending[incident_id] <= 0:
            self._pending.pop(incident_id, None)
            if rolled_back:
                return touched | self.store.rollback(incident_id)
            return touched
        # Other changes to it still wait: keep showing them.
        for waiting in self.outbox.waiting_on(incident_id):
            incident = self.store.get(incident_id)
            if incident is not None:
                touched |= self.store.apply_local(incident_id, optimistic(incident, waiting))
        return touched

    def _forget(self, action: Action) -> None:
        self._seen.pop(action.id, None)
        self._rebases.pop(action.id, None)
