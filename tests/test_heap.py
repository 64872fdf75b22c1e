"""A poll that applies many incidents settles the heap (`sync.heap`): collected, then frozen.

Real poller, real adapter, real server; the threshold is lowered so a small
store stands for 100,000 incidents.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator

import pytest

from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.server.seed import seed_bulk
from rr_tui.sync import heap
from rr_tui.sync.poller import Poller
from rr_tui.sync.store import IncidentStore
from tests.conftest import LEAD, FakeClock, RunningServer


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    """Every test starts and ends with nothing frozen (the freeze is process-wide)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


async def _first_poll(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch, settle_after: int
) -> Poller:
    seed_bulk(server.store, 12, random.Random(3))
    backend = RrHttpBackend(server.url, LEAD)
    poller = Poller(backend, IncidentStore(), clock=FakeClock())
    monkeypatch.setattr(heap, "SETTLE_AFTER", settle_after)
    try:
        result = await poller.poll()
    finally:
        await backend.aclose()
    assert result.error is None
    assert len(poller.store) == 12
    return poller


async def test_a_big_sync_freezes_what_it_holds(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    poller = await _first_poll(server, monkeypatch, settle_after=10)
    held = {id(incident) for incident in poller.store.all()}
    # Frozen objects are in no generation: later collections do not walk them.
    assert gc.get_freeze_count() > 0
    assert not held & {id(obj) for generation in (0, 1, 2) for obj in gc.get_objects(generation)}


async def test_a_small_poll_leaves_the_collector_alone(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _first_poll(server, monkeypatch, settle_after=13)
    assert gc.get_freeze_count() == 0
