"""What the rr HTTP API v1 answers with, beyond the records themselves: pages, results of
a change, errors, health and who the token belongs to.

Every body ignores unknown fields (see `base`), so an older client keeps working
against a newer server.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from rr_tui.models.base import _Response
from rr_tui.models.contacts import Contact
from rr_tui.models.fields import UserName, UtcDatetime
from rr_tui.models.incidents import Escalation, Incident, TimelineEvent
from rr_tui.models.vocabulary import Role


class IncidentPage(_Response):
    """`GET /api/v1/incidents`: what changed since a cursor, or everything open."""

    items: list[Incident]
    cursor: str
    """Opaque; pass it back as `since` to get only what changed after this page."""
    server_time: UtcDatetime
    reset: bool = False
    """True when this page starts a full snapshot: drop what you hold before applying it."""
    more: bool = False
    """True when more changes wait: poll again at once with the new cursor."""


class TimelinePage(_Response):
    """`GET /api/v1/incidents/{id}/timeline`."""

    items: list[TimelineEvent]


class UserEntry(_Response):
    """Someone incidents can be assigned to."""

    name: UserName
    role: Role | None = None
    """Their role on this server (None: assignable, but they do not sign in here)."""


class UserList(_Response):
    """`GET /api/v1/users`: everyone an incident can be assigned to."""

    items: list[UserEntry]


class ContactList(_Response):
    """`GET /api/v1/contacts`."""

    items: list[Contact]


class NoteResult(_Response):
    """The answer to a note: the timeline event and the incident's new state."""

    event: TimelineEvent
    incident: Incident


class EscalationResult(_Response):
    """The answer to an escalation: the record and the incident's new state."""

    escalation: Escalation
    incident: Incident


class ErrorDetail(_Response):
    """What went wrong, in a stable code and words for a person."""

    code: str
    message: str
    details: list[dict[str, Any]] = Field(default_factory=list)


class ErrorBody(_Response):
    """Every error response: `{"error": {"code", "message"}}`."""

    error: ErrorDetail


class ConflictBody(ErrorBody):
    """A 409 on a stale `If-Match`: the error and the incident as it is now."""

    current: Incident


class Health(_Response):
    """`GET /api/v1/healthz`."""

    status: str
    version: str
    server_time: UtcDatetime


class Me(_Response):
    """`GET /api/v1/me`: who the token belongs to, so a client can show what it may do."""

    name: UserName
    role: Role
    instance: str = ""
    """Which backend this is (the rr server's database epoch): actions queued for one
    instance are never sent to another behind the same address."""
    key_retention: int | None = None
    """Seconds the backend remembers an idempotency key (None: not said)."""
