"""What the dashboard tells the user in a toast, as values: arrivals, refusals, conflicts, batches.

Pure functions from what happened to the words shown, so the screen only
decides when to show them. Text from the backend is cleaned here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from textual.notifications import SeverityLevel

from rr_tui.models import Incident, Severity
from rr_tui.present.format import clock as clock_time
from rr_tui.present.format import severity_label, span
from rr_tui.present.masks import ALERT_MASK
from rr_tui.sanitize import clean
from rr_tui.sync.action_record import CLOCK_KINDS, PROTOCOL_KINDS
from rr_tui.sync.clock_alerts import ClockAlert
from rr_tui.sync.outcomes import BatchDone, Confirmed, ConflictFound, RolledBack, TriageEvent


@dataclass(frozen=True)
class Toast:
    """One toast: what it says, its title, how loud, for how long (None: the default)."""

    message: str
    title: str = ""
    severity: SeverityLevel = "information"
    timeout: float | None = None


def arrival(incident: Incident, labels: Mapping[Severity, str]) -> Toast:
    """A new (or newly raised) urgent incident: `RR-2050 SEV0 · ID · Live attack stream`."""
    label = severity_label(labels, incident.severity)
    title = ALERT_MASK if incident.sensitive else clean(incident.title, 120)
    return Toast(
        f"{clean(incident.id, 20)} {label} · {clean(incident.region, 8)} · {title}",
        title=f"New {label}",
        severity="error" if incident.severity.rank == 0 else "warning",
        timeout=15,
    )


def answer(event: TriageEvent) -> Toast | None:
    """What to say about one action's answer (None: nothing, or its batch's summary says it)."""
    if isinstance(event, RolledBack) and not event.batched:
        action = event.action
        return Toast(
            f"{clean(action.incident_id, 20)} {clean(action.label, 60)}: {event.reason}",
            title="Not applied",
            severity="error",
            timeout=10,
        )
    if isinstance(event, ConflictFound) and not event.batched:
        action = event.conflict.action
        return Toast(
            f"{clean(action.incident_id, 20)} changed while you acted "
            f"({clean(action.label, 60)}). Press C to review.",
            title="Conflict",
            severity="warning",
            timeout=10,
        )
    if isinstance(event, BatchDone):
        return batch_summary(event)
    kept = CLOCK_KINDS | PROTOCOL_KINDS
    if isinstance(event, Confirmed) and event.action.kind in kept and not event.partly:
        # A legal deadline's step, a protocol's tick, is said when recorded, not when typed
        # (it may wait offline).
        action = event.action
        what = "Clock" if action.kind in CLOCK_KINDS else "Protocol"
        return Toast(f"{clean(action.incident_id, 20)}: {clean(action.label, 80)}", title=what)
    if isinstance(event, Confirmed) and event.action.kind in kept:
        action = event.action
        what = "Clock" if action.kind in CLOCK_KINDS else "Protocol"
        return Toast(
            f"{clean(action.incident_id, 20)}: {clean(action.label, 80)}; "
            f"{clean(event.partly, 300)}",
            title=f"{what} kept, partly recorded",
            severity="warning",
            timeout=20,
        )
    if isinstance(event, Confirmed) and event.partly:
        action = event.action
        return Toast(
            f"{clean(action.incident_id, 20)} {clean(action.label, 60)}: "
            f"{clean(event.partly, 400)}",
            title="Partly applied",
            severity="warning",
            timeout=20,
        )
    return None


def batch_summary(done: BatchDone) -> Toast:
    """`Acknowledge x4: 3 applied, 1 refused` and the first refusals, one a line."""
    message = f"{done.label} ×{done.total}: {done.applied} applied"
    if done.refused:
        message += f", {len(done.refused)} refused"
    if done.conflicts:
        message += f", {done.conflicts} in conflict (C to review)"
    for line in done.refused[:5]:
        message += f"\n{clean(line, 100)}"
    bad = done.refused or done.conflicts
    return Toast(message, severity="warning" if bad else "information")


def _left(delta: timedelta) -> str:
    """`12m`, `1h 59m`, `6d 23h`: to the minute, since `1h` for 1 h 59 m reads as half of it."""
    minutes = max(0, int(delta.total_seconds()) // 60)
    if minutes < 60:
        return span(delta)
    if minutes < 48 * 60:
        return f"{minutes // 60}h {minutes % 60}m"
    return f"{minutes // 1440}d {minutes % 1440 // 60}h"


def clock_alert(alert: ClockAlert, now: datetime, zone: str) -> Toast:
    """`RR-2041 · eu-tco-removal: 80% of its time gone, 12m left (due 15:32 SGT)`, or missed."""
    deadline = alert.deadline
    when = f"due {clock_time(deadline.due_at, zone)}"
    head = f"{clean(deadline.incident_id, 20)} · {clean(deadline.rule_id, 64)}"
    label = clean(deadline.label, 120)
    if alert.fraction is None:
        late = _left(now - deadline.due_at) if now > deadline.due_at else "0m"
        return Toast(
            f"{head} missed, {late} ago ({when})\n{label}",
            title="Legal clock missed",
            severity="error",
            timeout=30,
        )
    gone = f"{round(alert.fraction * 100)}%"
    return Toast(
        f"{head}: {gone} of its time gone, {_left(deadline.due_at - now)} left ({when})\n{label}",
        title=f"Legal clock {gone}",
        severity="warning",
        timeout=20,
    )
