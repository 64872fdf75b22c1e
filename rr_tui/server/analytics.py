"""Trends computed in the database: counts, medians and SLA attainment over a window.

A lead asks for a week of trends over 100,000 incidents; shipping every row to be
counted elsewhere is what this avoids (see bench/trends.py). Everything here is one
GROUP BY or a window function (`row_number() OVER`) in SQL, on SQLite and PostgreSQL alike:

- timestamps are fixed-width ISO text (`schema.UtcDateTime`), so a bucket is a
  prefix (`substr`) and comparing two times is comparing text;
- durations use each dialect's own arithmetic (`julianday` or `EXTRACT(EPOCH ...)`);
- acknowledgement and mitigation come from the timeline with the definitions of
  `rr_tui.models.milestones`: acknowledged by the first acknowledgement,
  escalation or status change to anything but new or resolved; mitigated when it
  first reached mitigated or resolved. SLA met: mitigated by `due_at`.
- legal clocks come from the `clocks` table (one row per clock, its stored state and
  due time), with the rules of `rr_tui.models.clock_outcomes`: met is stored `met`;
  missed is stored `missed` (met late: `deadlines.clocks.meet` keeps it missed) or
  still `running` at or past its due time; paused and cancelled are neither. Each
  clock counts once, under the severity of its incident, if the incident was opened
  in the window (like every other figure here).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import TIMESTAMP, Connection, and_, case, cast, func, or_, select

from rr_tui.deadlines import ClockState
from rr_tui.models import (
    Bucket,
    EventKind,
    Grouping,
    OpenedCount,
    Severity,
    SeverityTrend,
    Status,
    Trends,
)
from rr_tui.server import schema

_PREFIX = {Bucket.HOUR: 13, Bucket.DAY: 10}
"""Characters of an ISO time that name its bucket: `2026-11-24T06` or `2026-11-24`."""

_STOPPED = (Status.MITIGATED.value, Status.RESOLVED.value)


def _seconds(conn: Connection, start: Any, end: Any) -> Any:
    if conn.dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    stamp = TIMESTAMP(timezone=True)
    return func.extract("epoch", cast(end, stamp) - cast(start, stamp))


def _first(kinds: Any) -> Any:
    """Per incident, the first timeline event matching `kinds` (a where clause)."""
    t = schema.timeline
    return (
        select(t.c.incident_id, func.min(t.c.at).label("at"))
        .where(kinds)
        .group_by(t.c.incident_id)
        .subquery()
    )


def _medians(conn: Connection, value: Any, where: Any, joins: Any) -> dict[str, float]:
    """The median of `value` per severity, in one query: rows numbered within each
    severity by value, and the middle one (or the mean of the middle two) kept."""
    i = schema.incidents
    ranked = (
        select(
            i.c.severity.label("severity"),
            value.label("v"),
            func.row_number().over(partition_by=i.c.severity, order_by=value).label("n"),
            func.count().over(partition_by=i.c.severity).label("total"),
        )
        .select_from(joins)
        .where(where)
        .subquery()
    )
    middle = or_(ranked.c.n == (ranked.c.total + 1) // 2, ranked.c.n == (ranked.c.total + 2) // 2)
    query = (
        select(ranked.c.severity, func.avg(ranked.c.v)).where(middle).group_by(ranked.c.severity)
    )
    return {str(severity): float(v) for severity, v in conn.execute(query)}


def trends(
    conn: Connection, *, since: datetime, until: datetime, bucket: Bucket, group: Grouping
) -> Trends:
    """The window's trends, every figure computed by the database."""
    i = schema.incidents
    t = schema.timeline
    to = t.c.data["to"].as_string()
    acked = _first(
        or_(
            t.c.kind.in_([EventKind.ACKNOWLEDGED.value, EventKind.ESCALATED.value]),
            and_(
                t.c.kind == EventKind.STATUS_CHANGED.value,
                to.not_in([Status.NEW.value, Status.RESOLVED.value]),
            ),
        )
    )
    mitigated = _first(
        and_(
            t.c.kind.in_([EventKind.STATUS_CHANGED.value, EventKind.RESOLVED.value]),
            to.in_(_STOPPED),
        )
    )
    # Bound through the column's type, so compared as the ISO text the column holds.
    window = and_(i.c.created_at >= since, i.c.created_at < until)
    label = func.substr(i.c.created_at, 1, _PREFIX[bucket])
    column = {
        Grouping.REGION: i.c.region,
        Grouping.CATEGORY: i.c.category,
        Grouping.SEVERITY: i.c.severity,
    }[group]
    opened = [
        OpenedCount(bucket=row[0], key=row[1], count=row[2])
        for row in conn.execute(
            select(label, column, func.count())
            .where(window)
            .group_by(label, column)
            .order_by(label, column)
        )
    ]
    joined = i.outerjoin(mitigated, mitigated.c.incident_id == i.c.id)
    met = case((mitigated.c.at <= i.c.due_at, 1), else_=0)
    missed = case(
        (mitigated.c.at > i.c.due_at, 1),
        (and_(mitigated.c.at.is_(None), i.c.due_at < until), 1),
        else_=0,
    )
    tallies = {
        row[0]: row[1:]
        for row in conn.execute(
            select(i.c.severity, func.count(), func.sum(met), func.sum(missed))
            .select_from(joined)
            .where(window)
            .group_by(i.c.severity)
        )
    }
    ack = _medians(
        conn,
        _seconds(conn, i.c.created_at, acked.c.at),
        window,
        i.join(acked, acked.c.incident_id == i.c.id),
    )
    mitigate = _medians(
        conn,
        _seconds(conn, i.c.created_at, mitigated.c.at),
        window,
        i.join(mitigated, mitigated.c.incident_id == i.c.id),
    )
    clocks = _clock_tallies(conn, window, until)
    severities = []
    for severity in Severity:
        count, met_count, missed_count = tallies.get(severity.value, (0, 0, 0))
        clocks_met, clocks_missed = clocks.get(severity.value, (0, 0))
        severities.append(
            SeverityTrend(
                severity=severity,
                opened=count,
                median_ack_seconds=ack.get(severity.value),
                median_mitigate_seconds=mitigate.get(severity.value),
                sla_met=int(met_count or 0),
                sla_missed=int(missed_count or 0),
                clocks_met=clocks_met,
                clocks_missed=clocks_missed,
            )
        )
    return Trends(
        since=since, until=until, bucket=bucket, group=group, opened=opened, severities=severities
    )


def _clock_tallies(conn: Connection, window: Any, until: datetime) -> dict[str, tuple[int, int]]:
    """Per severity, the legal clocks of the window's incidents met and missed as of `until`."""
    i = schema.incidents
    c = schema.clocks
    met = case((c.c.state == ClockState.MET.value, 1), else_=0)
    missed = case(
        (c.c.state == ClockState.MISSED.value, 1),
        # A running clock is missed by itself once due (`Clock.state_at`): `now >= due_at`.
        (and_(c.c.state == ClockState.RUNNING.value, c.c.due_at <= until), 1),
        else_=0,
    )
    query = (
        select(i.c.severity, func.sum(met), func.sum(missed))
        .select_from(i.join(c, c.c.incident_id == i.c.id))
        .where(window)
        .group_by(i.c.severity)
    )
    return {str(row[0]): (int(row[1] or 0), int(row[2] or 0)) for row in conn.execute(query)}


def window(now: datetime, hours: int) -> tuple[datetime, datetime]:
    """The window of the last `hours` up to `now`."""
    return now - timedelta(hours=hours), now
