"""How PagerDuty's incidents become rr-tui's incidents, and how its users are named.

Everything here is pure (no HTTP, no state), so the mapping rules can be read,
and tested, on their own. The rules for severity (`priorities`), the timeline
(`log_entries`) and on-call contacts (`contacts`) have modules of their own, as
pure as this one.

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
- **Source**: by service (`service_sources`: a service that receives regulators'
  notices is `regulator`), else `internal_detection`. It is what starts a legal
  clock at intake (`local_clocks`), as the rr server's intake source does.
- **People**: a PagerDuty user is known by their email address (it is unique in
  an account, fits the user-name pattern and is what the `From` header
  carries); the user id stands in when the email is unknown or too long.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rr_tui.backends.pagerduty.priorities import PriorityScale
from rr_tui.backends.pagerduty.wire import PdIncident, PdUser
from rr_tui.models import (
    CATEGORY_PATTERN,
    DEFAULT_SLA,
    LINK_MAX,
    REGION_PATTERN,
    TAG_MAX,
    TEXT_MAX,
    TITLE_MAX,
    USER_NAME_PATTERN,
    Severity,
    Source,
    Status,
)

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


@dataclass(frozen=True)
class Placement:
    """Where PagerDuty incidents go in rr-tui's model, which PagerDuty has no fields for."""

    default_category: str = DEFAULT_CATEGORY
    default_region: str = DEFAULT_REGION
    service_categories: Mapping[str, str] = field(default_factory=dict)
    """Category slug by PagerDuty service id."""
    service_regions: Mapping[str, str] = field(default_factory=dict)
    """Market code by PagerDuty service id."""
    service_sources: Mapping[str, str] = field(default_factory=dict)
    """Intake source (a `Source` value) by PagerDuty service id."""
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
        sources = {source.value for source in Source}
        for service, source in self.service_sources.items():
            if source not in sources:
                known = ", ".join(sorted(sources))
                raise ValueError(f"service_sources.{service}: {source!r} is not one of {known}")

    def category(self, incident: PdIncident) -> str:
        """The incident's category: by its service, else the default."""
        service = incident.service.id if incident.service else ""
        return self.service_categories.get(service, self.default_category)

    def region(self, incident: PdIncident) -> str:
        """The incident's market: by its service, else the default."""
        service = incident.service.id if incident.service else ""
        return self.service_regions.get(service, self.default_region)

    def source(self, incident: PdIncident) -> Source:
        """Where the incident came in from: by its service, else internal detection."""
        service = incident.service.id if incident.service else ""
        return Source(self.service_sources.get(service, Source.INTERNAL_DETECTION.value))


def user_name(user: PdUser | None, email: str | None = None) -> str | None:
    """How rr-tui names a PagerDuty user: their email if it fits, else their id."""
    if user is None:
        return None
    address = (email or user.email or "").strip().lower()
    if address and _USER_NAME.match(address):
        return address
    return user.id if _USER_NAME.match(user.id) else None


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in "…" when it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _summary_of(incident: PdIncident) -> str:
    if incident.description and incident.description != incident.title:
        return clip(incident.description, TEXT_MAX)
    details = incident.body.details if incident.body else None
    if isinstance(details, str):
        return clip(details, TEXT_MAX)
    if isinstance(details, Mapping):
        lines = [
            f"{key}: {value if isinstance(value, str) else json.dumps(value)}"
            for key, value in details.items()
        ]
        return clip("\n".join(lines), TEXT_MAX)
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
        "title": clip(title, TITLE_MAX),
        "summary": _summary_of(incident),
        "severity": severity,
        "status": PD_STATUS[incident.status],
        "category": placement.category(incident),
        "region": placement.region(incident),
        "source": placement.source(incident),
        "assignee": assignee,
        "created_at": incident.created_at,
        "updated_at": incident.changed_at,
        "acknowledged_at": acknowledged_at,
        "resolved_at": incident.resolved_at if incident.status == "resolved" else None,
        "due_at": incident.created_at + placement.sla[severity],
        "tags": [clip(tag, TAG_MAX) for tag in tags if tag.strip()],
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


def actor_slug(text: str | None) -> str:
    """A user-name-shaped label for a non-user agent (a service, an integration)."""
    slug = re.sub(r"[^A-Za-z0-9._@+-]+", "-", text or "").strip("-._@+")
    return slug[:64].rstrip("-._@+") or "pagerduty"
