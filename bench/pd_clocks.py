"""What legal clocks add to a PagerDuty poll: 1,000 incidents mapped, with and without them.

A PagerDuty profile keeps its clocks in a local SQLite file; every incident a
poll maps asks it for its soonest running clock, and every poll judges intake,
looks for other terminals' steps and for notes still to post. Timed in the same
run, on the same 1,000 PagerDuty incidents (100 of them with a running clock):

- the baseline: mapping them with no clock file (`PdIncidents.to_incident`);
- the same mapping with the file's deadlines, plus the keeper's per-poll work
  (`intake` of incidents already judged, `changed_elsewhere`, `claim_notes`);
- the same again right after another terminal's step (the deadlines are read
  again from the file: the worst poll).

No HTTP: the figures are the adapter's own work, which PagerDuty's answer
time (tens of milliseconds a page) dwarfs either way.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from bench.figures import Figure
from rr_tui import deadlines
from rr_tui.backends.pagerduty.client import PdClient
from rr_tui.backends.pagerduty.incidents import PdIncidents
from rr_tui.backends.pagerduty.local_clocks import LocalClocks
from rr_tui.backends.pagerduty.mapping import Placement
from rr_tui.backends.pagerduty.priorities import PriorityScale, SeverityMap
from rr_tui.backends.pagerduty.users import PdUsers
from rr_tui.backends.pagerduty.wire import PdIncident
from rr_tui.deadlines.wire import ClockStart

COUNT = 1_000
RUNNING = 100
RUNS = 9
NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def _incidents() -> list[PdIncident]:
    stamp = NOW.isoformat()
    return [
        PdIncident.model_validate(
            {
                "id": f"PI{n:05d}",
                "type": "incident",
                "title": f"Takedown order {n}",
                "status": "triggered",
                "urgency": "high",
                "created_at": stamp,
                # The first RUNNING come from the regulator's service: their clocks start.
                "service": {"id": "PSVC1" if n < RUNNING else "PSVC2", "type": "service_reference"},
            }
        )
        for n in range(COUNT)
    ]


def _mapper() -> PdIncidents:
    http = cast(PdClient, None)  # to_incident sends nothing
    placement = Placement(
        service_regions={"PSVC1": "ID", "PSVC2": "ID"},
        service_categories={"PSVC1": "child_safety", "PSVC2": "child_safety"},
        service_sources={"PSVC1": "regulator"},
    )
    incidents = PdIncidents(http, PdUsers(http, "mei@example.com"), SeverityMap(), placement)
    incidents.scale = PriorityScale([], SeverityMap())
    return incidents


def _medians_ms(*works: tuple[Any, Any]) -> list[float]:
    """Each (untimed setup, timed work)'s median time; the works take turns, so a busy
    moment of the machine hits them alike."""
    times: list[list[float]] = [[] for _ in works]
    for _ in range(RUNS):
        for kept, (setup, work) in zip(times, works, strict=True):
            setup()
            began = time.perf_counter()
            work()
            kept.append(time.perf_counter() - began)
    return [statistics.median(kept) * 1000 for kept in times]


def run() -> list[Figure]:
    """The three figures, in milliseconds per poll of 1,000 incidents."""
    pds = _incidents()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "pd-clocks.db"
        mine = LocalClocks(path, deadlines.load(), NOW)
        theirs = LocalClocks(path, deadlines.load(), NOW)
        plain, clocked = _mapper(), _mapper()
        clocked.deadlines = mine.deadline
        first = [clocked.to_incident(pd) for pd in pds]
        assert len(mine.intake(first, by="mei", now=NOW)) == RUNNING  # judged from now on

        def baseline() -> None:
            for pd in pds:
                plain.to_incident(pd)

        def with_clocks() -> None:
            mine.refresh()  # what `PdClocks.before_poll` does
            items = [clocked.to_incident(pd) for pd in pds]
            mine.intake(items, by="mei", now=NOW)
            mine.changed_elsewhere()
            mine.claim_notes(NOW + timedelta(hours=1))

        steps = iter(range(RUNS))

        def another_terminals_step() -> None:
            n = next(steps)
            body = ClockStart(rule="id-permen5-takedown")
            theirs.start(first[RUNNING + n], body, by="arjun", now=NOW, key=f"b{n}")

        def nothing() -> None:
            pass

        base, clocks, moved = _medians_ms(
            (nothing, baseline), (nothing, with_clocks), (another_terminals_step, with_clocks)
        )
        mine.close()
        theirs.close()
    note = f"{COUNT} PagerDuty incidents, {RUNNING}+ running clocks, median of {RUNS}"
    return [
        Figure("pd_clocks.map_without_clocks", base, "ms/poll", note=note),
        Figure(
            "pd_clocks.map_with_clocks",
            clocks,
            "ms/poll",
            "pd_clocks.map_without_clocks",
            base,
            note,
        ),
        Figure(
            "pd_clocks.map_after_another_terminals_step",
            moved,
            "ms/poll",
            "pd_clocks.map_without_clocks",
            base,
            note,
        ),
    ]
