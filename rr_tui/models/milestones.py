"""Milestones of an incident, read from its timeline: the one definition of "how it went".

Handover, post-mortem and trends all ask the same questions of an incident (when was
it acknowledged, escalated, mitigated, resolved; was the SLA met; who worked on it),
so the answers are defined once, here, as a pure function of the incident and its
timeline. The rules, chosen so that a messy history still gives an honest answer:

- **acknowledged**: the first response that moved it out of `new`: an
  acknowledgement, an escalation or a status change. Resolving straight from `new`
  is *not* an acknowledgement: the record then says it was never acknowledged.
- **escalated**: the first escalation; every escalation is kept (re-escalations).
- **mitigated**: the first time it reached `mitigated` or `resolved` (a resolution
  also stops the harm). Reopening does not take it back: the SLA was met or not then.
- **resolved**: the last resolution, and only while it stays resolved: a reopened
  incident is unresolved again, and counts its reopenings.
- **SLA**: met if mitigated by `due_at` (the backend's deadline for its current
  severity); missed if mitigated later, or still not mitigated after `due_at`;
  otherwise still running.
- **responders**: everyone who acted on it after it was opened, and everyone it was
  assigned to, in the order they joined.

- **reopened**: every reopening the timeline holds (a `reopened` event, or a move
  out of `resolved`), even when the resolution before it is older than the timeline read.
- **clocks**: each legal or protocol clock (a deadline other than the SLA) as its
  `clock` events tell it: met, missed and by how much, paused, extended
  (`models.clock_outcomes` has the rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from rr_tui.models.clock_outcomes import ClockOutcome, clock_outcomes
from rr_tui.models.incidents import Incident, TimelineEvent
from rr_tui.models.vocabulary import EventKind, Status


class SlaState(StrEnum):
    """Where the SLA stands: met, missed, or still running."""

    MET = "met"
    MISSED = "missed"
    RUNNING = "running"


@dataclass(frozen=True)
class EscalationStep:
    """One escalation as the timeline records it."""

    at: datetime
    actor: str
    targets: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Milestones:
    """When an incident reached each milestone, and what that says about its SLA."""

    incident_id: str
    opened: datetime
    due_at: datetime
    acknowledged: datetime | None
    escalated: datetime | None
    mitigated: datetime | None
    resolved: datetime | None
    sla: SlaState
    sla_margin: timedelta
    """Time left at mitigation (negative: how late), or, still running, left until now."""
    reopened: int
    escalations: tuple[EscalationStep, ...]
    responders: tuple[str, ...]
    clocks: tuple[ClockOutcome, ...] = field(default=())

    def since_opened(self, moment: datetime | None) -> timedelta | None:
        """The time from opening to `moment` (None if it never came)."""
        return None if moment is None else moment - self.opened

    @property
    def to_acknowledge(self) -> timedelta | None:
        """Time to acknowledge."""
        return self.since_opened(self.acknowledged)

    @property
    def to_escalate(self) -> timedelta | None:
        """Time to the first escalation."""
        return self.since_opened(self.escalated)

    @property
    def to_mitigate(self) -> timedelta | None:
        """Time to mitigate (what the SLA measures)."""
        return self.since_opened(self.mitigated)

    @property
    def to_resolve(self) -> timedelta | None:
        """Time to the resolution that stuck."""
        return self.since_opened(self.resolved)


_STOPPED = (Status.MITIGATED.value, Status.RESOLVED.value)


def _target(event: TimelineEvent) -> str | None:
    """The status an event moved the incident to, if it moved it."""
    to = event.data.get("to")
    if event.kind is EventKind.ESCALATED:
        return str(to) if isinstance(to, str) else Status.ESCALATED.value
    if event.kind in (
        EventKind.ACKNOWLEDGED,
        EventKind.STATUS_CHANGED,
        EventKind.RESOLVED,
        EventKind.REOPENED,
    ):
        if isinstance(to, str):
            return to
        return {
            EventKind.ACKNOWLEDGED: Status.ACKNOWLEDGED.value,
            EventKind.RESOLVED: Status.RESOLVED.value,
        }.get(event.kind)
    return None


def milestones(incident: Incident, timeline: Sequence[TimelineEvent], now: datetime) -> Milestones:
    """The milestones of `incident` from its `timeline` (any order), as of `now`."""
    events = sorted(timeline, key=lambda event: (event.at, event.seq))
    acknowledged = escalated = mitigated = resolved = None
    reopened = 0
    steps: list[EscalationStep] = []
    responders: dict[str, None] = {}
    for event in events:
        if event.kind is not EventKind.CREATED:
            responders.setdefault(event.actor)
        if event.kind is EventKind.ASSIGNED and isinstance(event.data.get("to"), str):
            responders.setdefault(str(event.data["to"]))
        if event.kind is EventKind.CREATED and isinstance(event.data.get("assignee"), str):
            responders.setdefault(str(event.data["assignee"]))
        to = _target(event)
        if to is None:
            continue
        if event.kind is EventKind.ESCALATED:
            escalated = escalated or event.at
            targets = event.data.get("targets")
            names = tuple(str(t) for t in targets) if isinstance(targets, list) else ()
            steps.append(EscalationStep(event.at, event.actor, names, event.message))
        if acknowledged is None and to not in (Status.NEW.value, Status.RESOLVED.value):
            acknowledged = event.at
        if mitigated is None and to in _STOPPED:
            mitigated = event.at
        if to == Status.RESOLVED.value:
            resolved = event.at
        elif resolved is not None or event.kind is EventKind.REOPENED:
            # A reopening counts even when its resolution is older than the timeline read.
            resolved = None
            reopened += 1
    if resolved is None and incident.status is Status.RESOLVED and incident.resolved_at:
        # A backend whose timeline is partial still knows when it was resolved.
        resolved = incident.resolved_at
        mitigated = mitigated or resolved
    if mitigated is not None:
        margin = incident.due_at - mitigated
        sla = SlaState.MET if margin >= timedelta(0) else SlaState.MISSED
    else:
        margin = incident.due_at - now
        sla = SlaState.RUNNING if margin >= timedelta(0) else SlaState.MISSED
    return Milestones(
        incident_id=incident.id,
        opened=incident.created_at,
        due_at=incident.due_at,
        acknowledged=acknowledged,
        escalated=escalated,
        mitigated=mitigated,
        resolved=resolved,
        sla=sla,
        sla_margin=margin,
        reopened=reopened,
        escalations=tuple(steps),
        responders=tuple(responders),
        clocks=clock_outcomes(events, now),
    )


def duration_text(span: timedelta | None) -> str:
    """A duration as people read it: `45m`, `2h05m`, `3d4h`, `-12m` (late); `-` for none."""
    if span is None:
        return "-"
    sign = "-" if span < timedelta(0) else ""
    minutes = int(abs(span) / timedelta(minutes=1))
    if minutes < 60:
        return f"{sign}{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{sign}{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{sign}{days}d{hours}h"
