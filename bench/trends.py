"""Trends at 100,000 incidents: the analytics endpoint against computing them client-side.

The server is `rr-tui serve` over a store seeded with 100,000 incidents, in its own
process on its own core. In the same run, each of the two ways to get the same
figures (opened per day by market; per severity medians and SLA attainment) is
timed from the request to the figures in hand:

- `RrHttpBackend.trends(...)`: `GET /analytics/trends`, computed by the database;
- the baseline: every page of the full list (`changes(None)` until no more), parsed
  into incidents, then `models.trends_from` over them (what a backend without an
  endpoint does, and what the endpoint exists to avoid).

One incident in `CLOCK_EVERY` carries a legal clock (in the `clocks` table, as the
server stores one), a third of them met, a third met late, a third left running past
due, so the endpoint's clocks met / missed (a join and GROUP BY over `clocks`) is
timed on real rows and checked. The baseline computes no clocks: from the list alone
it cannot (it would need every incident's timeline or clocks, one request each), so it
does less than the endpoint, and the comparison flatters the baseline, not the endpoint.

The endpoint is timed twice in the same run: with the `ix_timeline_kind` index
(migration 0005, the shipped schema), and with that index dropped from the file the
server reads (the schema before 0005), so the index's worth is measured, not assumed.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

from bench.figures import Figure
from bench.serve import TOKEN, pinned, served
from rr_tui import deadlines
from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.deadlines import ClockState
from rr_tui.listing import fetch_all
from rr_tui.models import Bucket, EventKind, Grouping, Status, trends_from
from rr_tui.server import schema, seed_data
from rr_tui.server.store import Store

STORE_SIZE = 100_000
RUNS = 3
HOURS = 24 * 7
CLOCK_EVERY = 20
"""One incident in this many has a legal clock: 5,000 clocks at 100,000 incidents."""
CLOCK_STATES = ("met", "missed", "running")
"""In turn: met on time, met late (stored missed), running past due (missed by itself)."""


def _prepare(db: Path) -> None:
    """100,000 incidents over the past 6 days, a third acknowledged, a fifth mitigated.

    Written with executemany, not `Tx.create` one by one (which took over 15 minutes on
    the shared 2-core machine); the rows are what the transaction would write.
    """
    store = Store.open(f"sqlite:///{db}", sqlite_sync="normal")
    rng = random.Random(16)
    now = store.clock()
    incidents: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    clocks: list[dict[str, Any]] = []
    rule = deadlines.load().get("au-osa-removal")
    assert rule is not None
    for n in range(1, STORE_SIZE + 1):
        body = seed_data.random_incident(rng)
        opened = now - timedelta(seconds=rng.uniform(60, 6 * 86400))
        acked = opened + timedelta(seconds=rng.uniform(30, 3 * 3600)) if n % 3 == 0 else None
        mitigated = (
            acked + timedelta(seconds=rng.uniform(60, 8 * 3600)) if acked and n % 5 < 3 else None
        )
        status = Status.MITIGATED if mitigated else Status.ACKNOWLEDGED if acked else Status.NEW
        incident_id = f"RR-{n}"
        incidents.append(
            {
                **body.model_dump(exclude={"due_at"}),
                "id": incident_id,
                "status": status.value,
                "escalated_to": [],
                "created_at": opened,
                "updated_at": mitigated or acked or opened,
                "acknowledged_at": acked,
                "resolved_at": None,
                "due_at": opened + store.sla[body.severity],
                "version": 1 + (acked is not None) + (mitigated is not None),
                "change_seq": n,
            }
        )
        moves: list[tuple[datetime, EventKind, dict[str, str]]] = [(opened, EventKind.CREATED, {})]
        if acked:
            moves.append((acked, EventKind.ACKNOWLEDGED, {"from": "new", "to": "acknowledged"}))
        if mitigated:
            moves.append(
                (mitigated, EventKind.STATUS_CHANGED, {"from": "acknowledged", "to": "mitigated"})
            )
        if n % CLOCK_EVERY == 0:
            state = CLOCK_STATES[(n // CLOCK_EVERY) % len(CLOCK_STATES)]
            # Started a rule's length before the bench's now: every one is past due.
            legal = deadlines.start(
                rule, incident_id, trigger_at=now - rule.duration, now=now, by="bench"
            )
            clocks.append(
                {
                    "incident_id": incident_id,
                    "rule_id": rule.id,
                    "state": state,
                    "due_at": legal.due_at,
                    "doc": legal.model_copy(update={"state": ClockState(state)}).model_dump(
                        mode="json"
                    ),
                }
            )
        events.extend(
            {
                "incident_id": incident_id,
                "at": at,
                "actor": "bench",
                "kind": kind.value,
                "data": data,
                "message": "",
            }
            for at, kind, data in moves
        )
    with store.write() as tx:
        tx.conn.execute(insert(schema.incidents), incidents)
        tx.conn.execute(insert(schema.timeline), events)
        tx.conn.execute(insert(schema.clocks), clocks)
        tx.conn.execute(
            update(schema.counters)
            .where(schema.counters.c.name == "change_seq")
            .values(value=STORE_SIZE)
        )
    store.close()


async def _endpoint(url: str) -> float:
    backend = RrHttpBackend(url, TOKEN, timeout=120.0)
    try:
        start = time.perf_counter()
        trends = await backend.trends(HOURS, Bucket.DAY, Grouping.REGION)
        took = time.perf_counter() - start
    finally:
        await backend.aclose()
    assert sum(band.opened for band in trends.severities) == STORE_SIZE
    met = sum(band.clocks_met or 0 for band in trends.severities)
    missed = sum(band.clocks_missed or 0 for band in trends.severities)
    assert (met, missed) == (STORE_SIZE // CLOCK_EVERY // 3, STORE_SIZE // CLOCK_EVERY - met)
    return took


async def _client_side(url: str) -> float:
    backend = RrHttpBackend(url, TOKEN, timeout=120.0)
    start = time.perf_counter()
    store, _skipped = await fetch_all(backend)  # closes the backend
    now = max(i.created_at for i in store.all()) + timedelta(seconds=1)
    trends = trends_from(
        store.all(),
        {},
        since=now - timedelta(hours=HOURS),
        until=now,
        bucket=Bucket.DAY,
        group=Grouping.REGION,
    )
    took = time.perf_counter() - start
    assert sum(band.opened for band in trends.severities) == STORE_SIZE
    return took


def _drop_kind_index(db: Path) -> None:
    """The schema before migration 0005: no index on the timeline's kind."""
    with sqlite3.connect(db) as conn:
        conn.execute("DROP INDEX ix_timeline_kind")


async def _measure(url: str, db: Path) -> tuple[list[float], list[float], list[float]]:
    await _endpoint(url)  # warm the server's caches once
    indexed = [await _endpoint(url) for _ in range(RUNS)]
    _drop_kind_index(db)  # the server's connections re-read the changed schema
    await _endpoint(url)
    unindexed = [await _endpoint(url) for _ in range(RUNS)]
    client_s = [await _client_side(url) for _ in range(RUNS)]
    return indexed, unindexed, client_s


def run() -> list[Figure]:
    """Time the analytics endpoint and the client-side baseline at 100,000 incidents."""
    with tempfile.TemporaryDirectory(prefix="rr-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        _prepare(db)
        with served(db) as url, pinned(1):
            endpoint, unindexed, client = asyncio.run(_measure(url, db))
    endpoint_ms = round(statistics.median(endpoint) * 1000, 1)
    unindexed_ms = round(statistics.median(unindexed) * 1000, 1)
    client_ms = round(statistics.median(client) * 1000, 1)
    note = f"{STORE_SIZE:,} incidents from rr-tui serve (own process, own core); median of {RUNS}"
    baseline = f"trends.{STORE_SIZE}.client_side.ms"
    return [
        Figure(baseline, client_ms, "ms", note=f"full list + trends_from; {note}"),
        Figure(
            f"trends.{STORE_SIZE}.endpoint.ms",
            endpoint_ms,
            "ms",
            baseline,
            client_ms,
            f"GET /analytics/trends (with 5,000 legal clocks), computed in SQLite; {note}",
        ),
        Figure(
            f"trends.{STORE_SIZE}.endpoint_without_kind_index.ms",
            unindexed_ms,
            "ms",
            f"trends.{STORE_SIZE}.endpoint.ms",
            endpoint_ms,
            f"the same, ix_timeline_kind dropped (schema before 0005); {note}",
        ),
    ]
