"""Protocols through the rr API on the real reference server: versions, idempotency, roles.

Activating a protocol and ticking a step name the incident's version (If-Match),
are applied once per Idempotency-Key, bump the version and the change counter
(so a delta carries the progress), and write a `protocol` timeline event by whom
in the same transaction; a step that starts a clock starts it in it too.
"""

from __future__ import annotations

from typing import Any

import httpx

from rr_tui.deadlines.protocol_wire import ProtocolResult, ProtocolRuleList, ProtocolRunList
from rr_tui.models import Incident, IncidentPage, TimelinePage
from tests.test_api import create
from tests.test_clocks_api import clocks


def activate(
    client: httpx.Client, incident: Incident, protocol: str, key: str | None = None, **body: Any
) -> httpx.Response:
    headers = {"If-Match": f'"{incident.version}"'}
    if key:
        headers["Idempotency-Key"] = key
    return client.post(
        f"/incidents/{incident.id}/protocols", json={"protocol": protocol, **body}, headers=headers
    )


def tick(
    client: httpx.Client, result: ProtocolResult, step: str, key: str | None = None, **body: Any
) -> httpx.Response:
    headers = {"If-Match": f'"{result.incident.version}"'}
    if key:
        headers["Idempotency-Key"] = key
    return client.post(
        f"/incidents/{result.incident.id}/protocols/{result.run.id}/ticks",
        json={"step": step, **body},
        headers=headers,
    )


def ok(response: httpx.Response, status: int = 200) -> ProtocolResult:
    assert response.status_code == status, response.text
    return ProtocolResult.model_validate_json(response.content)


def events(client: httpx.Client, incident_id: str) -> list[tuple[str, str, str]]:
    page = TimelinePage.model_validate_json(
        client.get(f"/incidents/{incident_id}/timeline").content
    )
    return [(event.kind.value, event.actor, event.message) for event in page.items]


def test_the_catalogue_lists_the_shipped_protocols(lead: httpx.Client) -> None:
    listed = ProtocolRuleList.model_validate_json(lead.get("/protocols").content).items
    assert [protocol.id for protocol in listed] == [
        "livestream-violence",
        "child-safety",
        "threat-to-life",
    ]


def test_activation_is_versioned_idempotent_checked_and_a_timeline_event(
    lead: httpx.Client,
) -> None:
    incident = create(lead, region="ID", category="child_safety")
    url = f"/incidents/{incident.id}/protocols"
    assert lead.post(url, json={"protocol": "child-safety"}).status_code == 428
    stale = lead.post(url, json={"protocol": "child-safety"}, headers={"If-Match": '"99"'})
    assert stale.status_code == 409
    refused = activate(lead, incident, "livestream-violence")
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        422,
        "protocol_does_not_apply",
    )
    assert activate(lead, incident, "nope").json()["error"]["code"] == "unknown_protocol"

    result = ok(activate(lead, incident, "child-safety", key="act-1", note="CSAM report"), 201)
    again = activate(lead, incident, "child-safety", key="act-1", note="CSAM report")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert ProtocolResult.model_validate_json(again.content) == result
    assert (result.incident.version, result.incident.protocol) == (2, "CSAM 0/5")
    twice = activate(lead, result.incident, "child-safety")
    assert twice.json()["error"]["code"] == "protocol_already_active"
    (run,) = ProtocolRunList.model_validate_json(lead.get(url).content).items
    assert (run.id, run.activated_by, run.ticks) == (result.run.id, "lee.lead", [])
    assert events(lead, incident.id)[-1] == (
        "protocol",
        "lee.lead",
        "child-safety activated — CSAM report (CSAM 0/5)",
    )


def test_a_step_that_starts_a_clock_starts_it_in_the_same_transaction(
    lead: httpx.Client,
) -> None:
    incident = create(lead, region="ID", category="child_safety")
    result = ok(activate(lead, incident, "child-safety"), 201)
    ticked = ok(tick(lead, result, "ncmec-report", note="CyberTipline #123"))
    (clock,) = clocks(lead, incident.id).items
    assert (clock.rule.id, clock.started_by) == ("us-ncmec-report", "lee.lead")
    assert ticked.clock is not None
    assert ticked.clock.id == clock.id
    tick_of = ticked.run.ticked("ncmec-report")
    assert tick_of is not None
    assert (tick_of.clock_id, tick_of.note) == (
        clock.id,
        "CyberTipline #123",
    )
    assert (ticked.incident.deadline_rule, ticked.incident.protocol) == (
        "us-ncmec-report",
        "CSAM 1/5",
    )
    assert ticked.incident.version == result.incident.version + 2  # the clock, then the tick
    assert events(lead, incident.id)[-2:] == [
        (
            "clock",
            "lee.lead",
            f"us-ncmec-report started: due {clock.due_at:%Y-%m-%d %H:%M} UTC — protocol step "
            "ncmec-report",
        ),
        (
            "protocol",
            "lee.lead",
            "child-safety ncmec-report ticked — started us-ncmec-report — CyberTipline #123 "
            "(CSAM 1/5)",
        ),
    ]
    # Unticked and ticked again: the clock already running is not started twice.
    unticked = ok(tick(lead, ticked, "ncmec-report", done=False))
    again = ok(tick(lead, unticked, "ncmec-report"))
    assert again.clock is None
    assert len(clocks(lead, incident.id).items) == 1
    assert "us-ncmec-report is already running" in events(lead, incident.id)[-1][2]


def test_a_step_whose_rule_does_not_cover_the_market_ticks_without_a_clock(
    lead: httpx.Client,
) -> None:
    incident = create(lead, region="ID", category="violent_extremism", source="user_report")
    result = ok(activate(lead, incident, "livestream-violence"), 201)
    ticked = ok(tick(lead, result, "eu-tco-order"))
    assert ticked.clock is None
    assert clocks(lead, incident.id).items == []
    assert ticked.incident.protocol == "CRISIS 1/7"
    assert "eu-tco-removal does not cover ID: no clock started" in events(lead, incident.id)[-1][2]
    eu = create(lead, region="DE", category="violent_extremism", source="user_report")
    started = ok(tick(lead, ok(activate(lead, eu, "livestream-violence"), 201), "eu-tco-order"))
    assert started.clock is not None
    assert started.clock.rule.id == "eu-tco-removal"


def test_ticks_are_idempotent_versioned_and_follow_the_role_matrix(
    lead: httpx.Client, analyst: httpx.Client
) -> None:
    incident = create(lead, region="SG", category="self_harm", assignee="lee.lead")
    result = ok(activate(analyst, incident, "threat-to-life"), 201)  # anyone may activate
    assert tick(analyst, result, "assess").status_code == 403  # someone else's incident
    first = tick(lead, result, "assess", key="t-1", note="named place, tonight")
    replay = tick(lead, result, "assess", key="t-1", note="named place, tonight")
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.content == first.content
    ticked = ok(first)
    assert tick(lead, result, "locate").status_code == 409  # made against the old version
    assert tick(lead, ticked, "assess").json()["error"]["code"] == "protocol_step_refused"
    assert tick(lead, ticked, "nope").status_code == 422
    assert tick(analyst, ticked, "assess", done=False).status_code == 403  # a lead's to undo
    free = create(lead, region="SG", category="self_harm")
    own = ok(activate(analyst, free, "threat-to-life"), 201)
    assert ok(tick(analyst, own, "assess")).incident.protocol == "LIFE 1/5"
    assert [(kind, actor) for kind, actor, _ in events(lead, free.id)] == [
        ("created", "lee.lead"),
        ("protocol", "ana.lyst"),
        ("protocol", "ana.lyst"),
    ]
    missing = lead.post(
        f"/incidents/{free.id}/protocols/999/ticks",
        json={"step": "assess"},
        headers={"If-Match": f'"{own.incident.version + 1}"'},
    )
    assert missing.status_code == 404


def test_a_protocol_write_reaches_a_dashboard_in_its_next_delta(lead: httpx.Client) -> None:
    incident = create(lead, region="ID", category="child_safety")
    cursor = IncidentPage.model_validate_json(lead.get("/incidents").content).cursor
    result = ok(activate(lead, incident, "child-safety"), 201)
    page = IncidentPage.model_validate_json(
        lead.get("/incidents", params={"since": cursor}).content
    )
    assert [(item.id, item.protocol) for item in page.items] == [(incident.id, "CSAM 0/5")]
    ok(tick(lead, result, "restrict"))
    later = IncidentPage.model_validate_json(
        lead.get("/incidents", params={"since": page.cursor}).content
    )
    assert [(item.id, item.protocol) for item in later.items] == [(incident.id, "CSAM 1/5")]
