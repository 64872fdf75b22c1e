"""The domain model of rr-tui, shared by the dashboard and the reference server.

Everything that crosses the rr HTTP API v1 is defined here as a pydantic model,
so the server validates what it accepts with the same rules the client uses to
parse what it receives. This module imports nothing else of ours.

Request bodies (`IncidentCreate`, `IncidentPatch`, `NoteCreate`,
`EscalationCreate`) forbid unknown fields: a typo in a client must be an error,
not a silently ignored change. Response bodies ignore unknown fields, so an
older client keeps working against a newer server.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    PlainSerializer,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

API_PREFIX = "/api/v1"


def utcnow() -> datetime:
    """The current time, aware, in UTC (the default clock of server, sync layer and app)."""
    return datetime.now(UTC)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _not_a_number(value: object) -> object:
    # pydantic would read 0 as 1970-01-01: a number is never what a client meant.
    if isinstance(value, int | float):
        raise ValueError("give an ISO 8601 time with its offset, e.g. 2026-11-24T06:32:00Z")
    return value


UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_not_a_number), AfterValidator(_to_utc)]
"""A timezone-aware datetime, normalised to UTC. Naive datetimes and numbers are rejected."""

IncidentId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
"""An incident id: `RR-2041` on the reference server, other shapes on other backends."""

ContactId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
"""A stakeholder directory id, e.g. `legal-sg-1`."""

USER_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$"
"""What a user name looks like (an email fits): the server, the config and the adapters
check names against this one pattern."""
REGION_PATTERN = r"^[A-Z]{2}$"
"""What a market code looks like."""
CATEGORY_PATTERN = r"^[a-z][a-z0-9_]{1,47}$"
"""What a category slug looks like."""

UserName = Annotated[str, StringConstraints(pattern=USER_NAME_PATTERN)]
"""An analyst's user name, e.g. `mei.tan`."""

Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
"""A market code (ISO 3166-1 alpha-2 style): ID, TH, VN, PH, MY, SG, JP, KR, AU, NZ, IN, ..."""

Category = Annotated[str, StringConstraints(pattern=CATEGORY_PATTERN)]
"""A category slug, e.g. `violent_extremism`. Teams may add their own; see CATEGORIES."""

# Length limits, named so that adapters clip what they map to exactly what validates.
TEXT_MAX = 10_000
"""Longest summary, note, timeline message or escalation note."""
TITLE_MAX = 300
"""Longest incident title."""
TAG_MAX = 40
"""Longest tag."""
LINK_MAX = 2_000
"""Longest link."""
CONTACT_NOTES_MAX = 2_000
"""Longest notes of a directory contact."""
CONTACT_NAME_MAX = 200
"""Longest name, or role, of a directory contact."""
PHONE_MAX = 100
"""Longest phone number of a directory contact."""
EMAIL_MAX = 320
"""Longest email address of a directory contact (RFC 3696's limit)."""

Tag = Annotated[str, StringConstraints(min_length=1, max_length=TAG_MAX)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=TITLE_MAX)]
Summary = Annotated[str, StringConstraints(max_length=TEXT_MAX)]
Reason = Annotated[str, StringConstraints(max_length=1_000)]
NoteText = Annotated[str, StringConstraints(min_length=1, max_length=TEXT_MAX)]
Link = Annotated[str, StringConstraints(min_length=1, max_length=LINK_MAX)]


class Severity(StrEnum):
    """How urgent an incident is. A lower number is more urgent."""

    SEV0 = "SEV0"
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @property
    def rank(self) -> int:
        """0 for SEV0 (most urgent) to 4 for SEV4."""
        return int(self.value[3])

    @classmethod
    def from_rank(cls, rank: int) -> Severity:
        """The severity for a rank, clamped to SEV0..SEV4."""
        return cls(f"SEV{min(max(rank, 0), 4)}")


DEFAULT_SLA: Mapping[Severity, timedelta] = {
    Severity.SEV0: timedelta(minutes=30),
    Severity.SEV1: timedelta(hours=2),
    Severity.SEV2: timedelta(hours=8),
    Severity.SEV3: timedelta(hours=24),
    Severity.SEV4: timedelta(hours=72),
}
"""Time from creation to mitigation before the SLA is breached, by severity: the defaults
of the settings (`[severities]`), the reference server and the PagerDuty adapter."""


class Status(StrEnum):
    """Where an incident is in its life: new → acknowledged → escalated → mitigated → resolved."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        """True for every status but resolved (see `OPEN_STATUSES`)."""
        return self in OPEN_STATUSES


OPEN_STATUSES: frozenset[Status] = frozenset(Status) - {Status.RESOLVED}
"""The statuses of an incident still being worked: every status but resolved."""


class Source(StrEnum):
    """Where an incident came from."""

    USER_REPORT = "user_report"
    INTERNAL_DETECTION = "internal_detection"
    TRUSTED_FLAGGER = "trusted_flagger"
    REGULATOR = "regulator"
    LAW_ENFORCEMENT = "law_enforcement"
    MEDIA = "media"
    EMPLOYEE = "employee"
    PARTNER = "partner"


class Team(StrEnum):
    """The function a stakeholder belongs to."""

    LEGAL = "legal"
    PUBLIC_POLICY = "public_policy"
    COMMS = "comms"
    PRODUCT = "product"
    ENGINEERING = "engineering"
    LAW_ENFORCEMENT_RESPONSE = "law_enforcement_response"
    PARTNERSHIPS = "partnerships"
    REGIONAL_OPS = "regional_ops"
    TRUST_SAFETY = "trust_safety"


class EventKind(StrEnum):
    """What a timeline event records."""

    CREATED = "created"
    SEVERITY_CHANGED = "severity_changed"
    STATUS_CHANGED = "status_changed"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    NOTE = "note"
    RESOLVED = "resolved"
    REOPENED = "reopened"


class Role(StrEnum):
    """What a user may do: a lead may also downgrade severity and take over others' incidents."""

    ANALYST = "analyst"
    LEAD = "lead"


CATEGORIES: dict[str, str] = {
    "violent_extremism": "violent extremism",
    "child_safety": "child safety",
    "self_harm": "self-harm",
    "hate_speech": "hate speech",
    "misinformation_elections": "misinformation/elections",
    "privacy_doxxing": "privacy/doxxing",
    "harassment": "harassment",
    "account_compromise": "account compromise",
    "legal_request": "legal/regulatory request",
    "law_enforcement_request": "law-enforcement request",
    "media_inquiry": "media inquiry",
    "scams_fraud": "scams/fraud",
}
"""The well-known categories and their display labels. Other slugs are allowed."""


class _Response(BaseModel):
    """Base of everything the API returns: unknown fields are ignored, values immutable."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class _Request(BaseModel):
    """Base of every request body: unknown fields are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


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


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{name!r} is not an IANA time zone") from error
    return name


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]


WallClock = Annotated[
    time,
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"}),
]
"""A local wall-clock time, `HH:MM` on the wire (no offset: it is in the contact's zone)."""


class WorkingHours(_Response):
    """A stakeholder's working hours, in their own time zone."""

    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    """Working weekdays, 0 = Monday."""
    start: WallClock = time(9, 0)
    end: WallClock = time(18, 0)

    @field_validator("days")
    @classmethod
    def _weekdays(cls, days: list[int]) -> list[int]:
        if any(day < 0 or day > 6 for day in days):
            raise ValueError("weekdays run from 0 (Monday) to 6 (Sunday)")
        return sorted(set(days))

    def contains(self, local: datetime) -> bool:
        """Whether a local wall-clock time falls in working hours (overnight shifts included)."""
        now = local.time()
        if self.start <= self.end:
            return local.weekday() in self.days and self.start <= now < self.end
        # An overnight shift belongs to the day it started on.
        if now >= self.start:
            return local.weekday() in self.days
        return (local.weekday() - 1) % 7 in self.days and now < self.end


class Contact(_Response):
    """A stakeholder in the escalation directory."""

    id: ContactId
    name: str = Field(min_length=1, max_length=CONTACT_NAME_MAX)
    team: Team
    role: str = Field(default="", max_length=CONTACT_NAME_MAX)
    regions: list[Region] = Field(default_factory=list)
    """Markets this person covers; empty means all."""
    categories: list[Category] = Field(default_factory=list)
    """Categories this person handles; empty means all."""
    timezone: TimeZoneName
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    phone: str = Field(default="", max_length=PHONE_MAX)
    email: str = Field(default="", max_length=EMAIL_MAX)
    chat: str = Field(default="", max_length=200)
    on_call: bool = False
    escalation_tier: int = Field(default=1, ge=1, le=5)
    notes: str = Field(default="", max_length=CONTACT_NOTES_MAX)

    def local_time(self, now: datetime) -> datetime:
        """`now` on this person's wall clock."""
        return now.astimezone(ZoneInfo(self.timezone))

    def is_working(self, now: datetime) -> bool:
        """Whether `now` falls in this person's working hours."""
        return self.working_hours.contains(self.local_time(now))


class Escalation(_Response):
    """A record that an incident was escalated to stakeholders."""

    id: int = Field(ge=1)
    incident_id: IncidentId
    targets: list[ContactId]
    note: str = ""
    actor: UserName
    at: UtcDatetime


# --- request bodies ---------------------------------------------------------


class IncidentCreate(_Request):
    """`POST /api/v1/incidents`: intake from report tools, integrations and the simulator."""

    title: Title
    summary: Summary = ""
    severity: Severity
    category: Category
    region: Region
    source: Source
    sensitive: StrictBool = False
    assignee: UserName | None = None
    due_at: UtcDatetime | None = None
    """Overrides the server's SLA target for the severity."""
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    links: list[Link] = Field(default_factory=list, max_length=20)


class IncidentPatch(_Request):
    """`PATCH /api/v1/incidents/{id}`: change severity, status and/or assignee, with a reason.

    `"assignee": null` unassigns; leaving `assignee` out leaves it as it is.
    """

    severity: Severity | None = None
    status: Status | None = None
    assignee: UserName | None = None
    reason: Reason = ""

    @property
    def sets_assignee(self) -> bool:
        """Whether the body names an assignee (a JSON null included)."""
        return "assignee" in self.model_fields_set

    @model_validator(mode="after")
    def _something_to_change(self) -> IncidentPatch:
        if self.severity is None and self.status is None and not self.sets_assignee:
            raise ValueError("nothing to change: give severity, status or assignee")
        return self


class NoteCreate(_Request):
    """`POST /api/v1/incidents/{id}/notes`."""

    text: NoteText


class EscalationCreate(_Request):
    """`POST /api/v1/incidents/{id}/escalations`: notify one or more stakeholders."""

    targets: list[ContactId] = Field(min_length=1, max_length=50)
    note: Annotated[str, StringConstraints(max_length=TEXT_MAX)] = ""


# --- response bodies --------------------------------------------------------


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
