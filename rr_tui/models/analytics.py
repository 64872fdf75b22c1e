"""Trends over a window: what the analytics endpoint answers (`GET /analytics/trends`).

Counts of incidents opened per bucket (hour or day) by a grouping (market, category,
severity), and per severity the median times to acknowledge and to mitigate and the
SLA attainment, with the definitions of `milestones` (mitigated: first reached
`mitigated` or `resolved`; SLA met: mitigated by `due_at`), and the legal clocks
met and missed with those of `clock_outcomes`: met late is missed, a running clock
past due is missed, paused and cancelled are neither. `clocks_met` and
`clocks_missed` are None where the clocks could not be read (a backend that keeps
none, or a client that holds no timelines): "not available", never a made-up zero.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from statistics import median

from pydantic import Field

from rr_tui.models.base import _Response
from rr_tui.models.fields import UtcDatetime
from rr_tui.models.incidents import Incident, TimelineEvent
from rr_tui.models.milestones import SlaState, milestones
from rr_tui.models.vocabulary import Severity


class Bucket(StrEnum):
    """How finely opened incidents are counted."""

    HOUR = "hour"
    DAY = "day"


class Grouping(StrEnum):
    """What opened incidents are counted by."""

    REGION = "region"
    CATEGORY = "category"
    SEVERITY = "severity"


class OpenedCount(_Response):
    """Incidents opened in one bucket for one group (`2026-11-24` or `2026-11-24T06`)."""

    bucket: str
    key: str
    count: int = Field(ge=0)


class SeverityTrend(_Response):
    """One severity's figures over the window."""

    severity: Severity
    opened: int = Field(ge=0)
    median_ack_seconds: float | None = None
    median_mitigate_seconds: float | None = None
    sla_met: int = Field(default=0, ge=0)
    sla_missed: int = Field(default=0, ge=0)
    """Mitigated late, or still not mitigated past `due_at`."""
    clocks_met: int | None = Field(default=None, ge=0)
    """Legal clocks of the band's incidents met on time (None: not available)."""
    clocks_missed: int | None = Field(default=None, ge=0)
    """Met late, or still running past due (None: not available)."""


class Trends(_Response):
    """`GET /analytics/trends`: the window's figures."""

    since: UtcDatetime
    until: UtcDatetime
    bucket: Bucket
    group: Grouping
    opened: list[OpenedCount]
    severities: list[SeverityTrend]


def trends_from(
    incidents: Iterable[Incident],
    timelines: Mapping[str, Sequence[TimelineEvent]],
    *,
    since: datetime,
    until: datetime,
    bucket: Bucket,
    group: Grouping,
    clocks: Mapping[str, Sequence[str]] | None = None,
) -> Trends:
    """The same figures computed client-side, for backends without an analytics endpoint.

    An incident without its timeline in `timelines` counts as opened, and is mitigated
    only if the backend says it is resolved (`milestones` falls back to `resolved_at`).

    Legal clocks: `clocks` gives each incident's clock states as of `until` (a backend
    that keeps clocks apart from the timeline, such as PagerDuty's clock file); without
    it they are read from the timelines' `clock` events, if every incident in the window
    has its timeline here; otherwise they are not available (None).
    """
    width = {Bucket.HOUR: 13, Bucket.DAY: 10}[bucket]
    shown = [i for i in incidents if since <= i.created_at < until]
    counted = Counter(
        (i.created_at.isoformat()[:width], str(getattr(i, group.value))) for i in shown
    )
    opened = [OpenedCount(bucket=b, key=k, count=n) for (b, k), n in sorted(counted.items())]
    severities = []
    for severity in Severity:
        facts = [
            milestones(i, timelines.get(i.id, ()), until) for i in shown if i.severity is severity
        ]
        acks = [f.to_acknowledge.total_seconds() for f in facts if f.to_acknowledge is not None]
        mits = [f.to_mitigate.total_seconds() for f in facts if f.to_mitigate is not None]
        states: list[str] | None = None
        if clocks is not None:
            states = [s for i in shown if i.severity is severity for s in clocks.get(i.id, ())]
        elif all(i.id in timelines for i in shown):
            states = [clock.state for f in facts for clock in f.clocks]
        severities.append(
            SeverityTrend(
                severity=severity,
                opened=len(facts),
                median_ack_seconds=median(acks) if acks else None,
                median_mitigate_seconds=median(mits) if mits else None,
                sla_met=sum(f.sla is SlaState.MET for f in facts),
                sla_missed=sum(f.sla is SlaState.MISSED for f in facts),
                clocks_met=None if states is None else states.count("met"),
                clocks_missed=None if states is None else states.count("missed"),
            )
        )
    return Trends(
        since=since, until=until, bucket=bucket, group=group, opened=opened, severities=severities
    )
