"""The Backend protocol and the errors every adapter raises.

Adapters turn whatever their service says into these few errors, so the sync
layer can decide once what is worth a retry (`Unavailable`) and what is an
answer (`Rejected` and its kinds). The HTTP adapters share one mapping from
statuses and transport failures to them: `backends.http_errors`.

Our exception hierarchy:

* BackendError
  + Unavailable      408/425/429/5xx, a malformed answer (retry)
    - Unreachable    timeout, refused connection, reset, DNS: no server answered (retry)
    - Intercepted    an answer that is not the backend speaking: a proxy's HTML page, an
                     error body not in the service's error shape (retry, shown in the link)
  + Rejected         the backend understood and said no (an answer: do not retry)
    - Unauthorized   401: the token is missing or not valid
      - NoToken      no token is configured: nothing was sent
    - NotAllowed     403: this user's role may not do that
    - NotFoundError  404: no such incident
    - Conflict       409/412: the incident moved past the version; carries it as it is now
  + PartlyApplied    one part of a composite action applied, a later one was refused: an
                     answer (do not retry: that would repeat what applied); carries the
                     incident as the applied part left it
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from rr_tui.models import (
    Contact,
    EscalationCreate,
    EscalationResult,
    Incident,
    IncidentPatch,
    Me,
    NoteResult,
    TimelineEvent,
)


class BackendError(Exception):
    """Something went wrong talking to the backend; `message` is fit for a status bar."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unavailable(BackendError):
    """The backend could not be reached or failed (timeout, refused, 5xx, 429, garbage)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(Unavailable):
    """No server answered at all: connection refused or reset, no route, a timeout."""


class Intercepted(Unavailable):
    """Something answered that is not the backend: a proxy's or portal's page, a foreign body.

    Its status (a 404, a 403) says nothing about the request, so it is never a
    refusal: it is retried, and the link says what answered instead.
    """


class Rejected(BackendError):
    """The backend understood the request and said no."""

    def __init__(self, message: str, status: int = 400, code: str = "rejected") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class Unauthorized(Rejected):
    """The token is missing or not valid."""


class NoToken(Unauthorized):
    """No token is configured, so the request was not sent: the server would refuse it."""

    def __init__(self, message: str = "no token configured") -> None:
        super().__init__(message, 401, "no_token")


class NotAllowed(Rejected):
    """This user's role may not do that."""


class NotFoundError(Rejected):
    """No such incident."""


class Conflict(Rejected):
    """The incident changed since the version the change was made against."""

    def __init__(self, message: str, current: Incident) -> None:
        super().__init__(message, 409, "version_conflict")
        self.current = current


class PartlyApplied(BackendError):
    """A composite action (a change and its note, a page and its note) applied in part.

    `message` says, in words, what applied and what failed; `incident` is the incident
    as the applied part left it, which the dashboard keeps (no rollback).
    """

    def __init__(self, message: str, incident: Incident, failed: str) -> None:
        super().__init__(message)
        self.incident = incident
        self.failed = failed
        """Why the later part failed (the backend's words)."""


@dataclass(frozen=True)
class ChangeSet:
    """What one poll brought: incidents changed since the cursor, or a full snapshot."""

    items: list[Incident]
    cursor: str | None
    reset: bool = False
    """The items are everything there is: drop what you hold first."""
    server_time: datetime | None = None
    not_modified: bool = False
    """The backend said nothing changed (e.g. HTTP 304)."""
    skipped: list[str] = field(default_factory=list)
    """Records that broke the schema and were left out, each described in a line."""
    more: bool = False
    """Pages were left unread (the adapter's per-poll bound): the next poll goes on from here."""
    hold: float | None = None
    """The backend pushes: the next `changes` call may wait up to this many seconds for a
    change and should be made at once (None: poll at the interval)."""


class Backend(Protocol):
    """An incident backend the dashboard can poll and act on."""

    name: str
    """A short label for the status bar, e.g. `rr 127.0.0.1:8765`."""

    async def changes(self, cursor: str | None) -> ChangeSet:
        """What changed since `cursor` (a full snapshot for None); `more` if pages are left."""
        ...

    async def timeline(self, incident_id: str, after: int = 0) -> list[TimelineEvent]:
        """An incident's timeline events after `after`, oldest first."""
        ...

    async def contacts(self) -> list[Contact] | None:
        """The stakeholder directory, or None when it has not changed since the last call."""
        ...

    async def me(self) -> Me:
        """Who the credentials belong to."""
        ...

    async def assignable(self) -> list[str]:
        """The names incidents can be assigned to, as `IncidentPatch.assignee` takes them."""
        ...

    async def patch(
        self, incident_id: str, change: IncidentPatch, version: int, key: str
    ) -> Incident:
        """Change severity, status or assignee against `version`; `key` makes retries safe."""
        ...

    async def add_note(self, incident_id: str, text: str, key: str) -> NoteResult:
        """Add a note to the timeline."""
        ...

    async def escalate(
        self, incident_id: str, body: EscalationCreate, key: str
    ) -> EscalationResult:
        """Escalate to directory contacts."""
        ...

    def unsupported_reason(self, change: IncidentPatch) -> str | None:
        """Why this backend cannot express a change at all (None: it can), before sending.

        The dashboard shows such an action as unavailable, with this reason,
        instead of sending it to be refused.
        """
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
