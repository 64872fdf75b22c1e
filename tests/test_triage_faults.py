"""Nothing lost, nothing doubled: triage over a flaky network, and across a kill -9.

The chaos transport forwards to the real reference server but, at random and
reproducibly from a seed, fails a share of requests in the ways a bad network
does: refused before sending, a 500 without reaching the server, a slow answer,
the answer lost after the server applied it, a timeout after it applied it.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from rr_tui.models import EventKind, Incident, IncidentCreate, IncidentPatch, Role, Severity
from rr_tui.screens.conflicts import ConflictsDialog
from rr_tui.server.store import Actor
from rr_tui.sync.outbox import Action, ActionKind, ActionState, Outbox
from rr_tui.sync.poller import Backoff
from tests.conftest import (
    LEAD,
    TEST_USERS,
    FakeClock,
    RunningServer,
    drained,
    make_app,
    screen_text,
    settle,
    until,
)

LEAD_ACTOR = Actor("lee.lead", Role.LEAD)
REPO = Path(__file__).resolve().parent.parent


class ChaosTransport(httpx.AsyncBaseTransport):
    """The real transport, with a seeded share of requests failing in one of five ways."""

    def __init__(self, seed: int, share: float) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.rng = random.Random(seed)
        self.share = share
        self.enabled = False
        self.faults: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        roll = self.rng.random() if self.enabled else 1.0
        if roll < self.share * 0.2:
            self.faults["refused"] += 1
            raise httpx.ConnectError("chaos: connection refused", request=request)
        if roll < self.share * 0.4:
            self.faults["500"] += 1
            return httpx.Response(500, text="chaos")
        if roll < self.share * 0.6:
            self.faults["delayed"] += 1
            await asyncio.sleep(0.2)
        response = await self.real.handle_async_request(request)
        await response.aread()
        if self.share * 0.6 <= roll < self.share * 0.8:
            self.faults["answer lost"] += 1
            raise httpx.ReadError("chaos: connection dropped after the server answered")
        if self.share * 0.8 <= roll < self.share:
            self.faults["timed out"] += 1
            raise httpx.ReadTimeout("chaos: no answer in time", request=request)
        return response

    async def aclose(self) -> None:
        await self.real.aclose()


def make_incidents(server: RunningServer, count: int) -> list[Incident]:
    with server.store.write() as tx:
        return [
            tx.create(
                IncidentCreate(
                    title=f"flaky network case {n}",
                    severity="SEV3",
                    category="harassment",
                    region="TH",
                    source="user_report",
                ),
                LEAD_ACTOR,
            )
            for n in range(count)
        ]


def planned_actions(incidents: list[Incident]) -> list[Action]:
    """A note, an acknowledgement and a severity change per incident, plus escalations."""
    actions: list[Action] = []
    for incident in incidents:
        actions.append(Action(ActionKind.NOTE, incident.id, {"text": f"note for {incident.id}"}))
        actions.append(
            Action(
                ActionKind.PATCH,
                incident.id,
                IncidentPatch(status="acknowledged").model_dump(mode="json", exclude_unset=True),
                base_version=incident.version,
            )
        )
        actions.append(
            Action(
                ActionKind.PATCH,
                incident.id,
                IncidentPatch(severity=Severity.SEV1, reason=f"raise {incident.id}").model_dump(
                    mode="json", exclude_unset=True
                ),
                base_version=incident.version,
            )
        )
        actions.append(
            Action(
                ActionKind.ESCALATE,
                incident.id,
                {"targets": ["legal-th-1"], "note": f"escalation for {incident.id}"},
            )
        )
    return actions


def applied_counts(server: RunningServer, incidents: list[Incident]) -> Counter[str]:
    """How many times each planned action shows in the server's timelines."""
    seen: Counter[str] = Counter()
    for incident in incidents:
        for event in server.store.timeline(incident.id):
            if event.kind is EventKind.NOTE:
                seen[f"note {incident.id}"] += 1
            elif event.kind is EventKind.ACKNOWLEDGED:
                seen[f"ack {incident.id}"] += 1
            elif event.kind is EventKind.SEVERITY_CHANGED:
                seen[f"raise {incident.id}"] += 1
            elif event.kind is EventKind.ESCALATED:
                seen[f"escalate {incident.id}"] += 1
    return seen


def expected_keys(incidents: list[Incident]) -> set[str]:
    return {f"{kind} {i.id}" for i in incidents for kind in ("note", "ack", "raise", "escalate")}


async def test_flaky_network_applies_every_action_exactly_once(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    incidents = make_incidents(demo_server, 10)
    chaos = ChaosTransport(seed=20261124, share=0.45)
    app = make_app(demo_server.url, clock, transport=chaos, name="rr chaos")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        app.drainer.backoff = Backoff(base=0.01, cap=0.05)
        chaos.enabled = True
        actions = planned_actions(incidents)
        app.dashboard.submitted(app.triage.submit(actions))
        await until(
            lambda: not app.outbox.waiting() and not app.drainer.running,
            pilot,
            within=60,
            what="the outbox to drain",
        )
        states = Counter((app.outbox.get(a.id) or a).state for a in actions)
    issued = len(actions)
    seen = applied_counts(demo_server, incidents)
    lost = expected_keys(incidents) - set(seen)
    duplicated = {key: n for key, n in seen.items() if n > 1}
    print(f"\nissued {issued}, applied {sum(seen.values())}, faults {dict(chaos.faults)}")
    assert sum(chaos.faults.values()) >= 20, chaos.faults
    assert not lost, lost
    assert not duplicated, duplicated
    assert states == {ActionState.DONE: issued}
    for incident in incidents:
        final = demo_server.store.get(incident.id)
        assert (final.severity, final.status.value) == (Severity.SEV1, "escalated")


async def test_two_dashboards_on_one_incident_lose_nothing(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    (incident,) = make_incidents(demo_server, 1)
    first = make_app(demo_server.url, clock)
    second = make_app(demo_server.url, clock)
    async with first.run_test(size=(160, 48)) as one, second.run_test(size=(160, 48)) as two:
        await settle(first, one)
        await settle(second, two)
        # Both saw version 1; both change it before either polls again.
        first_change = Action(
            ActionKind.PATCH,
            incident.id,
            {"severity": "SEV1", "reason": "first dashboard"},
            base_version=1,
            label="SEV3→SEV1",
        )
        first.dashboard.submitted(first.triage.submit([first_change]))
        await drained(first, one)
        second_change = Action(
            ActionKind.PATCH,
            incident.id,
            {"assignee": "oth.er", "reason": "second dashboard"},
            base_version=1,
            label="assign to oth.er",
        )
        second.dashboard.submitted(second.triage.submit([second_change]))
        await drained(second, two)
        # The second is told (no dialog by itself), reviews with the first's change in
        # view, and re-applies on top.
        assert second.screen is second.dashboard
        assert len(second.triage.conflicts) == 1
        await two.press("C")
        assert isinstance(second.screen, ConflictsDialog)
        assert "severity: SEV3 → SEV1" in screen_text(second)
        await two.press("r")
        await drained(second, two)
    final = demo_server.store.get(incident.id)
    assert (final.severity, final.assignee) == (Severity.SEV1, "oth.er")
    messages = [e.message for e in demo_server.store.timeline(incident.id)]
    assert "first dashboard" in messages
    assert "second dashboard" in messages


# --- kill -9 of the dashboard process -----------------------------------------------------

DRIVER = """
import asyncio, sys
from pathlib import Path
import httpx
from rr_tui.app import RrApp
from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.sync.outbox import Action, ActionKind

url, token, outbox, count = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
ids = sys.argv[5].split(",")

class Driver(RrApp):
    enqueued = False

    def on_ready(self) -> None:
        self.set_interval(0.05, self._step)

    def _step(self) -> None:
        if not self.enqueued:
            if self.store.total == 0:
                return  # wait for the first poll: actions need their incidents
            self.enqueued = True
            if count:
                self.triage.submit([
                    Action(ActionKind.NOTE, ids[n % len(ids)], {"text": f"crash-note {n}"})
                    for n in range(count)
                ])
            print("ENQUEUED", flush=True)
        elif not self.outbox.waiting() and not self.drainer.running:
            print("DRAINED", flush=True)
            self.exit()

class Slow(httpx.AsyncHTTPTransport):
    # A slow link, so the kill lands mid-burst rather than after it.
    async def handle_async_request(self, request):
        await asyncio.sleep(0.02)
        return await super().handle_async_request(request)

backend = RrHttpBackend(url, token, transport=Slow())
app = Driver(backend, outbox=outbox, auto_poll=True)
app.run(headless=True)
"""


def run_driver(
    server_url: str, outbox: Path, count: int, ids: list[str], token: str = LEAD
) -> subprocess.Popen[str]:
    """A real RrApp, headless, in its own process: sends `count` notes, exits when drained."""
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, server_url, token, str(outbox), str(count), ",".join(ids)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
def test_kill_9_mid_burst_then_restart_sends_each_action_once(tmp_path: Path) -> None:
    from rr_tui.server.api import create_app
    from rr_tui.server.runner import ServerThread
    from rr_tui.server.store import Store
    from tests.conftest import open_store

    store: Store = open_store(tmp_path)
    incidents = make_incidents(RunningServer("", store), 5)  # straight into the store
    ids = [incident.id for incident in incidents]
    count = 150
    outbox_path = tmp_path / "outbox.db"
    with ServerThread(create_app(store, TEST_USERS)) as server:
        first = run_driver(server.url, outbox_path, count, ids)
        assert first.stdout is not None
        assert first.stdout.readline().strip() == "ENQUEUED"
        # Let some notes go out, then kill it mid-burst.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            sent = sum(
                1 for i in ids for e in store.timeline(i) if e.message.startswith("crash-note")
            )
            if sent >= 10:
                break
            time.sleep(0.005)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        left = Outbox(outbox_path)
        waiting = len(left.waiting())
        left.close()
        assert 0 < waiting < count, f"kill came too late or too early: {waiting} waiting"

        second = run_driver(server.url, outbox_path, 0, ids)
        out, _ = second.communicate(timeout=60)
        assert "DRAINED" in out
    notes = Counter(
        e.message for i in ids for e in store.timeline(i) if e.message.startswith("crash-note")
    )
    print(f"\nissued {count}, waiting at the kill {waiting}, applied {len(notes)}")
    assert set(notes) == {f"crash-note {n}" for n in range(count)}, "an action was lost"
    assert set(notes.values()) == {1}, "an action was applied twice"
    store.close()
