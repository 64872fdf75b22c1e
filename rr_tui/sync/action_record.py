"""What an action is, as the outbox keeps it: its kind, its state, its row."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from rr_tui.models import EscalationCreate, Incident, IncidentPatch, Me

KEY_RETENTION = timedelta(days=7)
"""How long the backend remembers an idempotency key, unless `Me.key_retention` says."""


class ActionKind(StrEnum):
    """What an action does on the backend."""

    PATCH = "patch"
    NOTE = "note"
    ESCALATE = "escalate"
    CLOCK_START = "clock_start"
    """Start a legal clock (`{"body": ClockStart}`; rr API only)."""
    CLOCK_STEP = "clock_step"
    """Pause, resume, extend, meet or cancel a clock (`{"clock_id", "body": ClockStep}`)."""
    PROTOCOL_ACTIVATE = "protocol_activate"
    """Activate a protocol (`{"body": ProtocolActivate}`)."""
    PROTOCOL_TICK = "protocol_tick"
    """Tick or untick a protocol's step (`{"run_id", "body": ProtocolTick}`)."""


CLOCK_KINDS = frozenset({ActionKind.CLOCK_START, ActionKind.CLOCK_STEP})
"""Clock writes: versioned like a patch (If-Match), never re-applied without the user."""

PROTOCOL_KINDS = frozenset({ActionKind.PROTOCOL_ACTIVATE, ActionKind.PROTOCOL_TICK})
"""Protocol writes: versioned and never re-applied without the user, like clock writes."""

VERSIONED_KINDS = frozenset({ActionKind.PATCH, *CLOCK_KINDS, *PROTOCOL_KINDS})
"""Actions sent against the version the user saw (`base_version`)."""


class ActionState(StrEnum):
    """Where an action is in its life."""

    WAITING = "waiting"
    """Not yet answered: sent again until the backend confirms or refuses."""
    DONE = "done"
    REJECTED = "rejected"
    CONFLICT = "conflict"
    """The incident changed under it; the user decides to re-apply or drop."""
    DROPPED = "dropped"


@dataclass(frozen=True)
class Action:
    """One change the user made, as it is kept until the backend has answered."""

    kind: ActionKind
    incident_id: str
    payload: dict[str, Any]
    """The body: an IncidentPatch, `{"text"}`, an EscalationCreate or a clock write, as JSON."""
    base_version: int | None = None
    """For a patch or a clock write: the version the user saw (sent as If-Match)."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    batch: str | None = None
    """Actions made together (bulk) share a batch, to report them together."""
    label: str = ""
    """What the user did, in words, for toasts and the conflict dialog."""
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    state: ActionState = ActionState.WAITING
    attempts: int = 0
    error: str = ""
    seq: int = 0
    """Position in the outbox (set when stored)."""
    origin: str = ""
    """Who it was made for: `instance/user` (empty: made before the backend said)."""

    @property
    def patch(self) -> IncidentPatch:
        """The body of a PATCH action."""
        return IncidentPatch.model_validate(self.payload)

    @property
    def escalation(self) -> EscalationCreate:
        """The body of an ESCALATE action."""
        return EscalationCreate.model_validate(self.payload)


def action_from_row(row: tuple[Any, ...]) -> Action | None:
    """A row as an Action; None for a row too damaged to mean anything."""
    try:
        return Action(
            seq=row[0],
            id=row[1],
            kind=ActionKind(row[2]),
            incident_id=row[3],
            payload=json.loads(row[4]),
            base_version=row[5],
            batch=row[6],
            label=row[7],
            created_at=datetime.fromisoformat(row[8]),
            state=ActionState(row[9]),
            attempts=row[10],
            error=row[11],
            origin=row[12] or "",
        )
    except (ValueError, TypeError, IndexError):
        return None


def origin_of(me: Me) -> str:
    """The origin actions made as `me` carry: which backend instance, which user."""
    return f"{me.instance}/{me.name}"


def patch_action(incident: Incident, patch: IncidentPatch, label: str) -> Action:
    """A PATCH of `incident` against the version the user sees."""
    return Action(
        ActionKind.PATCH,
        incident.id,
        patch.model_dump(mode="json", exclude_unset=True),
        base_version=incident.version,
        label=label,
    )


@dataclass(frozen=True)
class Undoable:
    """The last severity or assignment change, what it changed from, and when (monotonic)."""

    action: Action
    before: Incident
    at: float
