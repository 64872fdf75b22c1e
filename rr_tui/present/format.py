"""How times, durations, labels and statuses are written, in as few cells as possible.

Used by the dashboard's widgets, `rr-tui list` and the dialogs alike: no Textual here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rr_tui.models import CATEGORIES, Incident, Severity, Source, Status

SEVERITY_STYLE = {
    Severity.SEV0: "bold white on red",
    Severity.SEV1: "bold black on dark_orange",
    Severity.SEV2: "bold yellow",
}
"""Rich style strings of the most urgent severities where text, not the queue's CSS, shows them."""

SOURCE_LABELS = {source: source.value.replace("_", " ") for source in Source}
"""How an intake source is written (`trusted flagger`)."""


def severity_label(labels: Mapping[Severity, str], severity: Severity) -> str:
    """The configured label of a severity (`SEV1` where none is configured)."""
    return labels.get(severity) or severity.value


STATUS_SHORT = {
    Status.NEW: "new",
    Status.ACKNOWLEDGED: "ack",
    Status.ESCALATED: "esc",
    Status.MITIGATED: "mitig",
    Status.RESOLVED: "done",
}


def span(delta: timedelta) -> str:
    """A duration in its largest unit: `45s`, `12m`, `5h`, `3d`."""
    seconds = int(abs(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400 * 2:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def age(incident: Incident, now: datetime) -> str:
    """How long ago the incident was opened."""
    return span(now - incident.created_at)


def sla(incident: Incident, now: datetime) -> tuple[str, bool]:
    """Time left until the SLA is breached (`38m`), or past it (`-6m!`); and whether breached.

    The clock stops once an incident is mitigated: the SLA is time to mitigation.
    """
    if incident.status in (Status.MITIGATED, Status.RESOLVED):
        return "—", False
    left = incident.due_at - now
    if left.total_seconds() < 0:
        return f"-{span(left)}!", True
    return span(left), False


def category_label(category: str) -> str:
    """The display label of a category slug."""
    return CATEGORIES.get(category, category.replace("_", " "))


# tzdata writes some zones' abbreviations as offsets ("+08"); people say these.
_ABBREVIATIONS = {
    "Asia/Singapore": "SGT",
    "Asia/Kuala_Lumpur": "MYT",
    "Asia/Bangkok": "ICT",
    "Asia/Ho_Chi_Minh": "ICT",
    "Asia/Saigon": "ICT",
    "Asia/Dubai": "GST",
}


def clock(moment: datetime, zone: str) -> str:
    """`14:32 SGT` (or `14:32 +08` where the zone has no usual abbreviation)."""
    local = moment.astimezone(ZoneInfo(zone))
    name = _ABBREVIATIONS.get(zone) or local.tzname() or ""
    return f"{local:%H:%M} {name}".rstrip()
