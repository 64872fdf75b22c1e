"""What clock alerts cost the dashboard: feeding a poll's changes, and asking every second.

The tracker (`rr_tui.sync.clock_alerts.AlertTracker`) is fed the running
deadlines of every changed incident and asked once a second what came due. At
10,000 incidents, 1,000 of them with a running clock:

- `feed`: a first poll (all 10,000 fed; most have no clock and cost a lookup),
  compared with `IncidentStore.apply` of the same page, which the poll pays anyway.
- `due`: one tick with nothing due (the usual second), compared with what a
  tracker without its heap would do every second: work out each watched
  deadline's next threshold and compare it with now.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bench.figures import Figure
from rr_tui.models import Incident
from rr_tui.sync.clock_alerts import AlertTracker, Deadline
from rr_tui.sync.store import IncidentStore

INCIDENTS = 10_000
WITH_CLOCKS = 1_000
RUNS = 7
NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def _incidents() -> list[Incident]:
    made = []
    for n in range(INCIDENTS):
        clocked = n % (INCIDENTS // WITH_CLOCKS) == 0
        made.append(
            Incident.model_validate(
                {
                    "id": f"RR-{10_000 + n}",
                    "title": f"incident {n}",
                    "severity": f"SEV{n % 5}",
                    "status": "acknowledged",
                    "category": "violent_extremism",
                    "region": "ID",
                    "source": "regulator",
                    "created_at": NOW - timedelta(minutes=n % 600),
                    "updated_at": NOW,
                    "due_at": NOW + timedelta(hours=2),
                    "version": 2,
                    "deadline_at": NOW + timedelta(minutes=30 + n % 200) if clocked else None,
                    "deadline_rule": "id-permen5-urgent" if clocked else None,
                }
            )
        )
    return made


def _deadlines(incident: Incident) -> list[Deadline]:
    if incident.deadline_at is None or incident.deadline_rule is None:
        return []
    rule = incident.deadline_rule
    return [Deadline(incident.id, rule, rule, incident.deadline_at, timedelta(hours=4))]


def _median_ms(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 3)


def _median_us(work: Callable[[], object]) -> float:
    return round(_median_ms(work) * 1000, 1)


def run() -> list[Figure]:
    """Time a first poll's feed and an idle tick, each beside its baseline."""
    incidents = _incidents()
    apply_ms = _median_ms(lambda: IncidentStore().apply(incidents, reset=True))

    def feed_all() -> AlertTracker:
        tracker = AlertTracker()
        for incident in incidents:
            tracker.feed(incident.id, _deadlines(incident), NOW)
        return tracker

    feed_ms = _median_ms(feed_all)
    tracker = feed_all()
    watched = [d for incident in incidents for d in _deadlines(incident)]

    def scan() -> list[Deadline]:
        # Without the heap: every watched deadline's thresholds against now, each second.
        return [
            d
            for d in watched
            for f in tracker.fractions
            if (moment := d.crossing(f)) is not None and moment <= NOW
        ]

    tick_us = _median_us(lambda: tracker.due(NOW))
    scan_us = _median_us(scan)
    note = f"{INCIDENTS:,} incidents, {WITH_CLOCKS:,} with a running clock; median of {RUNS}"
    return [
        Figure("clock_alerts.store_apply.ms", apply_ms, "ms", note=f"the poll's own cost; {note}"),
        Figure(
            "clock_alerts.feed_first_poll.ms",
            feed_ms,
            "ms",
            "clock_alerts.store_apply.ms",
            apply_ms,
            f"every incident of a first poll fed to the tracker; {note}",
        ),
        Figure("clock_alerts.scan_tick.us", scan_us, "µs", note=f"no heap: scan all; {note}"),
        Figure(
            "clock_alerts.idle_tick.us",
            tick_us,
            "µs",
            "clock_alerts.scan_tick.us",
            scan_us,
            f"`due` with nothing due, once a second; {note}",
        ),
    ]
