"""A full sync of 10,000 incidents from the real reference server, to the first painted rows.

The server is `rr-tui serve` over a store seeded with 10,000 open incidents, in
its own process pinned to one core; the dashboard side runs here, pinned to the
other, so client and server do not share a GIL or a core. Each run starts a
fresh dashboard (an app showing a `QueueView` over an empty `IncidentStore`,
with a new `RrHttpBackend`, so no connection or ETag is reused) and times, in
the app's event loop:

- `RrHttpBackend.changes(None)`: every page over HTTP (two pages of 5,000, the
  client's default page size), each checked and parsed into `Incident` models;
- `IncidentStore.apply(items, reset=True)`;
- `queue.store_changed(change)` and the repaint of the queue's visible lines
  (`render_lines` over its region, as the compositor does).

The sum is the full sync. As a reference for where the time goes, the same
pages are also fetched raw (bytes only, no parsing) with a plain
`httpx.AsyncClient`: the server's share plus the transfer.
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.figures import Figure
from bench.queue_paint import SIZE, BenchApp, has_rows, new_queue, repaint
from bench.serve import TOKEN, pinned, served
from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.server import seed_data
from rr_tui.server.seed import seed_bulk
from rr_tui.server.store import Store
from rr_tui.sync.store import IncidentStore

STORE_SIZE = 10_000
RUNS = 5
WARMUP = 1


@dataclass(frozen=True)
class Sync:
    """Seconds of each part of one full sync."""

    fetch: float
    """HTTP and parsing, every page."""
    apply: float
    paint: float
    """`store_changed` and the repaint of the visible lines."""

    @property
    def total(self) -> float:
        """The whole sync, from the first request to the painted rows."""
        return self.fetch + self.apply + self.paint


def _prepare(db: Path) -> None:
    store = Store.open(f"sqlite:///{db}", sqlite_sync="normal")
    store.replace_contacts(seed_data.demo_contacts())
    seed_bulk(store, STORE_SIZE, random.Random(1))
    store.close()


async def _sync_once(url: str) -> Sync:
    """One full sync into a fresh dashboard."""
    store = IncidentStore()
    queue = new_queue(store)
    backend = RrHttpBackend(url, TOKEN, timeout=30.0)
    app = BenchApp(queue)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            gc.collect()
            start = time.perf_counter()
            changes = await backend.changes(None)
            fetched = time.perf_counter()
            change = store.apply(changes.items, reset=changes.reset)
            applied = time.perf_counter()
            queue.store_changed(change)
            strips = repaint(queue)
            painted = time.perf_counter()
            assert changes.reset
            assert not changes.skipped
            assert len(store) == STORE_SIZE, len(store)
            assert has_rows(strips, store.row(0).id)
    finally:
        await backend.aclose()
    return Sync(fetched - start, applied - fetched, painted - applied)


async def _raw_fetch(url: str) -> float:
    """Seconds spent waiting for the same pages, bytes only (server + transfer)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    waited = 0.0
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        params: dict[str, str | int] = {"limit": 5_000}
        while True:
            start = time.perf_counter()
            response = await client.get("/incidents", params=params)
            waited += time.perf_counter() - start
            response.raise_for_status()
            page = response.json()
            if not page["more"]:
                return waited
            params = {"limit": 5_000, "since": page["cursor"]}


async def _measure(url: str) -> tuple[list[Sync], list[float]]:
    syncs = [await _sync_once(url) for _ in range(WARMUP + RUNS)][WARMUP:]
    raw = [await _raw_fetch(url) for _ in range(WARMUP + RUNS)][WARMUP:]
    return syncs, raw


def run() -> list[Figure]:
    """Time full syncs of 10,000 incidents from a real server, and their parts."""
    with tempfile.TemporaryDirectory(prefix="rr-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        _prepare(db)
        with served(db) as url, pinned(1):
            syncs, raw = asyncio.run(_measure(url))
    ms = {
        part: round(statistics.median(getattr(s, part) for s in syncs) * 1000, 1)
        for part in ("total", "fetch", "apply", "paint")
    }
    raw_ms = round(statistics.median(raw) * 1000, 1)
    for sync in syncs:
        print(
            f"  full sync: {sync.total * 1000:.0f} ms (http+parse {sync.fetch * 1000:.0f},"
            f" apply {sync.apply * 1000:.0f}, paint {sync.paint * 1000:.1f})"
        )
    print(f"  raw pages, no parsing: {raw_ms:.0f} ms")
    note = (
        f"{STORE_SIZE:,} incidents from rr-tui serve (own process, own core), 2 pages of 5,000;"
        f" median of {RUNS}"
    )
    total = f"sync.full.{STORE_SIZE}.ms"
    return [
        Figure(total, ms["total"], "ms", note=f"target: < 1000 ms; {note}"),
        Figure(
            f"sync.full.{STORE_SIZE}.http_parse.ms",
            ms["fetch"],
            "ms",
            total,
            ms["total"],
            f"RrHttpBackend.changes(None): HTTP + envelope + Incident validation; {note}",
        ),
        Figure(
            f"sync.full.{STORE_SIZE}.apply.ms",
            ms["apply"],
            "ms",
            total,
            ms["total"],
            f"IncidentStore.apply(reset=True); {note}",
        ),
        Figure(
            f"sync.full.{STORE_SIZE}.paint.ms",
            ms["paint"],
            "ms",
            total,
            ms["total"],
            f"store_changed + render_lines of the visible rows; {note}",
        ),
        Figure(
            f"sync.full.{STORE_SIZE}.raw_http.ms",
            raw_ms,
            "ms",
            total,
            ms["total"],
            f"the same pages as bytes, no parsing (server + transfer); {note}",
        ),
    ]
