"""What the dashboard tells the user in a toast, as values: arrivals, refusals, conflicts, batches.

Pure functions from what happened to the words shown, so the screen only
decides when to show them. Text from the backend is cleaned here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.notifications import SeverityLevel

from rr_tui.models import Incident, Severity
from rr_tui.present.format import severity_label
from rr_tui.present.masks import ALERT_MASK
from rr_tui.sanitize import clean
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
