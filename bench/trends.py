"""Trends at 100,000 incidents: the analytics endpoint against computing them client-side.

The server is `rr-tui serve` over a store seeded with 100,000 incidents, in its own
process on its own core. In the same run, each of the two ways to get the same
figures (opened per day by market; per severity medians and SLA attainment) is
timed from the request to the figures in hand:

- `RrHttpBackend.trends(...)`: `GET /analytics/trends`, computed by the database;
- the baseline: every page of the full list (`changes(None)` until no more), parsed
  into incidents, then `models.trends_from` over them (what a backend without an
  endpoint does, and what the endpoint exists to avoid).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.figures import Figure
from bench.serve import TOKEN, pinned, served
from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.listing import fetch_all
from rr_tui.models import Bucket, Grouping, trends_from
from rr_tui.server.seed import seed_bulk
from rr_tui.server.store import Store

STORE_SIZE = 100_000
RUNS = 3
HOURS = 24 * 7


def _prepare(db: Path) -> None:
    store = Store.open(f"sqlite:///{db}", sqlite_sync="normal")
    seed_bulk(store, STORE_SIZE, random.Random(16))
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


async def _measure(url: str) -> tuple[list[float], list[float]]:
    await _endpoint(url)  # warm the server's caches once
    served_s = [await _endpoint(url) for _ in range(RUNS)]
    client_s = [await _client_side(url) for _ in range(RUNS)]
    return served_s, client_s


def run() -> list[Figure]:
    """Time the analytics endpoint and the client-side baseline at 100,000 incidents."""
    with tempfile.TemporaryDirectory(prefix="rr-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        _prepare(db)
        with served(db) as url, pinned(1):
            endpoint, client = asyncio.run(_measure(url))
    endpoint_ms = round(statistics.median(endpoint) * 1000, 1)
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
            f"GET /analytics/trends, computed in SQLite; {note}",
        ),
    ]
