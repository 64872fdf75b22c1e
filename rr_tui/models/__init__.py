"""The domain model of rr-tui, shared by the dashboard and the reference server.

Everything that crosses the rr HTTP API v1 is defined here as a pydantic model,
so the server validates what it accepts with the same rules the client uses to
parse what it receives. This package imports nothing else of ours.

One model, in parts that each hold one idea:

- `fields`: the annotated value types, the patterns and the length limits.
- `vocabulary`: the enums (severity, status, ...) and the tables that go with them.
- `base`: the two bases: responses ignore unknown fields, requests forbid them.
- `incidents`: an incident, its timeline events and its escalations.
- `analytics`: trends over a window (the analytics endpoint's answer).
- `handovers`: the shift handover note and its acknowledgement.
- `milestones`: what a timeline says of how it went (times to act, SLA met or missed).
- `contacts`: the escalation directory and working hours.
- `durations`: durations as people write them (`30m`, `2h`, `3d`).
- `requests`: the API's path prefix and the request bodies.
- `responses`: pages, results, errors, health and `Me`.

Import from `rr_tui.models`, not from the parts: every public name is here.
"""

from rr_tui.models.analytics import (
    Bucket,
    Grouping,
    OpenedCount,
    SeverityTrend,
    Trends,
    trends_from,
)
from rr_tui.models.clock_outcomes import ClockOutcome, clock_outcomes
from rr_tui.models.contacts import Contact, WorkingHours
from rr_tui.models.durations import Duration, format_duration, parse_duration
from rr_tui.models.fields import (
    CATEGORY_PATTERN,
    CONTACT_NAME_MAX,
    CONTACT_NOTES_MAX,
    EMAIL_MAX,
    LINK_MAX,
    PHONE_MAX,
    REGION_PATTERN,
    TAG_MAX,
    TEXT_MAX,
    TIME_MAX,
    TIME_MIN,
    TITLE_MAX,
    USER_NAME_PATTERN,
    Category,
    ClientDatetime,
    ContactId,
    IncidentId,
    Link,
    NoteText,
    Reason,
    Region,
    Summary,
    Tag,
    TimeZoneName,
    Title,
    UserName,
    UtcDatetime,
    WallClock,
    utcnow,
)
from rr_tui.models.handovers import Handover, HandoverAck, HandoverCreate, HandoverList
from rr_tui.models.incidents import Escalation, Incident, TimelineEvent
from rr_tui.models.milestones import (
    EscalationStep,
    Milestones,
    SlaState,
    duration_text,
    milestones,
)
from rr_tui.models.requests import (
    API_PREFIX,
    EscalationCreate,
    IncidentCreate,
    IncidentPatch,
    NoteCreate,
)
from rr_tui.models.responses import (
    ConflictBody,
    ContactList,
    ErrorBody,
    ErrorDetail,
    EscalationResult,
    Health,
    IncidentPage,
    Me,
    NoteResult,
    TimelinePage,
    UserEntry,
    UserList,
)
from rr_tui.models.vocabulary import (
    CATEGORIES,
    DEFAULT_SLA,
    OPEN_STATUSES,
    TEAM_LABELS,
    EventKind,
    Role,
    Severity,
    Source,
    Status,
    Team,
)

__all__ = [
    "API_PREFIX",
    "CATEGORIES",
    "CATEGORY_PATTERN",
    "CONTACT_NAME_MAX",
    "CONTACT_NOTES_MAX",
    "DEFAULT_SLA",
    "EMAIL_MAX",
    "LINK_MAX",
    "OPEN_STATUSES",
    "PHONE_MAX",
    "REGION_PATTERN",
    "TAG_MAX",
    "TEAM_LABELS",
    "TEXT_MAX",
    "TIME_MAX",
    "TIME_MIN",
    "TITLE_MAX",
    "USER_NAME_PATTERN",
    "Bucket",
    "Category",
    "ClientDatetime",
    "ClockOutcome",
    "ConflictBody",
    "Contact",
    "ContactId",
    "ContactList",
    "Duration",
    "ErrorBody",
    "ErrorDetail",
    "Escalation",
    "EscalationCreate",
    "EscalationResult",
    "EscalationStep",
    "EventKind",
    "Grouping",
    "Handover",
    "HandoverAck",
    "HandoverCreate",
    "HandoverList",
    "Health",
    "Incident",
    "IncidentCreate",
    "IncidentId",
    "IncidentPage",
    "IncidentPatch",
    "Link",
    "Me",
    "Milestones",
    "NoteCreate",
    "NoteResult",
    "NoteText",
    "OpenedCount",
    "Reason",
    "Region",
    "Role",
    "Severity",
    "SeverityTrend",
    "SlaState",
    "Source",
    "Status",
    "Summary",
    "Tag",
    "Team",
    "TimeZoneName",
    "TimelineEvent",
    "TimelinePage",
    "Title",
    "Trends",
    "UserEntry",
    "UserList",
    "UserName",
    "UtcDatetime",
    "WallClock",
    "WorkingHours",
    "clock_outcomes",
    "duration_text",
    "format_duration",
    "milestones",
    "parse_duration",
    "trends_from",
    "utcnow",
]

# Loaded with the models, before any incident is built in this process (a server seeding
# in the same process, as `rr-tui demo` runs one): `compact` sets the key-sharing layout.
from rr_tui.models import compact as _compact  # noqa: F401
