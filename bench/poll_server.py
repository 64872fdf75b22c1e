"""How cheap a poll is: requests/s one reference server answers on a 10,000-incident store.

The server runs as `rr-tui serve` in its own process, pinned to one core; the
load generator runs here, pinned to the other. The baseline, measured in the
same run, is what a client without delta polling would do: fetch the whole
10,000-incident list on every poll.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import httpx

from bench import loadgen
from bench.figures import Figure
from bench.serve import TOKEN, pinned, served
from rr_tui.server import seed_data
from rr_tui.server.seed import seed_bulk
from rr_tui.server.simulator import SIMULATOR
from rr_tui.server.store import Store

STORE_SIZE = 10_000


def _prepare(db: Path) -> tuple[str, str]:
    """Seed the store; returns (cursor before the last 10 changes, cursor now)."""
    store = Store.open(f"sqlite:///{db}", sqlite_sync="normal")
    store.replace_contacts(seed_data.demo_contacts())
    seed_bulk(store, STORE_SIZE, random.Random(1))
    before = store.head()
    rng = random.Random(2)
    with store.write() as tx:
        for incident in rng.sample(store.open_incidents(), 10):
            tx.add_note(incident.id, seed_data.random_note(rng, incident.category), SIMULATOR)
    head = store.head()
    store.close()
    return before.encode(), head.encode()


def run(seconds: float = 4.0) -> list[Figure]:
    """Measure no-change and 10-change polls against the full-list baseline."""
    with tempfile.TemporaryDirectory(prefix="rr-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        before, head = _prepare(db)
        with served(db) as url, pinned(1):
            auth = {"Authorization": f"Bearer {TOKEN}"}
            full_url = f"{url}/incidents?limit={STORE_SIZE}"
            full_count = len(httpx.get(full_url, headers=auth, timeout=30).json()["items"])
            assert full_count == STORE_SIZE, full_count
            cases = {
                "no_change_304": (
                    f"{url}/incidents?since={head}",
                    {"If-None-Match": f'"{head}"'},
                    304,
                ),
                "no_change_200": (f"{url}/incidents?since={head}", {}, 200),
                "ten_changes": (f"{url}/incidents?since={before}", {}, 200),
                "full_list": (full_url, {}, 200),
            }
            results: dict[str, loadgen.Load] = {}
            for name, (target, headers, status) in cases.items():
                loadgen.run(target, {**auth, **headers}, seconds=0.5)  # warm up
                load = loadgen.run(target, {**auth, **headers}, seconds=seconds)
                assert set(load.statuses) == {status}, (name, load.statuses)
                results[name] = load
                print(
                    f"  {name}: {load.rps:,.0f} req/s, load generator at {load.client_cpu:.0%} CPU"
                )
    full = results["full_list"]
    base = f"poll.full_list_{STORE_SIZE}.rps"
    note = f"store of {STORE_SIZE:,} incidents; 8 keep-alive connections; server on one core"
    return [
        Figure(base, round(full.rps, 1), "req/s", note=f"baseline: every poll fetches all; {note}"),
        Figure(
            "poll.no_change_304.rps",
            round(results["no_change_304"].rps, 1),
            "req/s",
            base,
            round(full.rps, 1),
            f"If-None-Match matches: empty 304; {note}",
        ),
        Figure(
            "poll.no_change_200.rps",
            round(results["no_change_200"].rps, 1),
            "req/s",
            base,
            round(full.rps, 1),
            f"cursor is current, no If-None-Match: empty page; {note}",
        ),
        Figure(
            "poll.ten_changes.rps",
            round(results["ten_changes"].rps, 1),
            "req/s",
            base,
            round(full.rps, 1),
            f"10 incidents changed since the cursor; {note}",
        ),
        Figure(
            "poll.full_list_10000.bytes",
            round(full.body_bytes / max(full.requests, 1)),
            "bytes/response",
        ),
        Figure(
            "poll.ten_changes.bytes",
            round(results["ten_changes"].body_bytes / max(results["ten_changes"].requests, 1)),
            "bytes/response",
        ),
    ]
