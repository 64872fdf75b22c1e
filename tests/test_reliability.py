"""The whole system under faults (issue 7, part 1): nothing lost, nothing doubled, nothing hidden.

The dashboard (Pilot) works against the real reference server through the
fault injector (tests/faults.py) while the server is restarted mid-run. It
issues a few hundred actions in two waves: notes, severity changes,
acknowledgements, escalations, and bulk notes. Afterwards the server's
timelines are compared with what was issued.

`make soak` runs the same test longer: RR_SOAK_ACTIONS, RR_SOAK_SEED and
RR_SOAK_REPORT (a JSON file for RELIABILITY.md) set the run.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

from rr_tui.models import EventKind, Incident, IncidentCreate, Role
from rr_tui.screens.conflicts import ConflictsDialog
from rr_tui.server.api import create_app
from rr_tui.server.runner import ServerThread
from rr_tui.server.store import Actor, Store
from rr_tui.sync.connection import LinkState
from rr_tui.sync.outbox import Action, ActionKind, ActionState
from rr_tui.sync.poller import Backoff
from rr_tui.widgets.status import StatusBar
from tests.conftest import TEST_USERS, FakeClock, make_app, open_store, settle
from tests.faults import FaultInjector

ACTIONS = int(os.environ.get("RR_SOAK_ACTIONS", "200"))
SEED = int(os.environ.get("RR_SOAK_SEED", "20261124"))
REPORT = os.environ.get("RR_SOAK_REPORT")


def open_incidents(store: Store, count: int) -> list[Incident]:
    with store.write() as tx:
        return [
            tx.create(
                IncidentCreate(
                    title=f"reliability case {n}",
                    severity="SEV3",
                    category="hate_speech",
                    region="TH",
                    source="user_report",
                ),
                Actor("lee.lead", Role.LEAD),
            )
            for n in range(count)
        ]


def wave(incidents: list[Incident], budget: int, tag: str) -> list[Action]:
    """Up to `budget` actions over `incidents`, each traceable in the timeline by its text."""
    actions: list[Action] = []
    for index, incident in enumerate(incidents):
        actions.append(
            Action(ActionKind.PATCH, incident.id, {"status": "acknowledged"}, incident.version)
        )
        actions.append(
            Action(
                ActionKind.PATCH,
                incident.id,
                {"severity": "SEV1", "reason": f"{tag} raise {incident.id}"},
                incident.version,
            )
        )
        actions.append(
            Action(
                ActionKind.ESCALATE,
                incident.id,
                {"targets": ["legal-th-1", "ops-th-1"], "note": f"{tag} escalate {incident.id}"},
            )
        )
        for n in range(2):
            actions.append(
                Action(ActionKind.NOTE, incident.id, {"text": f"{tag} note {incident.id} {n}"})
            )
        if len(actions) >= budget or index == len(incidents) - 1:
            break
    return actions[:budget]


def marker(kind: EventKind, incident_id: str, message: str) -> str | None:
    """The key an action's timeline event is counted under (None: not one of ours)."""
    if kind is EventKind.ACKNOWLEDGED:
        return f"ack {incident_id}"
    if message.startswith(("w1 ", "w2 ")):
        return message
    return None


def expected_marker(action: Action) -> str:
    if action.kind is ActionKind.PATCH and "reason" not in action.payload:
        return f"ack {action.incident_id}"
    if action.kind is ActionKind.PATCH:
        return str(action.payload["reason"])
    if action.kind is ActionKind.ESCALATE:
        return str(action.payload["note"])
    return str(action.payload["text"])


def write_report(report: dict[str, object]) -> None:
    """Save the figures for RELIABILITY.md when `make soak` asks for them."""
    if REPORT:
        Path(REPORT).write_text(json.dumps(report, indent=2) + "\n")


async def test_actions_survive_faults_and_a_server_restart(
    tmp_path: Path, clock: FakeClock
) -> None:
    store = open_store(tmp_path)
    per_incident = 5
    incidents = open_incidents(store, max(ACTIONS // per_incident, 4))
    half = len(incidents) // 2
    server = ServerThread(create_app(store, TEST_USERS)).start()
    port = server.port
    injector = FaultInjector(SEED, share=0.3)
    app = make_app(server.url, clock, transport=injector, name="rr faults")
    app.poller.backoff = Backoff(base=0.01, cap=0.05)
    truth_checks = 0
    started = time.monotonic()

    def status_tells_the_truth() -> None:
        nonlocal truth_checks
        app.dashboard.tick()
        text = str(app.query_one(StatusBar).render())
        state = app.poller.connection.state
        assert ("● live" in text) == (state is LinkState.LIVE), (state, text)
        truth_checks += 1

    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        app.drainer.backoff = Backoff(base=0.01, cap=0.05)
        injector.retry_after = "0"
        injector.enabled = True
        issued = wave(incidents[:half], ACTIONS // 2, "w1")
        # In chunks, with a poll after each, so pages full of changes meet the faults.
        for start in range(0, len(issued), 10):
            app.dashboard.submitted(app.triage.submit(issued[start : start + 10]))
            app.poll()
            await settle(app, pilot)
            status_tells_the_truth()

        async def run_until_drained(limit: float) -> None:
            deadline = time.monotonic() + limit
            while app.outbox.waiting() or app.drainer.running:
                assert time.monotonic() < deadline, f"hung: {len(app.outbox.waiting())} waiting"
                app.poll()
                await settle(app, pilot)
                status_tells_the_truth()
                assert app.is_running
                assert not isinstance(app.screen, ConflictsDialog)
                app.drain_outbox()
                await pilot.pause(0.02)

        await run_until_drained(120)

        # The server goes away mid-run: the dashboard says so and keeps its work.
        server.stop()
        app.poll()
        await settle(app, pilot)
        status_tells_the_truth()
        assert app.poller.connection.state is not LinkState.LIVE
        second = wave(incidents[half:], ACTIONS - len(issued), "w2")
        for start in range(0, len(second), 10):
            app.dashboard.submitted(app.triage.submit(second[start : start + 10]))
        issued += second
        for _ in range(5):
            app.drain_outbox()
            await settle(app, pilot)
        assert app.outbox.waiting(), "actions must wait while the server is down"
        server = ServerThread(create_app(store, TEST_USERS), port=port).start()
        await run_until_drained(120)
        for _ in range(20):  # quiet polls under faults: the state must still be told right
            app.poll()
            await settle(app, pilot)
            status_tells_the_truth()
        injector.enabled = False
        app.poll()
        await settle(app, pilot)
        status_tells_the_truth()
        assert str(app.poller.connection.state) == LinkState.LIVE.value
        skipped = app.poller.skipped_total
        assert ("bad records skipped" in str(app.query_one(StatusBar).render())) == (skipped > 0)
        states = Counter((app.outbox.get(a.id) or a).state for a in issued)
    server.stop()

    seen: Counter[str] = Counter()
    for incident in incidents:
        for event in store.timeline(incident.id):
            key = marker(event.kind, incident.id, event.message)
            if key:
                seen[key] += 1
    expected = Counter(expected_marker(action) for action in issued)
    lost = sorted(set(expected) - set(seen))
    duplicated = sorted(key for key, count in seen.items() if count > expected[key])
    report = {
        "seed": SEED,
        "actions_issued": len(issued),
        "applied_exactly_once": sum(1 for key in expected if seen[key] == expected[key]),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "faults_injected": dict(injector.faults),
        "requests": injector.requests,
        "server_restarts": 1,
        "bad_records_skipped_and_reported": skipped,
        "status_bar_checks": truth_checks,
        "outbox_states": {state.value: count for state, count in states.items()},
        "seconds": round(time.monotonic() - started, 1),
    }
    print("\n" + json.dumps(report, indent=2))
    write_report(report)
    assert not lost, lost[:10]
    assert not duplicated, duplicated[:10]
    assert states == {ActionState.DONE: len(issued)}
    assert sum(injector.faults.values()) > 20
    store.close()
