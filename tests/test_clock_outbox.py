"""Clock starts and steps through the durable outbox, against the real reference server.

A step typed while the server is down waits in the outbox and is applied once
when the server is back; a start whose answer was lost and a step queued behind
it survive a dashboard restart and are each applied once (their idempotency
keys); a step the incident moved away from waits as a conflict for the user.
The sync side runs without Textual, as in tests/test_outbox_trust.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from rr_tui.backends.base import BackendError
from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.deadlines import Clock, ClockState
from rr_tui.deadlines.wire import ClockStart, ClockStep
from rr_tui.models import EventKind, Incident, IncidentPatch, Role, Severity
from rr_tui.server.store import Actor
from rr_tui.sync.actions import Drainer
from rr_tui.sync.clock_desk import ClockDesk
from rr_tui.sync.outbox import ActionKind, ActionState, Outbox
from rr_tui.sync.outcomes import Confirmed, ConflictFound, TriageEvent
from rr_tui.sync.poller import Backoff
from rr_tui.sync.store import IncidentStore
from rr_tui.sync.triage import TriageService
from tests.conftest import LEAD, RunningServer
from tests.test_clock_screens import regulator_intake, stored

OTHER_LEAD = Actor("oth.er", Role.LEAD)


class Switch(httpx.AsyncBaseTransport):
    """The real transport, with the server "down" (refused) or the next write's answer lost."""

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.down = False
        self.lose_next_answer = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("injected: connection refused", request=request)
        response = await self.real.handle_async_request(request)
        if self.lose_next_answer and request.method == "POST":
            self.lose_next_answer = False
            await response.aread()
            raise httpx.ReadError("injected: the answer was lost", request=request)
        return response

    async def aclose(self) -> None:
        await self.real.aclose()


class Side:
    """One dashboard's sync side: store, triage, clock desk and sender, on an outbox file."""

    def __init__(self, url: str, outbox: Path) -> None:
        self.switch = Switch()
        self.backend = RrHttpBackend(url, LEAD, name="rr test", timeout=5.0, transport=self.switch)
        self.store = IncidentStore()
        self.triage = TriageService(self.store, Outbox(outbox))
        self.desk = ClockDesk(self.backend, self.triage, failures=(BackendError,))
        self.drainer = Drainer(self.backend, self.triage, Backoff(base=0.01, cap=0.02))
        self.events: list[TriageEvent] = []

    async def load(self) -> None:
        self.store.apply((await self.backend.changes(None)).items, reset=True)
        self.triage.me = await self.backend.me()

    def get(self, incident_id: str) -> Incident:
        incident = self.store.get(incident_id)
        assert incident is not None
        return incident

    async def drain(self) -> float | None:
        return await self.drainer.run(self.events.append)

    async def close(self) -> None:
        await self.backend.aclose()
        self.triage.outbox.close()


@pytest.fixture
async def side(demo_server: RunningServer, tmp_path: Path) -> AsyncIterator[Side]:
    one = Side(demo_server.url, tmp_path / "outbox.db")
    await one.load()
    yield one
    await one.close()


async def only_clock(side: Side, incident_id: str) -> Clock:
    """The incident's one clock, as the desk fetches it."""
    loaded = await side.desk.load(side.get(incident_id))
    assert not isinstance(loaded, str), loaded
    (clock,) = loaded
    return clock


def clock_steps(server: RunningServer, incident_id: str) -> list[str]:
    """Every clock step on the server's timeline, in order (`rule step`)."""
    events = server.store.timeline(incident_id)
    return [f"{e.data['rule']} {e.data['step']}" for e in events if e.kind is EventKind.CLOCK]


async def test_a_step_queued_while_the_server_is_down_is_applied_once_when_it_is_back(
    side: Side, demo_server: RunningServer
) -> None:
    """Failed before: the step was sent at once and, unanswered, only toasted."""
    incident = regulator_intake(demo_server)
    await side.load()
    urgent = await only_clock(side, incident.id)
    side.switch.down = True
    step = ClockStep(step="cancel", reason="the order was withdrawn")
    submitted = side.desk.step(side.get(incident.id), urgent, step)
    assert submitted.sent == 1
    assert side.triage.pending == {incident.id: 1}
    assert await side.drain() is not None  # no answer: try again later
    assert side.triage.outbox.count_waiting() == 1
    assert stored(demo_server, incident.id) == [("id-permen5-urgent", ClockState.RUNNING)]

    side.switch.down = False
    assert await side.drain() is None
    assert stored(demo_server, incident.id) == [("id-permen5-urgent", ClockState.CANCELLED)]
    assert clock_steps(demo_server, incident.id) == [
        "id-permen5-urgent started",
        "id-permen5-urgent cancelled",
    ]
    (confirmed,) = [e for e in side.events if isinstance(e, Confirmed)]
    assert confirmed.action.label == "id-permen5-urgent cancel"
    assert side.triage.pending == {}
    assert side.get(incident.id).deadline_at is None  # the answer went into the store


async def test_a_start_and_a_step_survive_a_restart_and_are_each_applied_once(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    """The start reaches the server but its answer is lost; the step behind it waits (server
    down); the dashboard quits. The next one sends both, the start under its first key."""
    incident = regulator_intake(demo_server)
    first = Side(demo_server.url, tmp_path / "outbox.db")
    await first.load()
    urgent = await only_clock(first, incident.id)
    first.switch.lose_next_answer = True
    start = ClockStart(rule="id-permen5-takedown", note="order received by email")
    assert first.desk.start(first.get(incident.id), start).sent == 1
    step = ClockStep(step="met", evidence="removed 14 URLs")
    assert first.desk.step(first.get(incident.id), urgent, step).sent == 1
    assert await first.drain() is not None  # the start went, its answer did not come
    assert clock_steps(demo_server, incident.id)[-1] == "id-permen5-takedown started"
    first.switch.down = True
    assert await first.drain() is not None
    await first.close()  # quit (or killed): both wait on disk

    again = Side(demo_server.url, tmp_path / "outbox.db")
    try:
        await again.load()
        assert again.triage.resume() == 2
        assert await again.drain() is None
        kinds = [e.action.kind for e in again.events if isinstance(e, Confirmed)]
        assert kinds == [ActionKind.CLOCK_START, ActionKind.CLOCK_STEP]
        assert again.triage.outbox.count_waiting() == 0
    finally:
        await again.close()
    assert clock_steps(demo_server, incident.id) == [
        "id-permen5-urgent started",
        "id-permen5-takedown started",
        "id-permen5-urgent met",
    ]
    assert stored(demo_server, incident.id) == [
        ("id-permen5-urgent", ClockState.MET),
        ("id-permen5-takedown", ClockState.RUNNING),
    ]


async def test_a_step_the_incident_moved_away_from_waits_as_a_conflict(
    side: Side, demo_server: RunningServer
) -> None:
    """As for every versioned action: a 409 is the user's to decide (`C`), never silently
    re-applied, and re-applied once on top of the incident as it is now."""
    incident = regulator_intake(demo_server)
    await side.load()
    urgent = await only_clock(side, incident.id)
    side.switch.down = True
    cancel = ClockStep(step="cancel", reason="duplicate of RR-1001")
    side.desk.step(side.get(incident.id), urgent, cancel)
    await side.drain()
    with demo_server.store.write() as tx:
        current = tx.get(incident.id)
        change = IncidentPatch(severity=Severity.SEV1, reason="not live any more")
        tx.patch(incident.id, change, OTHER_LEAD, current.version)
    side.switch.down = False
    await side.drain()
    (found,) = [e for e in side.events if isinstance(e, ConflictFound)]
    assert found.conflict.fields == ("severity",)
    (conflict,) = side.triage.conflicts
    assert stored(demo_server, incident.id) == [("id-permen5-urgent", ClockState.RUNNING)]
    side.triage.decide(conflict.action.id, reapply=True)
    assert await side.drain() is None
    assert stored(demo_server, incident.id) == [("id-permen5-urgent", ClockState.CANCELLED)]
    assert side.triage.outbox.get(conflict.action.id).state is ActionState.DROPPED  # type: ignore[union-attr]
