"""Protocol activations and ticks through the durable outbox, against the real reference server.

As for clock steps (tests/test_clock_outbox.py): a tick typed while the server
is down waits in the outbox and is applied once when it is back; an activation
whose answer was lost and a tick queued behind it survive a restart and are
each applied once (their idempotency keys); a tick the incident moved away from
waits as a conflict for the user (`C`). Before, a tick typed offline was only
toasted as failed, and lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from rr_tui.backends.base import BackendError
from rr_tui.deadlines import ProtocolRun
from rr_tui.deadlines.protocol_wire import ProtocolTick
from rr_tui.models import EventKind, IncidentPatch, Severity
from rr_tui.sync.outbox import ActionKind
from rr_tui.sync.outcomes import Confirmed, ConflictFound
from rr_tui.sync.protocol_desk import ProtocolDesk
from tests.conftest import RunningServer
from tests.test_clock_outbox import OTHER_LEAD, Side
from tests.test_protocol_screens import child_safety_report, runs, ticked


class ProtocolSide(Side):
    """A dashboard's sync side with a protocol desk on the same outbox."""

    def __init__(self, url: str, outbox: Path) -> None:
        super().__init__(url, outbox)
        self.protocols = ProtocolDesk(self.backend, self.triage, failures=(BackendError,))

    async def child_safety(self, incident_id: str) -> ProtocolRun:
        """Activate child-safety and send it; the run as the desk then fetches it."""
        (rule,) = [p for p in await self.backend.protocols() if p.id == "child-safety"]
        assert self.protocols.activate(self.get(incident_id), rule).submitted.sent == 1
        assert await self.drain() is None
        loaded = await self.protocols.load(self.get(incident_id))
        assert not isinstance(loaded, str), loaded
        (run,) = loaded
        return run


@pytest.fixture
async def side(demo_server: RunningServer, tmp_path: Path) -> AsyncIterator[ProtocolSide]:
    one = ProtocolSide(demo_server.url, tmp_path / "outbox.db")
    await one.load()
    yield one
    await one.close()


def protocol_events(server: RunningServer, incident_id: str) -> list[str]:
    events = server.store.timeline(incident_id)
    return [e.message for e in events if e.kind is EventKind.PROTOCOL]


async def test_a_tick_typed_while_the_server_is_down_is_applied_once_when_it_is_back(
    side: ProtocolSide, demo_server: RunningServer
) -> None:
    incident = child_safety_report(demo_server)
    await side.load()
    run = await side.child_safety(incident.id)
    side.switch.down = True
    queued = side.protocols.tick(
        side.get(incident.id), run, ProtocolTick(step="restrict"), "restrict ticked"
    )
    assert queued.submitted.sent == 1
    assert side.triage.pending == {incident.id: 1}
    assert await side.drain() is not None  # no answer: tried again later, kept
    assert side.triage.outbox.count_waiting() == 1
    assert ticked(demo_server, incident.id) == []
    side.switch.down = False
    assert await side.drain() is None
    assert ticked(demo_server, incident.id) == ["restrict"]
    assert len(protocol_events(demo_server, incident.id)) == 2  # activated, ticked: once each
    confirmed = [e for e in side.events if isinstance(e, Confirmed)]
    assert [e.action.id for e in confirmed][-1] == queued.action_id
    assert side.get(incident.id).protocol == "CSAM 1/5"
    assert side.triage.pending == {}


async def test_an_activation_and_a_tick_survive_a_restart_and_are_each_applied_once(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    incident = child_safety_report(demo_server)
    first = ProtocolSide(demo_server.url, tmp_path / "outbox.db")
    await first.load()
    run = await first.child_safety(incident.id)
    first.switch.lose_next_answer = True
    tick = ProtocolTick(step="preserve", note="case 7")
    assert first.protocols.tick(first.get(incident.id), run, tick, "preserve ticked").action_id
    report = ProtocolTick(step="ncmec-report")
    assert first.protocols.tick(first.get(incident.id), run, report, "report ticked").action_id
    assert await first.drain() is not None  # the first tick went, its answer did not come
    first.switch.down = True
    assert await first.drain() is not None
    await first.close()  # quit: both wait on disk

    again = ProtocolSide(demo_server.url, tmp_path / "outbox.db")
    try:
        await again.load()
        assert again.triage.resume() == 2
        assert await again.drain() is None
        kinds = [e.action.kind for e in again.events if isinstance(e, Confirmed)]
        assert kinds == [ActionKind.PROTOCOL_TICK, ActionKind.PROTOCOL_TICK]
    finally:
        await again.close()
    assert ticked(demo_server, incident.id) == ["preserve", "ncmec-report"]
    assert len(protocol_events(demo_server, incident.id)) == 3
    (kept,) = runs(demo_server, incident.id)
    assert kept.ticked("ncmec-report") is not None


async def test_a_tick_the_incident_moved_away_from_waits_as_a_conflict(
    side: ProtocolSide, demo_server: RunningServer
) -> None:
    incident = child_safety_report(demo_server)
    await side.load()
    run = await side.child_safety(incident.id)
    side.switch.down = True
    side.protocols.tick(side.get(incident.id), run, ProtocolTick(step="remove"), "remove ticked")
    await side.drain()
    with demo_server.store.write() as tx:
        current = tx.get(incident.id)
        change = IncidentPatch(severity=Severity.SEV0, reason="a child at risk")
        tx.patch(incident.id, change, OTHER_LEAD, current.version)
    side.switch.down = False
    await side.drain()
    (found,) = [e for e in side.events if isinstance(e, ConflictFound)]
    assert found.conflict.fields == ("severity",)
    assert ticked(demo_server, incident.id) == []  # not re-applied by itself
    (conflict,) = side.triage.conflicts
    assert side.triage.decide(conflict.action.id, reapply=True).sent == 1
    assert await side.drain() is None
    assert ticked(demo_server, incident.id) == ["remove"]
