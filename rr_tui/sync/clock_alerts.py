"""Clock alerts: when a running legal clock nears its due time, and when it is missed.

`AlertTracker` is fed the running deadlines of each incident (`feed`, whenever
what is known about the incident changes) and asked, with the app's clock, what
has become due (`due`, every second). It is pure: no Textual, no backend, no
real time, so one place decides every alert and tests run it over a frozen clock.

A deadline alerts when the time it has left falls to `1 - f` of its counted
time, for each configured fraction `f` (e.g. 0.5 and 0.8), and once more when
it is due (missed). Each alert fires once per incident and rule for the life of
the tracker: repaints, polls, re-fetches, a clock seen first in the queue and
then in full, and view switches feed the same deadline again and fire nothing
new. When several thresholds of one deadline are due at once (a clock started
late, a laptop waking up), only the last one is said.

A restart does not persist what was said. Instead, a threshold already passed
when a deadline is first seen alerts only if it was crossed within
`FIRST_SIGHT_GRACE`: a dashboard restarted shortly after a crossing says it
(once more, at most), and one started hours later stays quiet about what is
long past (the queue's LEGAL column still shows it, red when missed).

Where the data comes from (`deadlines_of`): the incident's clocks when the
`ClockDesk` holds them for its current version (every running clock, with its
extensions and its calendar), otherwise the queue's own data, the soonest
running clock (`deadline_at`, `deadline_rule`), whose counted time is the
rule's duration from the catalogue (unknown rule: the breach alert only).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rr_tui.deadlines import Clock, ClockRule, ClockState
from rr_tui.deadlines.calendar import working_between
from rr_tui.deadlines.rules import Calendar
from rr_tui.models import Incident

DEFAULT_FRACTIONS = (0.5, 0.8)
"""Alert when half and when four fifths of a clock's time is gone (and at breach)."""

FIRST_SIGHT_GRACE = timedelta(minutes=5)
"""A threshold crossed at most this long before a deadline is first seen still alerts."""

_BREACH = -1
"""The level of the missed alert (fractions are levels 0, 1, ... in ascending order)."""


@dataclass(frozen=True)
class Deadline:
    """One running clock, as alerts need it."""

    incident_id: str
    rule_id: str
    label: str
    due_at: datetime
    total: timedelta | None
    """The counted time from trigger to due (duration and extensions); None: unknown."""
    calendar: Calendar | None = None
    """For a working-hours rule: only working time counts toward the fractions."""

    def crossing(self, fraction: float) -> datetime | None:
        """When the counted time left falls to `1 - fraction` of the total (None: unknown)."""
        if self.total is None:
            return None
        left = self.total * (1 - fraction)
        if self.calendar is None:
            return self.due_at - left
        return _working_before(self.calendar, self.due_at, left)


@dataclass(frozen=True)
class ClockAlert:
    """What to tell: a threshold of one deadline reached, or the deadline missed."""

    deadline: Deadline
    fraction: float | None
    """The fraction of its time gone; None: missed."""

    @property
    def missed(self) -> bool:
        """The deadline passed unmet."""
        return self.fraction is None


def _working_before(calendar: Calendar, due: datetime, left: timedelta) -> datetime:
    """The last moment from which `left` of working time remains until `due` (to the second)."""
    if left <= timedelta(0):
        return due
    early = due - left
    for _ in range(16):  # widen until enough working time lies between (nights, weekends)
        if working_between(calendar, early, due) >= left:
            break
        early -= max(due - early, timedelta(days=1))
    late = due
    while late - early > timedelta(milliseconds=1):
        middle = early + (late - early) / 2
        if working_between(calendar, middle, due) >= left:
            early = middle
        else:
            late = middle
    # The last moment with `left` still ahead (a window's start, often), to the second.
    return (early + timedelta(milliseconds=500)).replace(microsecond=0)


def deadlines_of(
    incident: Incident, clocks: Sequence[Clock] | None, rules: Mapping[str, ClockRule]
) -> list[Deadline]:
    """The incident's running deadlines: from its clocks if known, else from its queue row."""
    if clocks is not None:
        return [
            Deadline(
                incident.id,
                clock.rule.id,
                clock.rule.label,
                clock.due_at,
                clock.rule.duration + sum((e.amount for e in clock.extensions), timedelta(0)),
                clock.rule.calendar if clock.rule.counting == "working_hours" else None,
            )
            for clock in clocks
            if clock.state is ClockState.RUNNING
        ]
    if incident.deadline_at is None or not incident.deadline_rule:
        return []
    rule = rules.get(incident.deadline_rule)
    return [
        Deadline(
            incident.id,
            incident.deadline_rule,
            rule.label if rule else incident.deadline_rule,
            incident.deadline_at,
            rule.duration if rule else None,
            rule.calendar if rule and rule.counting == "working_hours" else None,
        )
    ]


class AlertTracker:
    """Which thresholds of which deadlines have been said, and which come next."""

    def __init__(
        self,
        fractions: Iterable[float] = DEFAULT_FRACTIONS,
        *,
        grace: timedelta = FIRST_SIGHT_GRACE,
    ) -> None:
        self.fractions = tuple(sorted(set(fractions)))
        self.grace = grace
        self._watched: dict[str, dict[str, Deadline]] = {}
        """Incident id → rule id → its running deadline, as last fed."""
        self._seen: set[tuple[str, str, int]] = set()
        """Thresholds whose moment has been known (first sight decides the grace)."""
        self._fired: set[tuple[str, str, int]] = set()
        self._queue: list[tuple[datetime, int, str, str, int]] = []
        """(moment, feed number, incident, rule, level): a heap; entries of older feeds
        of an incident are skipped when they come up."""
        self._fed: dict[str, int] = {}
        self._feeds = 0
        self._live = 0
        """How many deadlines `_watched` holds (kept, not counted, on every feed)."""

    def _levels(self) -> Iterable[int]:
        return (*range(len(self.fractions)), _BREACH)

    def _moment(self, deadline: Deadline, level: int) -> datetime | None:
        if level == _BREACH:
            return deadline.due_at
        return deadline.crossing(self.fractions[level])

    def feed(self, incident_id: str, deadlines: Sequence[Deadline], now: datetime) -> None:
        """What is known now of an incident's running deadlines (all of them; none: forget)."""
        if not deadlines and incident_id not in self._watched:
            return  # most incidents run no clock: nothing to do for them
        current = {deadline.rule_id: deadline for deadline in deadlines}
        self._feeds += 1
        self._fed[incident_id] = self._feeds
        self._live -= len(self._watched.pop(incident_id, {}))
        if current:
            self._watched[incident_id] = current
            self._live += len(current)
        for rule_id, deadline in current.items():
            for level in self._levels():
                key = (incident_id, rule_id, level)
                if key in self._fired:
                    continue
                moment = self._moment(deadline, level)
                if moment is None:
                    continue  # unknown until the rule's duration is (the catalogue not read)
                first = key not in self._seen
                self._seen.add(key)
                if first and moment < now - self.grace:
                    # Long past when first seen (a restart, a clock typed in late): not news.
                    self._fired.add((incident_id, rule_id, level))
                    continue
                entry = (moment, self._feeds, incident_id, rule_id, level)
                heapq.heappush(self._queue, entry)
        if len(self._queue) > 64 + 4 * self._live * (len(self.fractions) + 1):
            self._compact()  # an incident fed on every poll leaves its older entries behind

    def forget(self, incident_id: str) -> None:
        """The incident is no longer held: stop watching it (what was said stays said)."""
        self._live -= len(self._watched.pop(incident_id, {}))
        self._fed[incident_id] = -1

    def due(self, now: datetime) -> list[ClockAlert]:
        """The alerts that came due by `now`, each once: the latest threshold per deadline."""
        reached: dict[tuple[str, str], int] = {}
        while self._queue and self._queue[0][0] <= now:
            _, feed, incident_id, rule_id, level = heapq.heappop(self._queue)
            if feed != self._fed.get(incident_id) or (incident_id, rule_id, level) in self._fired:
                continue
            key = (incident_id, rule_id)
            best = reached.get(key)
            reached[key] = level if best is None else _later(best, level)
        alerts = []
        for (incident_id, rule_id), level in reached.items():
            for lower in self._levels():
                # Everything up to the threshold said is said: it is not news any more.
                self._fired.add((incident_id, rule_id, lower))
                if lower == level:
                    break
            deadline = self._watched[incident_id][rule_id]
            fraction = None if level == _BREACH else self.fractions[level]
            alerts.append(ClockAlert(deadline, fraction))
        alerts.sort(key=lambda alert: (alert.deadline.due_at, alert.deadline.incident_id))
        return alerts

    def _compact(self) -> None:
        kept = [entry for entry in self._queue if entry[1] == self._fed.get(entry[2])]
        heapq.heapify(kept)
        self._queue = kept


def _later(one: int, other: int) -> int:
    """The later of two levels: the breach after every fraction."""
    if _BREACH in (one, other):
        return _BREACH
    return max(one, other)
