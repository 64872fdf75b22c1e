"""Incidents and what happens to them: the incident, its timeline events, its escalations."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, JsonValue

from rr_tui.models.base import _Response
from rr_tui.models.fields import (
    TEXT_MAX,
    Category,
    ContactId,
    IncidentId,
    Link,
    Region,
    Summary,
    Tag,
    Title,
    UserName,
    UtcDatetime,
)
from rr_tui.models.vocabulary import EventKind, Severity, Source, Status


class Incident(_Response):
    """One incident as the API serves it."""

    id: IncidentId
    title: Title
    summary: Summary = ""
    severity: Severity
    status: Status
    category: Category
    region: Region
    source: Source
    assignee: UserName | None = None
    escalated_to: list[ContactId] = Field(default_factory=list, max_length=50)
    sensitive: bool = False
    created_at: UtcDatetime
    updated_at: UtcDatetime
    acknowledged_at: UtcDatetime | None = None
    resolved_at: UtcDatetime | None = None
    due_at: UtcDatetime
    """When the SLA for this severity is breached."""
    version: int = Field(ge=1)
    """Bumped by every change; sent back in `If-Match` to change the incident."""
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    links: list[Link] = Field(default_factory=list, max_length=20)
    deadline_at: UtcDatetime | None = None
    """When the soonest running legal or protocol clock is due (none: no clock running)."""
    deadline_rule: str | None = Field(default=None, max_length=64)
    """The rule of that clock, e.g. `eu-tco-removal`."""
    protocol: str | None = Field(default=None, max_length=40)
    """The progress of the protocol last activated on it, e.g. `CRISIS 2/7` (none: no protocol)."""

    @property
    def soonest_due(self) -> datetime:
        """The sooner of the SLA and the soonest running clock: what the queue orders by."""
        if self.deadline_at is not None and self.deadline_at < self.due_at:
            return self.deadline_at
        return self.due_at


class TimelineEvent(_Response):
    """One entry of an incident's timeline: who did what, when and why."""

    seq: int = Field(ge=1)
    incident_id: IncidentId
    at: UtcDatetime
    actor: UserName
    kind: EventKind
    data: dict[str, JsonValue] = Field(default_factory=dict)
    """Details by kind, e.g. `{"from": "SEV2", "to": "SEV1", "reason": "..."}`."""
    message: str = Field(default="", max_length=TEXT_MAX)


class Escalation(_Response):
    """A record that an incident was escalated to stakeholders."""

    id: int = Field(ge=1)
    incident_id: IncidentId
    targets: list[ContactId]
    note: str = ""
    actor: UserName
    at: UtcDatetime
