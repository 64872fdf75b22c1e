"""Sending an outbox action, and what the dashboard may assume before the answer comes.

`send` turns the backend's answer into one of four outcomes: applied, refused
(with the reason in words), stale (someone else changed the incident: a
conflict for the user to settle) or retry (the backend could not answer).
`optimistic` is the change to show at once; `refusal` says, before anything is
sent, why this user's role may not make a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rr_tui.backends.base import (
    Backend,
    Conflict,
    NotAllowed,
    NotFoundError,
    Rejected,
    Unauthorized,
    Unavailable,
)
from rr_tui.models import Incident, Me, Role, Status
from rr_tui.sync.outbox import Action, ActionKind


@dataclass(frozen=True)
class Applied:
    """The backend confirmed; this is the incident now."""

    incident: Incident


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


async def send(backend: Backend, action: Action) -> Outcome:
    """Send one action with its id as the idempotency key."""
    try:
        if action.kind is ActionKind.PATCH:
            assert action.base_version is not None
            incident = await backend.patch(
                action.incident_id, action.patch, action.base_version, action.id
            )
            return Applied(incident)
        if action.kind is ActionKind.NOTE:
            text = str(action.payload["text"])
            note = await backend.add_note(action.incident_id, text, action.id)
            return Applied(note.incident)
        result = await backend.escalate(action.incident_id, action.escalation, action.id)
        return Applied(result.incident)
    except Unavailable as error:
        return Retry(error.message, error.retry_after)
    except Conflict as error:
        return Stale(error.current)
    except Unauthorized as error:
        # A token that stopped working is not the action's fault: keep it.
        return Retry(error.message)
    except (NotAllowed, NotFoundError, Rejected) as error:
        return Refused(in_words(error))


def in_words(error: Rejected) -> str:
    """A refusal as a person would say it."""
    if isinstance(error, NotAllowed):
        return f"not permitted: {error.message}"
    if isinstance(error, NotFoundError):
        return f"no longer exists: {error.message}"
    return f"refused ({error.code}): {error.message}"


def optimistic(incident: Incident, action: Action, me: str | None) -> dict[str, Any]:
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
    """Why this user may not make this change (the reference backend's rules), or None."""
    if me is None or me.role is Role.LEAD or action.kind is not ActionKind.PATCH:
        return None
    patch = action.patch
    if patch.severity is not None and patch.severity.rank > incident.severity.rank:
        return f"only a lead may lower severity ({incident.severity} → {patch.severity})"
    if (
        patch.sets_assignee
        and patch.assignee != incident.assignee
        and incident.assignee not in (None, me.name)
    ):
        return f"{incident.id} is assigned to {incident.assignee}; only a lead may reassign it"
    return None
