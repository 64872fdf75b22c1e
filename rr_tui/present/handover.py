"""The shift handover summary: what the outgoing lead tells the incoming one, as Markdown or JSON.

`summarize` reads the queue, the timelines of what moved during the shift and the
handover notes; the renderers write it. Sections, in the order a lead reads them:
the notes for the next shift (first: the incoming lead reads them before anything),
what is open by severity (owner, next deadline), what breached or is about to, what
changed during the shift (new, raised, escalated, mitigated, resolved, reopened),
and escalations still waiting for an answer.

Deadlines are the SLA's; legal clocks join them when a backend records them.
Sensitive titles stay masked unless revealed, as in `rr-tui list`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rr_tui.models import (
    EventKind,
    Handover,
    Incident,
    Severity,
    Status,
    TimelineEvent,
    duration_text,
    milestones,
)
from rr_tui.present import markdown as md
from rr_tui.present.format import sla_running
from rr_tui.present.masks import LIST_MASK

SOON = timedelta(minutes=30)
"""An SLA this close is "about to breach"."""


@dataclass(frozen=True)
class ShiftChange:
    """One thing that happened to an incident during the shift."""

    at: datetime
    incident_id: str
    what: str
    """new, raised, escalated, mitigated, resolved or reopened."""
    actor: str


@dataclass(frozen=True)
class Waiting:
    """An escalation nobody has answered yet (the incident is still `escalated`)."""

    incident: Incident
    since: datetime | None
    targets: tuple[str, ...]


@dataclass(frozen=True)
class HandoverSummary:
    """Everything a handover says, computed once for every format."""

    since: datetime
    now: datetime
    open: tuple[Incident, ...]
    at_risk: tuple[Incident, ...]
    changes: tuple[ShiftChange, ...]
    waiting: tuple[Waiting, ...]
    notes: tuple[Handover, ...]


def _change(event: TimelineEvent) -> str | None:
    data = event.data
    if event.kind is EventKind.CREATED:
        return "new"
    if event.kind is EventKind.SEVERITY_CHANGED:
        before, after = str(data.get("from", "")), str(data.get("to", ""))
        try:
            return "raised" if Severity(after).rank < Severity(before).rank else None
        except ValueError:
            return None
    if event.kind is EventKind.ESCALATED:
        return "escalated"
    if event.kind is EventKind.RESOLVED:
        return "resolved"
    if event.kind is EventKind.REOPENED:
        return "reopened"
    if data.get("to") == Status.MITIGATED.value:
        return "mitigated"
    return None


def summarize(
    incidents: Iterable[Incident],
    timelines: Mapping[str, Sequence[TimelineEvent]],
    notes: Iterable[Handover],
    *,
    since: datetime,
    now: datetime,
) -> HandoverSummary:
    """The handover for the shift from `since` to `now`."""
    every = list(incidents)
    # Severity first; within a band the running SLAs by deadline, then the stopped ones.
    still_open = sorted(
        (i for i in every if i.status.is_open),
        key=lambda i: (i.severity.rank, not sla_running(i), i.due_at, i.created_at),
    )
    at_risk = [i for i in still_open if sla_running(i) and i.due_at - now <= SOON]
    changes = sorted(
        (
            ShiftChange(event.at, incident_id, what, event.actor)
            for incident_id, events in timelines.items()
            for event in events
            if since <= event.at <= now and (what := _change(event)) is not None
        ),
        key=lambda change: (change.at, change.incident_id),
    )
    waiting = []
    for incident in still_open:
        if incident.status is Status.ESCALATED:
            facts = milestones(incident, timelines.get(incident.id, ()), now)
            last = facts.escalations[-1] if facts.escalations else None
            targets = last.targets if last else tuple(incident.escalated_to)
            waiting.append(Waiting(incident, last.at if last else None, targets))
    return HandoverSummary(
        since=since,
        now=now,
        open=tuple(still_open),
        at_risk=tuple(at_risk),
        changes=tuple(changes),
        waiting=tuple(waiting),
        notes=tuple(note for note in notes if note.pending),
    )


def _title(incident: Incident, reveal: bool) -> str:
    return md.cell(incident.title, 120) if reveal or not incident.sensitive else LIST_MASK


def deadline_text(incident: Incident, now: datetime) -> str:
    """The next deadline as the handover says it: `SLA in 14m`, `SLA breached 10m ago`."""
    if not sla_running(incident):
        return "SLA stopped"
    left = incident.due_at - now
    if left < timedelta(0):
        return f"SLA breached {duration_text(-left)} ago"
    return "SLA due now" if left < timedelta(minutes=1) else f"SLA in {duration_text(left)}"


def render_markdown(summary: HandoverSummary, *, reveal: bool = False) -> str:
    """The handover as Markdown: one heading per section, tables for the lists."""
    now = summary.now
    lines = [
        f"# Shift handover: {md.when(summary.since)} to {md.when(now)}",
        "",
        f"{len(summary.open)} open, {len(summary.at_risk)} breached or within "
        f"{duration_text(SOON)} of the SLA, {len(summary.changes)} changes this shift, "
        f"{len(summary.waiting)} escalations waiting.",
    ]
    lines += ["", "## Notes for the next shift", ""]
    for note in summary.notes:
        lines.append(
            f"* {md.text(note.author)} at {md.when(note.created_at)}: {md.text(note.note, 4_000)}"
        )
    if not summary.notes:
        lines.append("_No handover note waiting: `rr-tui handover --note TEXT` writes one._")
    for severity in Severity:
        band = [i for i in summary.open if i.severity is severity]
        if band:
            lines += ["", f"## Open {severity.value} ({len(band)})", ""]
            lines += md.table(
                ("Incident", "Status", "Owner", "Next deadline", "Title"),
                [_incident_row(i, i.status.value, now, reveal) for i in band],
            )
    lines += ["", "## Breached or about to", ""]
    lines += md.table(
        ("Incident", "Severity", "Owner", "Deadline", "Title"),
        [_incident_row(i, i.severity.value, now, reveal) for i in summary.at_risk],
        empty="_Nothing._",
    )
    lines += ["", "## What changed this shift", ""]
    lines += md.table(
        ("At", "Incident", "What", "Who"),
        [
            (md.when(c.at), md.cell(c.incident_id), c.what, md.cell(c.actor))
            for c in summary.changes
        ],
        empty="_Nothing._",
    )
    lines += ["", "## Escalations waiting for an answer", ""]
    lines += md.table(
        ("Incident", "Escalated to", "Waiting", "Title"),
        [
            (
                md.cell(w.incident.id),
                md.cell(", ".join(w.targets)),
                duration_text(None if w.since is None else now - w.since),
                _title(w.incident, reveal),
            )
            for w in summary.waiting
        ],
        empty="_None._",
    )
    return "\n".join(lines) + "\n"


def _incident_row(
    incident: Incident, middle: str, now: datetime, reveal: bool
) -> tuple[str, str, str, str, str]:
    """Id, `middle` (status or severity), owner, deadline, title: the open and at-risk rows."""
    owner = md.cell(incident.assignee or "unassigned")
    return (
        md.cell(incident.id),
        middle,
        owner,
        deadline_text(incident, now),
        _title(incident, reveal),
    )


def render_json(summary: HandoverSummary, *, reveal: bool = False) -> str:
    """The handover as JSON, for scripts and chat bots."""

    def item(incident: Incident) -> dict[str, Any]:
        shown = reveal or not incident.sensitive
        return {
            "id": incident.id,
            "severity": incident.severity.value,
            "status": incident.status.value,
            "assignee": incident.assignee,
            "due_at": incident.due_at.isoformat() if sla_running(incident) else None,
            "title": incident.title if shown else LIST_MASK,
        }

    body = {
        "since": summary.since.isoformat(),
        "until": summary.now.isoformat(),
        "open": [item(i) for i in summary.open],
        "at_risk": [i.id for i in summary.at_risk],
        "changes": [
            {"at": c.at.isoformat(), "incident_id": c.incident_id, "what": c.what, "by": c.actor}
            for c in summary.changes
        ],
        "waiting": [
            {
                "incident_id": w.incident.id,
                "targets": list(w.targets),
                "since": None if w.since is None else w.since.isoformat(),
            }
            for w in summary.waiting
        ],
        "notes": [note.model_dump(mode="json") for note in summary.notes],
    }
    return json.dumps(body, indent=2, ensure_ascii=True) + "\n"
