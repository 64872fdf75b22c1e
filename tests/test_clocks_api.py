"""Clocks through the rr API on the real reference server: versions, idempotency, roles.

Every clock write names the incident's version (If-Match), is applied once per
Idempotency-Key, bumps the version and writes its timeline event by whom in the
same transaction; the role matrix follows `transaction`'s (README "Who may do what").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from rr_tui.deadlines import ClockState
from rr_tui.deadlines.wire import ClockList, ClockResult
from rr_tui.models import Incident, TimelinePage
from tests.conftest import ANALYST, RunningServer
from tests.test_api import create


def clocks(client: httpx.Client, incident_id: str) -> ClockList:
    response = client.get(f"/incidents/{incident_id}/clocks")
    assert response.status_code == 200, response.text
    return ClockList.model_validate_json(response.content)


def start(
    client: httpx.Client, incident: Incident, rule: str, version: int | None = None, **body: Any
) -> httpx.Response:
    return client.post(
        f"/incidents/{incident.id}/clocks",
        json={"rule": rule, **body},
        headers={"If-Match": f'"{version or incident.version}"'},
    )


def step(
    client: httpx.Client, result: ClockResult, step: str, key: str | None = None, **body: Any
) -> httpx.Response:
    headers = {"If-Match": f'"{result.incident.version}"'}
    if key:
        headers["Idempotency-Key"] = key
    return client.post(
        f"/incidents/{result.incident.id}/clocks/{result.clock.id}/steps",
        json={"step": step, **body},
        headers=headers,
    )


def test_intake_from_a_regulator_starts_the_matching_clock_in_the_same_transaction(
    lead: httpx.Client,
) -> None:
    incident = create(lead, source="regulator", region="ID", category="violent_extremism")
    assert incident.version == 2  # created, then the clock started
    (clock,) = clocks(lead, incident.id).items
    assert (clock.rule.id, clock.started_via, clock.state) == (
        "id-permen5-urgent",
        "intake",
        ClockState.RUNNING,
    )
    assert clock.due_at == incident.created_at + timedelta(hours=4)
    assert (incident.deadline_at, incident.deadline_rule) == (clock.due_at, "id-permen5-urgent")
    events = TimelinePage.model_validate_json(
        lead.get(f"/incidents/{incident.id}/timeline").content
    ).items
    assert [(event.kind.value, event.actor) for event in events] == [
        ("created", "lee.lead"),
        ("clock", "lee.lead"),
    ]
    assert clocks(lead, create(lead, source="user_report").id).items == []


def test_a_manual_start_is_versioned_idempotent_and_checked_against_the_rule(
    lead: httpx.Client,
) -> None:
    incident = create(lead, region="AU", category="harassment")
    url = f"/incidents/{incident.id}/clocks"
    assert lead.post(url, json={"rule": "au-osa-removal"}).status_code == 428
    assert start(lead, incident, "au-osa-removal", version=incident.version + 5).status_code == 409
    assert start(lead, incident, "eu-tco-removal").json()["error"]["code"] == "rule_does_not_apply"
    assert start(lead, incident, "no-such-rule").json()["error"]["code"] == "unknown_rule"
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    refused = start(lead, incident, "au-osa-removal", trigger_at=future)
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "clock_step_refused")

    received = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    headers = {"If-Match": f'"{incident.version}"', "Idempotency-Key": "start-au-1"}
    body = {"rule": "au-osa-removal", "trigger_at": received.isoformat(), "note": "notice"}
    first = lead.post(url, json=body, headers=headers)
    again = lead.post(url, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    result = ClockResult.model_validate_json(first.content)
    assert result.incident.version == incident.version + 1
    assert result.clock.due_at == received + timedelta(hours=24)
    assert len(clocks(lead, incident.id).items) == 1


def test_a_clock_past_its_due_time_reads_as_missed_without_anyone_writing(
    lead: httpx.Client,
) -> None:
    incident = create(lead, region="DE")
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    assert start(lead, incident, "eu-tco-removal", trigger_at=two_hours_ago).status_code == 201
    (clock,) = clocks(lead, incident.id).items
    assert clock.state is ClockState.MISSED


def test_roles_each_step_for_an_analyst_and_a_lead(
    server: RunningServer, lead: httpx.Client, analyst: httpx.Client
) -> None:
    incident = create(lead, region="DE", assignee="lee.lead")
    result = ClockResult.model_validate_json(start(analyst, incident, "eu-tco-removal").content)

    assert step(analyst, result, "pause", reason="asked issuer").status_code == 403
    paused = step(lead, result, "pause", reason="asked issuer", key="pause-1")
    assert paused.status_code == 200, paused.text
    replay = step(lead, result, "pause", reason="asked issuer", key="pause-1")
    assert replay.headers["Idempotent-Replayed"] == "true"
    result = ClockResult.model_validate_json(paused.content)
    assert result.clock.state is ClockState.PAUSED
    assert step(lead, result, "resume").json()["error"]["code"] == "reason_required"
    resumed = step(analyst, result, "resume", reason="issuer clarified")
    assert resumed.status_code == 200, resumed.text  # more urgent again: anyone may
    result = ClockResult.model_validate_json(resumed.content)
    assert step(lead, result, "cancel", reason="order withdrawn").status_code == 200
    assert step(lead, result, "cancel", reason="again").status_code == 409  # stale version

    au = create(lead, region="AU", assignee="lee.lead")
    result = ClockResult.model_validate_json(start(lead, au, "au-osa-removal").content)
    extend = {"reason": "Commissioner allowed 12 h more", "amount": "12h"}
    assert step(analyst, result, "extend", **extend).status_code == 403
    extended = step(lead, result, "extend", **extend)
    assert extended.status_code == 200, extended.text
    result = ClockResult.model_validate_json(extended.content)
    assert result.clock.due_at - result.clock.trigger_at == timedelta(hours=36)
    met = {"evidence": "removed; screenshot in case file"}
    assert step(analyst, result, "met", **met).status_code == 403  # someone else's incident
    assert step(lead, result, "met", evidence=" ").json()["error"]["code"] == "clock_step_refused"
    done = step(lead, result, "met", **met)
    assert done.status_code == 200, done.text
    result = ClockResult.model_validate_json(done.content)
    assert result.clock.state is ClockState.MET
    assert result.incident.deadline_at is None  # nothing left running: the queue forgets it
    with server.client(ANALYST) as own:
        mine = create(own, region="AU", assignee="ana.lyst")
        result = ClockResult.model_validate_json(start(own, mine, "au-osa-removal").content)
        assert step(own, result, "cancel", reason="started in error").status_code == 403
        assert step(own, result, "met", **met).status_code == 200  # own incident: theirs to decide
