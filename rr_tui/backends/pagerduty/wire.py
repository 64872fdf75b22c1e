"""PagerDuty REST API v2 records, as the adapter reads them.

The models follow PagerDuty's published OpenAPI description
(`PagerDuty/api-schema`, `reference/REST/openapiv3.json`, `components.schemas`):
only the fields the adapter reads are declared, everything else is ignored,
and a field the schema marks optional is optional here. A record that breaks
these models is skipped and reported, never guessed at.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Wire(BaseModel):
    """A PagerDuty record: unknown fields are ignored, values immutable."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class PdRef(Wire):
    """Any `*Reference` (or the full object: the extra fields are ignored)."""

    id: str
    type: str = ""
    summary: str | None = None


class PdUser(PdRef):
    """A `User`, or a `UserReference` (then only id, type and summary are set)."""

    name: str | None = None
    email: str | None = None
    time_zone: str | None = None
    job_title: str | None = None
    role: str | None = None


class PdPriority(PdRef):
    """A `Priority` (from `GET /priorities`) or a `PriorityReference` (on an incident)."""

    name: str | None = None

    @property
    def label(self) -> str:
        """The priority's short name, e.g. `P1` (references carry it as the summary)."""
        return self.name or self.summary or self.id


class PdAssignment(Wire):
    """`Assignment`: who an incident is assigned to, since when."""

    at: AwareDatetime | None = None
    assignee: PdUser


class PdAcknowledgement(Wire):
    """`Acknowledgement`."""

    at: AwareDatetime


class PdBody(Wire):
    """`IncidentBody` (served with `include[]=body`, or as a client sent it)."""

    details: Any = None


class PdIncident(PdRef):
    """An `Incident`."""

    incident_number: int | None = None
    title: str | None = None
    description: str | None = None
    """Not in the published schema but served by the live API: read when present."""
    status: Literal["triggered", "acknowledged", "resolved"]
    urgency: Literal["high", "low"] | None = None
    priority: PdPriority | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime | None = None
    last_status_change_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None
    assignments: list[PdAssignment] = Field(default_factory=list)
    acknowledgements: list[PdAcknowledgement] = Field(default_factory=list)
    service: PdRef | None = None
    escalation_policy: PdRef | None = None
    teams: list[PdRef] = Field(default_factory=list)
    html_url: str | None = None
    body: PdBody | None = None

    @property
    def changed_at(self) -> datetime:
        """The latest moment the incident itself says it changed."""
        times = [self.created_at, self.updated_at, self.last_status_change_at, self.resolved_at]
        return max(moment for moment in times if moment is not None)


class PdLogEntry(PdRef):
    """A `LogEntry` of any kind (`trigger_log_entry`, `acknowledge_log_entry`, ...)."""

    created_at: AwareDatetime
    agent: PdRef | None = None
    channel: dict[str, Any] | None = None
    note: str | None = None
    incident: dict[str, Any] | None = None
    """An `IncidentReference`, or the whole `Incident` with `include[]=incidents`."""
    assignees: list[PdRef] = Field(default_factory=list)


class PdNote(Wire):
    """An `IncidentNote`."""

    id: str | None = None
    user: PdRef | None = None
    content: str
    created_at: AwareDatetime


class PdOncall(Wire):
    """An `Oncall`: a user on call at a level of an escalation policy."""

    user: PdUser | None = None
    escalation_policy: PdRef | None = None
    escalation_level: int | None = None
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None


class PdContactMethod(Wire):
    """A `ContactMethod` (email, phone, sms, push, whatsapp)."""

    id: str | None = None
    type: str
    label: str = ""
    address: str = ""
    country_code: int | None = None
