"""How times, durations, labels and statuses are written, in as few cells as possible.

Used by the dashboard's widgets, `rr-tui list` and the dialogs alike: no Textual here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from rr_tui.models import CATEGORIES, Incident, Severity, Source, Status, WorkingHours

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


def steady(delta: timedelta) -> float:
    """Seconds for which `span` surely reads the same while `delta` moves with the clock.

    The text changes only where the seconds cross a multiple of the unit shown
    (a minute, an hour, a day: each threshold between units is one too), whichever way
    the delta moves; one second is kept in hand for the tick's own lateness. Under a
    minute the text moves every second: 0.
    """
    seconds = abs(delta.total_seconds())
    if seconds < 60:
        return 0.0
    unit = 60 if seconds < 3600 else 3600 if seconds < 86400 * 2 else 86400
    into = seconds % unit
    return max(min(into, unit - into) - 1.0, 0.0)


def age(incident: Incident, now: datetime) -> str:
    """How long ago the incident was opened."""
    return span(now - incident.created_at)


def sla_running(incident: Incident) -> bool:
    """Whether the SLA clock still runs: it stops once the incident is mitigated."""
    return incident.status not in (Status.MITIGATED, Status.RESOLVED)


def breached(incident: Incident, now: datetime) -> bool:
    """Whether the SLA is breached at `now`: past due and not yet mitigated."""
    return sla_running(incident) and incident.due_at < now


def sla(incident: Incident, now: datetime) -> tuple[str, bool]:
    """Time left until the SLA is breached (`38m`), or past it (`-6m!`); and whether breached.

    The clock stops once an incident is mitigated: the SLA is time to mitigation.
    """
    if not sla_running(incident):
        return "—", False
    left = incident.due_at - now
    if breached(incident, now):
        return f"-{span(left)}!", True
    return span(left), False


def sla_due(incident: Incident, now: datetime, zone: str) -> tuple[str, bool]:
    """When the SLA falls due, in `zone` (`14:32`; `14:32!` once breached; `—` once the clock
    stopped); and whether breached.

    The detail header's form: a time, not a countdown, so it reads true without
    being redrawn every second (the queue row beside it counts down); only the
    moment it passes changes it. The header names the zone once, at `opened`.
    """
    if not sla_running(incident):
        return "—", False
    at = stamp(incident.due_at, zone, now)
    if breached(incident, now):
        return f"{at}!", True
    return at, False


DEADLINE_NEAR = timedelta(minutes=30)
"""A legal clock is highlighted as near when less than this is left."""


def deadline(incident: Incident, now: datetime) -> tuple[str, str]:
    """Time left on the soonest running legal clock (`25m`, `-4m!`), and "", "near" or "missed".

    Unlike the SLA it keeps counting once the incident is mitigated: a removal
    order is met by its deliverable, not by the incident's status.
    """
    if incident.deadline_at is None:
        return "—", ""
    left = incident.deadline_at - now
    if left.total_seconds() <= 0:
        return f"-{span(left)}!", "missed"
    return span(left), "near" if left < DEADLINE_NEAR else ""


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


SHARED_ABBREVIATIONS = frozenset(
    {"IST", "IDT", "CST", "CDT", "PST", "PDT", "EST", "EDT", "AST", "ADT", "BST", "GST", "SST"}
)
"""Abbreviations tzdata gives to more than one zone (Manila and Los Angeles are both `PST`,
Taipei and Chicago `CST`, Kolkata and Dublin `IST`): such a zone is named by its city."""


def zone_label(moment: datetime, zone: str) -> str:
    """How a zone is named beside a time: `SGT`, `JST`, `Manila`, `UTC+5:30`, never ambiguous.

    The usual abbreviation where it names one zone only; the IANA city where tzdata's
    abbreviation is shared; the UTC offset where tzdata has only a number (`+08`).
    """
    if zone == "UTC":
        return "UTC"
    local = moment.astimezone(ZoneInfo(zone))
    name = _ABBREVIATIONS.get(zone) or local.tzname() or ""
    if name in SHARED_ABBREVIATIONS:
        return zone.rsplit("/", 1)[-1].replace("_", " ")
    if not name or name[0] in "+-":
        offset = local.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        hours, rest = divmod(abs(minutes), 60)
        return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return name


def clock(moment: datetime, zone: str) -> str:
    """`14:32 SGT`, `14:32 Manila`, `14:32 UTC+8`: the time in a zone, named unambiguously."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%H:%M} {zone_label(moment, zone)}"


def stamp(moment: datetime, zone: str, today: datetime) -> str:
    """`13:26` on the day of `today` (in `zone`), else `Nov 22 13:26`: a timeline reads in order."""
    local = moment.astimezone(ZoneInfo(zone))
    if local.date() == today.astimezone(ZoneInfo(zone)).date():
        return f"{local:%H:%M}"
    return f"{local:%b %d %H:%M}"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekdays(days: list[int]) -> str:
    """`Mon–Fri`, `Sun–Thu`, `Mon, Wed, Fri`: a working week in as few cells as it takes."""
    if not days:
        return "no days"
    run = len(days) > 2 and all(b - a == 1 for a, b in pairwise(days))
    if run:
        return f"{_DAYS[days[0]]}–{_DAYS[days[-1]]}"
    if days == [0, 1, 2, 3, 4, 5, 6]:
        return "every day"
    return ", ".join(_DAYS[day] for day in days)


def working_hours(hours: WorkingHours, zone: str, now: datetime, home: str) -> str:
    """`09:00–18:00 (10:00–19:00 SGT)`: their hours in their own zone, and in yours.

    `home` is the first shift zone; where both zones have the same offset now, once.
    """
    theirs = ZoneInfo(zone)
    day = now.astimezone(theirs).date()
    start = datetime.combine(day, hours.start, theirs)
    end = datetime.combine(day, hours.end, theirs)
    if hours.end <= hours.start:
        end += timedelta(days=1)  # an overnight shift ends the next morning
    text = f"{hours.start:%H:%M}–{hours.end:%H:%M}"
    mine = ZoneInfo(home)
    if start.utcoffset() == start.astimezone(mine).utcoffset():
        return text
    yours = f"{start.astimezone(mine):%H:%M}–{end.astimezone(mine):%H:%M}"
    return f"{text} ({yours} {zone_label(now, home)})"
