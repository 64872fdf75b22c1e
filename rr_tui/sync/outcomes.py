"""What can become of an action: the backend's answer, what to show before it, what to report.

`send` (in `sync/actions.py`) turns the backend's answer into one of four
outcomes: applied, refused (with the reason in words), stale (someone else
changed the incident) or retry (the backend could not answer). `optimistic` is
the change to show at once; `refusal` says, before anything is sent, why this
user's role may not make a change. The triage service reports each step as one
of the `TriageEvent` values below. Nothing here talks to a backend, so the
triage service and the screens can use it without a transport.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rr_tui.models import Incident, Me, Role, Status
from rr_tui.sync.outbox import Action, ActionKind
from rr_tui.sync.store import StoreChange


@dataclass(frozen=True)
class Applied:
    """The backend confirmed; this is the incident now."""

    incident: Incident
    partly: str = ""
    """For an action applied in part: what applied and what did not, in words ("": all)."""


@dataclass(frozen=True)
class Refused:
    """The backend said no, for a reason a person can read."""

    reason: str


@dataclass(frozen=True)
class Stale:
    """The incident changed since the user acted on it."""

    current: Incident


@dataclass(frozen=True)
class Retry:
    """No answer: keep the action and try again later."""

    error: str
    retry_after: float | None = None


Outcome = Applied | Refused | Stale | Retry


# --- what the triage service reports, for the screen to show ---------------------------


@dataclass(frozen=True)
class ActionConflict:
    """An action the incident moved away from, waiting for the user: re-apply or drop."""

    action: Action
    seen: Incident | None
    """The backend's copy the user acted on (None: the action is from an earlier session)."""
    current: Incident
    fields: tuple[str, ...]
    """The visible fields that differ between `seen` and `current`."""
    reason: str = ""
    """Why it is held rather than sent, when that is not a field someone changed."""


@dataclass(frozen=True)
class Submitted:
    """What `submit` (or undo, or a conflict's decision) did at once."""

    change: StoreChange = field(default_factory=StoreChange)
    refused: tuple[tuple[str, str], ...] = ()
    """(incident id, why) for each action refused before sending."""
    sent: int = 0
    """Actions stored in the outbox and on their way."""
    note: str = ""
    """Something to tell the user that is neither a refusal nor a send."""


@dataclass(frozen=True)
class Confirmed:
    """The backend applied an action."""

    action: Action
    change: StoreChange
    partly: str = ""
    """What applied and what did not, when only part of it did ("": all of it)."""


@dataclass(frozen=True)
class RolledBack:
    """The backend refused an action; its row shows the backend's copy again."""

    action: Action
    reason: str
    change: StoreChange
    batched: bool
    """Part of a bulk batch (its refusal is reported in the batch's summary)."""


@dataclass(frozen=True)
class ConflictFound:
    """An action now waits in `TriageService.conflicts` for the user."""

    conflict: ActionConflict
    change: StoreChange
    batched: bool


@dataclass(frozen=True)
class Reapplied:
    """Only the version moved under an action: it is sent again on top, as the user meant it."""

    action: Action
    change: StoreChange


@dataclass(frozen=True)
class BatchDone:
    """Every action of a bulk batch has its answer."""

    label: str
    total: int
    applied: int
    refused: tuple[str, ...]
    conflicts: int


TriageEvent = Submitted | Confirmed | RolledBack | ConflictFound | Reapplied | BatchDone


def optimistic(incident: Incident, action: Action) -> dict[str, Any]:
    """The fields to show changed at once, before the backend answers."""
    if action.kind is ActionKind.PATCH:
        patch = action.patch
        update: dict[str, Any] = {}
        if patch.severity is not None:
            update["severity"] = patch.severity
        if patch.status is not None:
            update["status"] = patch.status
        if patch.sets_assignee:
            update["assignee"] = patch.assignee
        return update
    if action.kind is ActionKind.ESCALATE:
        targets = action.escalation.targets
        update = {"escalated_to": list(dict.fromkeys([*incident.escalated_to, *targets]))}
        if incident.status in (Status.NEW, Status.ACKNOWLEDGED):
            update["status"] = Status.ESCALATED
        return update
    return {}


def refusal(action: Action, incident: Incident, me: Me | None) -> str | None:
    """Why this user may not make this change (the reference backend's role matrix), or None."""
    if me is None or me.role is Role.LEAD or action.kind is not ActionKind.PATCH:
        return None
    patch = action.patch
    mine_or_free = incident.assignee in (None, me.name)
    if patch.severity is not None and patch.severity.rank > incident.severity.rank:
        return f"only a lead may lower severity ({incident.severity} → {patch.severity})"
    if patch.status is not None and patch.status is not incident.status and not mine_or_free:
        return (
            f"{incident.id} is assigned to {incident.assignee}; only they or a lead may change it"
        )
    if patch.sets_assignee and patch.assignee != incident.assignee:
        if not mine_or_free:
            return f"{incident.id} is assigned to {incident.assignee}; only a lead may reassign it"
        if incident.assignee is None and patch.assignee != me.name:
            return f"{incident.id} is free: take it yourself, or ask a lead to assign it"
    return None


VISIBLE_FIELDS = (
    "severity",
    "status",
    "assignee",
    "escalated_to",
    "title",
    "summary",
    "region",
    "category",
    "sensitive",
)
"""The fields a person sees on a row or in the detail pane (a conflict is about these)."""


def visible_differences(seen: Incident, current: Incident) -> tuple[str, ...]:
    """The visible fields whose value differs between what the user saw and what is there now.

    An empty answer means only the version moved (a note, a timeline event): not a
    conflict worth a person's attention.
    """
    return tuple(name for name in VISIBLE_FIELDS if getattr(seen, name) != getattr(current, name))
