"""Draining a bulk action: 2,000 queued acknowledgements sent to the real reference server.

The server is `rr-tui serve` over 2,000 open incidents, in its own process
pinned to one core; the sender runs here, pinned to the other: the real
`RrHttpBackend`, `TriageService`, durable `Outbox` (a file, `synchronous=FULL`)
and `Drainer`. A bulk acknowledgement of every incident is stored, then one
note on its own (the escalation a lead makes while the bulk drains), and the
drain is timed until the outbox is empty. The figure also records where the
lone note went in the sending order (1: first).

Baseline, in the same run: the sender as it was (one send at a time, each
after re-reading the whole waiting list), on `BASELINE_SIZE` actions only, since on 2,000
it takes minutes; the new sender is timed on the same smaller bulk too.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Collection
from pathlib import Path

from bench.figures import Figure
from bench.serve import TOKEN, pinned, served
from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.models import IncidentPatch, Status
from rr_tui.server import seed_data
from rr_tui.server.seed import seed_bulk
from rr_tui.server.store import Store
from rr_tui.sync.actions import Drainer
from rr_tui.sync.outbox import Action, ActionKind, Outbox
from rr_tui.sync.outcomes import Confirmed, TriageEvent
from rr_tui.sync.store import IncidentStore
from rr_tui.sync.triage import TriageService, patch_action

BULK = 2_000
BASELINE_SIZE = 400


class ListScanningTriage(TriageService):
    """The sender before issue 11: the whole waiting list read before every send."""

    def next_waiting(self, skip: Collection[str] = ()) -> Action | None:
        """The oldest waiting action, found by reading them all (one send at a time)."""
        waiting = [a for a in self.outbox.waiting() if a.origin in ("", self.origin)]
        return waiting[0] if waiting else None


async def _drain(url: str, outbox: Path, size: int, *, old: bool) -> tuple[float, int]:
    """Seconds to drain a bulk of `size` plus one lone note; the lone note's place (1: first)."""
    backend = RrHttpBackend(url, TOKEN, timeout=30.0)
    store = IncidentStore()
    changes = await backend.changes(None)
    store.apply(changes.items, reset=True)
    kind = ListScanningTriage if old else TriageService
    triage = kind(store, Outbox(outbox))
    triage.me = await backend.me()
    drainer = Drainer(backend, triage, window=1) if old else Drainer(backend, triage)
    # New ones first: an acknowledgement of those is applied, not refused.
    targets = sorted(store.all(), key=lambda i: i.status is not Status.NEW)[:size]
    bulk = [
        patch_action(i, IncidentPatch(status=Status.ACKNOWLEDGED, reason="bulk"), "ack: bulk")
        for i in targets
    ]
    triage.submit(bulk)
    chosen = {i.id for i in targets}
    elsewhere = next(i for i in store.all() if i.id not in chosen)
    lone = Action(ActionKind.NOTE, elsewhere.id, {"text": "escalating"}, label="note")
    triage.submit([lone])
    order: list[str] = []

    def report(event: TriageEvent) -> None:
        if isinstance(event, Confirmed):
            order.append(event.action.id)

    start = time.perf_counter()
    while triage.outbox.count_waiting():
        await drainer.run(report)
    elapsed = time.perf_counter() - start
    triage.outbox.close()
    await backend.aclose()
    return elapsed, order.index(lone.id) + 1 if lone.id in order else -1


def _prepare(db: Path) -> None:
    store = Store.open(f"sqlite:///{db}", sqlite_sync="normal")
    store.replace_contacts(seed_data.demo_contacts())
    seed_bulk(store, BULK * 2, random.Random(1))
    store.close()


def run() -> list[Figure]:
    """Time the drain of a 2,000-action bulk, and the old sender on a smaller one."""
    with tempfile.TemporaryDirectory(prefix="rr-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        _prepare(db)
        with served(db) as url, pinned(1):
            old_small, _ = asyncio.run(_drain(url, Path(tmp) / "a.db", BASELINE_SIZE, old=True))
            new_small, _ = asyncio.run(_drain(url, Path(tmp) / "b.db", BASELINE_SIZE, old=False))
            new_bulk, place = asyncio.run(_drain(url, Path(tmp) / "c.db", BULK, old=False))
    print(f"  drain {BULK}: {new_bulk:.1f} s, the lone note sent #{place}")
    note = "rr-tui serve (own process, own core); outbox on disk, synchronous=FULL"
    small = f"outbox.drain_{BASELINE_SIZE}.list_scan.s"
    return [
        Figure(small, round(old_small, 2), "s", note=f"baseline: the old sender; {note}"),
        Figure(
            f"outbox.drain_{BASELINE_SIZE}.s", round(new_small, 2), "s", small, round(old_small, 2)
        ),
        Figure(f"outbox.drain_{BULK}.s", round(new_bulk, 2), "s", note=f"target < 15 s; {note}"),
        Figure(
            f"outbox.lone_after_bulk_{BULK}.place",
            place,
            "th sent",
            note="a note made after the bulk: 1 means it went before the rest of the bulk",
        ),
    ]
