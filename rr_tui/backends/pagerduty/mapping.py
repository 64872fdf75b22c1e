"""How PagerDuty's records become rr-tui's incidents, timeline events and contacts.

Everything here is pure (no HTTP, no state), so the mapping rules can be read,
and tested, in one place.

The defaults, all documented in the README section "Connecting to PagerDuty":

- **Severity**: the account's priorities, as `GET /priorities` lists them (most
  severe first), map by position: the first to SEV0, the second to SEV1, ...,
  the fifth and any after it to SEV4. An incident without a priority falls back
  on its urgency: `high` → SEV2, `low` → SEV4. A `SeverityMap` overrides either.
- **Status**: `triggered` → new, `acknowledged` → acknowledged, `resolved` → resolved.
- **SLA**: due = created + 30m / 2h / 8h / 1d / 3d for SEV0..SEV4 (the same
  targets as `rr-tui serve`), unless the caller passes its own.
- **Category / region**: PagerDuty has neither. Category is `pagerduty` and
  region `ZZ` (the ISO 3166 "unknown" code) unless a per-service mapping says
  otherwise.
- **Source**: `internal_detection`.
- **People**: a PagerDuty user is known by their email address (it is unique in
  an account, fits the user-name pattern and is what the `From` header
  carries); the user id stands in when the email is unknown or too long.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rr_tui.backends.pagerduty.wire import (
    PdContactMethod,
    PdIncident,
    PdLogEntry,
    PdPriority,
    PdUser,
)
from rr_tui.models import (
    CATEGORY_PATTERN,
    CONTACT_NAME_MAX,
    CONTACT_NOTES_MAX,
    DEFAULT_SLA,
    EMAIL_MAX,
    LINK_MAX,
    PHONE_MAX,
    REGION_PATTERN,
    TAG_MAX,
    TEXT_MAX,
    TITLE_MAX,
    USER_NAME_PATTERN,
    Contact,
    EventKind,
    Severity,
    Source,
    Status,
    Team,
)

DEFAULT_URGENCY: Mapping[str, Severity] = {"high": Severity.SEV2, "low": Severity.SEV4}
"""The severity of an incident that has no priority, by urgency."""

DEFAULT_CATEGORY = "pagerduty"
DEFAULT_REGION = "ZZ"
"""ISO 3166 user-assigned code, commonly 'unknown': PagerDuty incidents carry no market."""

PD_STATUS: Mapping[str, Status] = {
    "triggered": Status.NEW,
    "acknowledged": Status.ACKNOWLEDGED,
    "resolved": Status.RESOLVED,
}

# The model's own patterns, so a name, market or category is checked before it is mapped.
_USER_NAME = re.compile(USER_NAME_PATTERN)
_REGION = re.compile(REGION_PATTERN)
_CATEGORY = re.compile(CATEGORY_PATTERN)


# --- severity -----------------------------------------------------------------------


def _severity(value: Any, where: str) -> Severity:
    try:
        return value if isinstance(value, Severity) else Severity(str(value).upper())
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not one of SEV0..SEV4") from None


@dataclass(frozen=True)
class SeverityMap:
    """How PagerDuty priorities and urgency become SEV0..SEV4 (overrides of the defaults).

    `priorities` is keyed by priority name (case-insensitive, e.g. `P1`) or id;
    priorities it does not name keep the default by position. `urgency` is keyed
    by `high` / `low` and applies to incidents that have no priority.
    """

    priorities: Mapping[str, Severity] = field(default_factory=dict)
    urgency: Mapping[str, Severity] = field(default_factory=lambda: dict(DEFAULT_URGENCY))

    @classmethod
    def parse(cls, raw: SeverityMap | Mapping[str, Any] | None) -> SeverityMap:
        """A map from settings: `{"priorities": {"P1": "SEV0"}, "urgency": {"high": "SEV1"}}`.

        Raises:
            ValueError: naming the key, for an unknown key, urgency or severity.
        """
        if raw is None:
            return cls()
        if isinstance(raw, SeverityMap):
            return raw
        unknown = set(raw) - {"priorities", "urgency"}
        if unknown:
            raise ValueError(
                f"severity_map: unknown key {sorted(unknown)[0]!r} (expected priorities, urgency)"
            )
        priorities = {
            str(name): _severity(value, f"severity_map.priorities.{name}")
            for name, value in dict(raw.get("priorities") or {}).items()
        }
        urgency = dict(DEFAULT_URGENCY)
        for name, value in dict(raw.get("urgency") or {}).items():
            if name not in DEFAULT_URGENCY:
                raise ValueError(f"severity_map.urgency: {name!r} is not high or low")
            urgency[name] = _severity(value, f"severity_map.urgency.{name}")
        return cls(priorities, urgency)


class PriorityScale:
    """The account's priorities placed on SEV0..SEV4: both ways, with the overrides applied."""

    def __init__(self, priorities: Sequence[PdPriority], overrides: SeverityMap) -> None:
        self.priorities = list(priorities)
        self.overrides = overrides
        named = {key.casefold(): sev for key, sev in overrides.priorities.items()}
        self.by_id: dict[str, Severity] = {}
        for position, priority in enumerate(self.priorities):
            severity = overrides.priorities.get(priority.id) or named.get(
                priority.label.casefold(), Severity.from_rank(position)
            )
            self.by_id[priority.id] = severity
        self._named = named

    def severity_of(self, incident: PdIncident) -> Severity:
        """An incident's severity: by its priority, else by its urgency, else SEV2."""
        priority = incident.priority
        if priority is not None:
            known = self.by_id.get(priority.id) or self._named.get(priority.label.casefold())
            if known is not None:
                return known
        return self.overrides.urgency.get(incident.urgency or "high", Severity.SEV2)

    def priority_for(self, severity: Severity) -> PdPriority | None:
        """The most severe priority that maps to `severity`, or None if none does."""
        for priority in self.priorities:
            if self.by_id.get(priority.id) is severity:
                return priority
        return None

    def covered(self) -> list[Severity]:
        """The severities a priority can be set for."""
        return sorted(set(self.by_id.values()), key=lambda severity: severity.rank)


# --- incidents -----------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where PagerDuty incidents go in rr-tui's model, which PagerDuty has no fields for."""

    default_category: str = DEFAULT_CATEGORY
    default_region: str = DEFAULT_REGION
    service_categories: Mapping[str, str] = field(default_factory=dict)
    """Category slug by PagerDuty service id."""
    service_regions: Mapping[str, str] = field(default_factory=dict)
    """Market code by PagerDuty service id."""
    sla: Mapping[Severity, timedelta] = field(default_factory=lambda: dict(DEFAULT_SLA))

    def __post_init__(self) -> None:
        for where, region in [("default_region", self.default_region)] + [
            (f"service_regions.{k}", v) for k, v in self.service_regions.items()
        ]:
            if not _REGION.match(region):
                raise ValueError(f"{where}: {region!r} is not a two-letter market code")
        for where, category in [("default_category", self.default_category)] + [
            (f"service_categories.{k}", v) for k, v in self.service_categories.items()
        ]:
            if not _CATEGORY.match(category):
                raise ValueError(f"{where}: {category!r} is not a category slug")

    def category(self, incident: PdIncident) -> str:
        """The incident's category: by its service, else the default."""
        service = incident.service.id if incident.service else ""
        return self.service_categories.get(service, self.default_category)

    def region(self, incident: PdIncident) -> str:
        """The incident's market: by its service, else the default."""
        service = incident.service.id if incident.service else ""
        return self.service_regions.get(service, self.default_region)


def user_name(user: PdUser | None, email: str | None = None) -> str | None:
    """How rr-tui names a PagerDuty user: their email if it fits, else their id."""
    if user is None:
        return None
    address = (email or user.email or "").strip().lower()
    if address and _USER_NAME.match(address):
        return address
    return user.id if _USER_NAME.match(user.id) else None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _summary_of(incident: PdIncident) -> str:
    if incident.description and incident.description != incident.title:
        return _clip(incident.description, TEXT_MAX)
    details = incident.body.details if incident.body else None
    if isinstance(details, str):
        return _clip(details, TEXT_MAX)
    if isinstance(details, Mapping):
        lines = [
            f"{key}: {value if isinstance(value, str) else json.dumps(value)}"
            for key, value in details.items()
        ]
        return _clip("\n".join(lines), TEXT_MAX)
    return ""


def incident_fields(
    incident: PdIncident,
    scale: PriorityScale,
    placement: Placement,
    emails: Mapping[str, str],
) -> dict[str, Any]:
    """The fields of an rr `Incident` (all but `version`) for a PagerDuty incident.

    `emails` maps user ids to email addresses for assignees given as references.
    """
    severity = scale.severity_of(incident)
    title = (incident.title or incident.summary or "").strip()
    if not title:
        title = f"PagerDuty incident #{incident.incident_number or incident.id}"
    assignee = None
    if incident.assignments and incident.status != "resolved":
        first = incident.assignments[0].assignee
        assignee = user_name(first, emails.get(first.id))
    acknowledged_at = None
    if incident.acknowledgements:
        acknowledged_at = min(ack.at for ack in incident.acknowledgements)
    elif incident.status == "acknowledged":
        acknowledged_at = incident.last_status_change_at
    tags = []
    if incident.priority is not None:
        tags.append(incident.priority.label)
    if incident.urgency:
        tags.append(f"urgency {incident.urgency}")
    if incident.service is not None and incident.service.summary:
        tags.append(incident.service.summary)
    links = [incident.html_url] if incident.html_url and len(incident.html_url) <= LINK_MAX else []
    return {
        "id": incident.id,
        "title": _clip(title, TITLE_MAX),
        "summary": _summary_of(incident),
        "severity": severity,
        "status": PD_STATUS[incident.status],
        "category": placement.category(incident),
        "region": placement.region(incident),
        "source": Source.INTERNAL_DETECTION,
        "assignee": assignee,
        "created_at": incident.created_at,
        "updated_at": incident.changed_at,
        "acknowledged_at": acknowledged_at,
        "resolved_at": incident.resolved_at if incident.status == "resolved" else None,
        "due_at": incident.created_at + placement.sla[severity],
        "tags": [_clip(tag, TAG_MAX) for tag in tags if tag.strip()],
        "links": links,
    }


def millis(moment: datetime) -> int:
    """Milliseconds since the epoch: the unit of derived versions and timeline seqs."""
    return int(moment.astimezone(UTC).timestamp() * 1000)


def referenced_users(incidents: Iterable[PdIncident]) -> set[str]:
    """Ids of assignees given only as references (no email), which need a lookup."""
    return {
        assignment.assignee.id
        for incident in incidents
        for assignment in incident.assignments[:1]
        if not assignment.assignee.email
    }


# --- timeline -------------------------------------------------------------------------

_FROM_TO = re.compile(r"from\s+(\S+)\s+to\s+(\S+?)\.?$", re.IGNORECASE)


def event_of(entry: PdLogEntry, first_trigger: bool) -> tuple[EventKind, dict[str, Any]] | None:
    """The timeline kind and data for a log entry, or None to leave it out.

    `annotate_log_entry` is left out: every note is read from the notes endpoint,
    which carries its full text, and would otherwise show twice.
    """
    kind = entry.type.removesuffix("_reference")
    data: dict[str, Any] = {"pd_type": kind}
    if kind == "trigger_log_entry":
        return (EventKind.CREATED if first_trigger else EventKind.REOPENED), data
    if kind in ("acknowledge_log_entry", "acknowledgement_log_entry"):
        return EventKind.ACKNOWLEDGED, data
    if kind == "resolve_log_entry":
        return EventKind.RESOLVED, data
    if kind == "annotate_log_entry":
        return None
    if kind == "unacknowledge_log_entry":
        data.update({"from": "acknowledged", "to": "new"})
        return EventKind.STATUS_CHANGED, data
    if kind == "assign_log_entry":
        return EventKind.ASSIGNED, data
    if kind == "escalate_log_entry":
        return EventKind.ESCALATED, data
    if "priority" in kind or kind == "urgency_change_log_entry":
        # The published schema has no priority log entry; one that appears
        # (and urgency changes) reads "... from X to Y" in its summary.
        match = _FROM_TO.search((entry.summary or "").strip())
        if match:
            data.update({"from": match.group(1), "to": match.group(2)})
            return EventKind.SEVERITY_CHANGED, data
    # notify, snooze, delegate, exhaust/repeat escalation path, limits, field
    # changes: shown as a note carrying PagerDuty's own summary.
    return EventKind.NOTE, data


def in_time_order(entries: Sequence[PdLogEntry]) -> list[PdLogEntry]:
    """Log entries oldest first, keeping PagerDuty's own order within a second.

    PagerDuty's timestamps are whole seconds, so the order of the list is the
    only order within one. Its direction shows where two timestamps differ;
    where none do, newest first (PagerDuty's timeline order) is assumed.
    """
    ordered = list(entries)
    newest_first = next(
        (
            a.created_at > b.created_at
            for a, b in itertools.pairwise(ordered)
            if a.created_at != b.created_at
        ),
        True,
    )
    if newest_first:
        ordered.reverse()
    return sorted(ordered, key=lambda entry: entry.created_at)  # stable: ties keep their order


def actor_slug(text: str | None) -> str:
    """A user-name-shaped label for a non-user agent (a service, an integration)."""
    slug = re.sub(r"[^A-Za-z0-9._@+-]+", "-", text or "").strip("-._@+")
    return slug[:64].rstrip("-._@+") or "pagerduty"


# --- contacts ----------------------------------------------------------------------


def valid_zone(name: str | None) -> str:
    """The user's IANA time zone, or UTC when PagerDuty's value is missing or unknown."""
    if not name:
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def contact_id(user_id: str) -> str:
    """The directory id of a PagerDuty user, e.g. `pd-pxpgf42`."""
    return "pd-" + re.sub(r"[^a-z0-9._-]", "-", user_id.lower())[:60]


def phone_of(methods: Sequence[PdContactMethod]) -> str:
    """The first phone (or SMS) number, with its country code."""
    for kind in ("phone_contact_method", "sms_contact_method"):
        for method in methods:
            if method.type == kind and method.address:
                prefix = f"+{method.country_code} " if method.country_code else ""
                return _clip(prefix + method.address, PHONE_MAX)
    return ""


def email_of(methods: Sequence[PdContactMethod], user: PdUser) -> str:
    """The first email contact method, else the login email."""
    for method in methods:
        if method.type == "email_contact_method" and method.address:
            return _clip(method.address, EMAIL_MAX)
    return _clip(user.email or "", EMAIL_MAX)


@dataclass
class OnCall:
    """What `GET /oncalls` says about one user: the levels they are on call at."""

    user: PdUser
    levels: dict[str, int] = field(default_factory=dict)
    """Escalation level by escalation policy id."""
    policies: dict[str, str] = field(default_factory=dict)
    """Escalation policy name by id."""
    until: datetime | None = None


def oncall_contact(oncall: OnCall, methods: Sequence[PdContactMethod], team: Team) -> Contact:
    """A directory entry for a PagerDuty on-call user."""
    user = oncall.user
    level = min(oncall.levels.values(), default=1)
    where = ", ".join(
        f"{oncall.policies.get(policy, policy)} L{lvl}"
        for policy, lvl in sorted(oncall.levels.items(), key=lambda item: item[1])
    )
    role = "on call" + (f" · {user.job_title}" if user.job_title else "")
    until = f" until {oncall.until:%Y-%m-%d %H:%M} UTC" if oncall.until else ""
    return Contact(
        id=contact_id(user.id),
        name=_clip(user.name or user.summary or user.id, CONTACT_NAME_MAX),
        team=team,
        role=_clip(role, CONTACT_NAME_MAX),
        timezone=valid_zone(user.time_zone),
        phone=phone_of(methods),
        email=email_of(methods, user),
        on_call=True,
        escalation_tier=min(max(level, 1), 5),
        notes=_clip(f"PagerDuty on call: {where}{until}", CONTACT_NOTES_MAX),
    )
