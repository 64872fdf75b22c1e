"""A poll imports nothing: no module is looked up on the path at every request.

httpcore asks for `sniffio` inside every request (four times); uninstalled, each
ask was a failed import, a walk of `sys.path` with a `stat` per entry, about
0.5 ms of the 1.7 ms of CPU a no-change poll cost the dashboard. An idle
dashboard makes a push heartbeat every few seconds and a poll every two, so
the walks were a tenth of its idle CPU (issue 14). The test holds for any
module: whatever the hot path looks up once it runs is a cost paid forever.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

from rr_tui.backends.rr_http import HOLD_SECONDS, RrHttpBackend
from rr_tui.sync.poller import Poller
from rr_tui.sync.store import IncidentStore
from tests.conftest import LEAD, RunningServer

INTAKE = {"severity": "SEV1", "category": "hate_speech", "region": "TH", "source": "user_report"}


class Lookups(importlib.abc.MetaPathFinder):
    """Records every module the import system is asked to find (and finds nothing itself)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        self.names.append(fullname)
        return None


async def test_a_poll_looks_up_no_module(server: RunningServer) -> None:
    backend = RrHttpBackend(server.url, LEAD, hold=HOLD_SECONDS)
    poller = Poller(backend, IncidentStore())
    try:
        await poller.poll()  # the first poll may import what it needs, once
        with server.client() as client:
            client.post("/incidents", json={"title": "warm", **INTAKE})
        await poller.poll()
        lookups = Lookups()
        sys.meta_path.insert(0, lookups)
        try:
            backend.hold = None  # plain polls: a held one would wait out its hold
            await poller.poll()  # nothing new: a 304
            with server.client() as client:
                client.post("/incidents", json={"title": "new", **INTAKE})
            result = await poller.poll()  # a page with a change
        finally:
            sys.meta_path.remove(lookups)
        assert result.change is not None
        assert result.change.added
        assert lookups.names == []
    finally:
        await backend.aclose()
