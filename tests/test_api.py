"""The rr HTTP API v1, exercised over real HTTP against the reference server on loopback."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from rr_tui.models import Incident, IncidentPage, TimelinePage
from tests.conftest import ANALYST, LEAD, OTHER_ANALYST, RunningServer


def intake(**overrides: Any) -> dict[str, Any]:
    """A valid intake body."""
    body: dict[str, Any] = {
        "title": "Livestream re-uploads spreading",
        "summary": "Copies of a violent livestream appear across accounts.",
        "severity": "SEV2",
        "category": "violent_extremism",
        "region": "ID",
        "source": "trusted_flagger",
    }
    body.update(overrides)
    return body


def create(client: httpx.Client, **overrides: Any) -> Incident:
    response = client.post("/incidents", json=intake(**overrides))
    assert response.status_code == 201, response.text
    return Incident.model_validate_json(response.content)


def patch(
    client: httpx.Client, incident: Incident, version: int | None = None, **body: Any
) -> httpx.Response:
    return client.patch(
        f"/incidents/{incident.id}",
        json=body,
        headers={"If-Match": f'"{incident.version if version is None else version}"'},
    )


def timeline(client: httpx.Client, incident_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/incidents/{incident_id}/timeline")
    assert response.status_code == 200
    return [
        e.model_dump(mode="json") for e in TimelinePage.model_validate_json(response.content).items
    ]


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert set(body["error"]) >= {"code", "message"}
    assert body["error"]["message"]
    return str(body["error"]["code"])


# --- auth --------------------------------------------------------------------


def test_health_needs_no_token(server: RunningServer) -> None:
    with server.client(None) as anonymous:
        response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/incidents"),
        ("POST", "/incidents"),
        ("GET", "/incidents/RR-1001"),
        ("PATCH", "/incidents/RR-1001"),
        ("GET", "/incidents/RR-1001/timeline"),
        ("POST", "/incidents/RR-1001/notes"),
        ("POST", "/incidents/RR-1001/escalations"),
        ("GET", "/contacts"),
        ("GET", "/me"),
    ],
)
@pytest.mark.parametrize("token", [None, "not-a-real-token"])
def test_everything_else_needs_a_valid_token(
    server: RunningServer, method: str, path: str, token: str | None
) -> None:
    with server.client(token) as client:
        response = client.request(method, path, json={})
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_me_names_the_user_and_role(server: RunningServer) -> None:
    with server.client(ANALYST) as client:
        me = client.get("/me").json()
    assert me == {
        "name": "ana.lyst",
        "role": "analyst",
        "instance": server.store.epoch,  # which server: queued actions never go to another
        "key_retention": 7 * 24 * 3600,  # how long a retry with the same key is safe
    }


# --- intake and idempotency ------------------------------------------------------


def test_intake_creates_an_incident_with_sla_and_timeline(lead: httpx.Client) -> None:
    incident = create(lead, severity="SEV1")
    assert incident.id == "RR-1001"
    assert incident.status == "new"
    assert incident.version == 1
    assert (incident.due_at - incident.created_at).total_seconds() == 2 * 3600
    [event] = timeline(lead, incident.id)
    assert event["kind"] == "created"
    assert event["actor"] == "lee.lead"
    assert event["data"]["severity"] == "SEV1"


def test_same_key_and_body_is_applied_once(server: RunningServer, lead: httpx.Client) -> None:
    headers = {"Idempotency-Key": "intake-42"}
    first = lead.post("/incidents", json=intake(), headers=headers)
    again = lead.post("/incidents", json=intake(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert server.store.count() == 1


def test_same_key_with_another_body_is_refused(server: RunningServer, lead: httpx.Client) -> None:
    headers = {"Idempotency-Key": "intake-43"}
    assert lead.post("/incidents", json=intake(), headers=headers).status_code == 201
    reused = lead.post("/incidents", json=intake(title="something else"), headers=headers)
    assert reused.status_code == 422
    assert error_code(reused) == "idempotency_key_reused"
    assert server.store.count() == 1


def test_keys_belong_to_their_user(server: RunningServer, lead: httpx.Client) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    with server.client(ANALYST) as analyst:
        assert analyst.post("/incidents", json=intake(), headers=headers).status_code == 201
    assert lead.post("/incidents", json=intake(), headers=headers).status_code == 201
    assert server.store.count() == 2


def test_concurrent_retries_with_one_key_apply_once(
    server: RunningServer, lead: httpx.Client
) -> None:
    incident = create(lead)
    headers = {"Idempotency-Key": "note-burst"}

    def send(_: int) -> httpx.Response:
        with server.client(LEAD) as client:
            return client.post(
                f"/incidents/{incident.id}/notes", json={"text": "x"}, headers=headers
            )

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(send, range(16)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    notes = [e for e in timeline(lead, incident.id) if e["kind"] == "note"]
    assert len(notes) == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "tab\there"])
def test_malformed_idempotency_keys_are_refused(lead: httpx.Client, key: str) -> None:
    response = lead.post("/incidents", json=intake(), headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert "idempotency-key" in response.json()["error"]["message"]


def test_note_and_escalation_replay_once(lead: httpx.Client) -> None:
    incident = create(lead)
    note_key = {"Idempotency-Key": "n-1"}
    esc_key = {"Idempotency-Key": "e-1"}
    escalation = {"targets": ["legal-id-1"], "note": "takedown order expected"}
    for _ in range(3):
        assert (
            lead.post(
                f"/incidents/{incident.id}/notes", json={"text": "hi"}, headers=note_key
            ).status_code
            == 201
        )
        assert (
            lead.post(
                f"/incidents/{incident.id}/escalations", json=escalation, headers=esc_key
            ).status_code
            == 201
        )
    kinds = [e["kind"] for e in timeline(lead, incident.id)]
    assert kinds == ["created", "note", "escalated"]


# --- delta polling ------------------------------------------------------------


def poll(
    client: httpx.Client, since: str | None = None, etag: str | None = None, **params: Any
) -> httpx.Response:
    if since is not None:
        params["since"] = since
    headers = {"If-None-Match": etag} if etag else {}
    return client.get("/incidents", params=params, headers=headers)


def test_delta_returns_only_what_changed(lead: httpx.Client) -> None:
    first, second = create(lead), create(lead)
    full = IncidentPage.model_validate_json(poll(lead).content)
    assert full.reset
    assert [i.id for i in full.items] == [first.id, second.id]

    nothing = IncidentPage.model_validate_json(poll(lead, full.cursor).content)
    assert nothing.items == []
    assert nothing.cursor == full.cursor

    assert patch(lead, first, severity="SEV1", reason="velocity rising").status_code == 200
    delta = IncidentPage.model_validate_json(poll(lead, full.cursor).content)
    assert not delta.reset
    assert [(i.id, i.version, i.severity) for i in delta.items] == [(first.id, 2, "SEV1")]


def test_no_change_poll_is_304_with_etag(lead: httpx.Client) -> None:
    create(lead)
    response = poll(lead)
    etag = response.headers["ETag"]
    cursor = response.json()["cursor"]
    same = poll(lead, cursor, etag)
    assert same.status_code == 304
    assert same.content == b""
    assert poll(lead, None, etag).status_code == 304

    create(lead)
    changed = poll(lead, cursor, etag)
    assert changed.status_code == 200
    assert len(changed.json()["items"]) == 1
    assert changed.headers["ETag"] != etag


def test_paging_walks_every_change(lead: httpx.Client) -> None:
    made = [create(lead).id for _ in range(7)]
    seen: list[str] = []
    page = IncidentPage.model_validate_json(poll(lead, limit=3).content)
    seen += [i.id for i in page.items]
    while page.more:
        page = IncidentPage.model_validate_json(poll(lead, page.cursor, limit=3).content)
        seen += [i.id for i in page.items]
    assert seen == made


def test_resolved_incidents_leave_through_the_delta(lead: httpx.Client) -> None:
    incident = create(lead)
    cursor = poll(lead).json()["cursor"]
    assert patch(lead, incident, status="resolved", reason="content removed").status_code == 200
    [gone] = IncidentPage.model_validate_json(poll(lead, cursor).content).items
    assert gone.status == "resolved"
    assert gone.resolved_at is not None


@pytest.mark.parametrize("since", ["garbage!", "bm90LWEtY3Vyc29y", "OmFiYw"])
def test_foreign_cursors_are_refused_or_reset(lead: httpx.Client, since: str) -> None:
    create(lead)
    response = poll(lead, since)
    assert response.status_code == 400
    assert error_code(response) == "invalid_cursor"


def test_cursor_of_another_database_gets_a_full_reset(lead: httpx.Client) -> None:
    from rr_tui.server.store import Cursor

    create(lead)
    page = IncidentPage.model_validate_json(poll(lead, Cursor("otherdb", 5).encode()).content)
    assert page.reset
    assert len(page.items) == 1


# --- PATCH and optimistic concurrency ------------------------------------------


def test_patch_needs_if_match(lead: httpx.Client) -> None:
    incident = create(lead)
    response = lead.patch(f"/incidents/{incident.id}", json={"severity": "SEV1"})
    assert response.status_code == 428
    assert error_code(response) == "precondition_required"


def test_malformed_if_match_is_refused(lead: httpx.Client) -> None:
    incident = create(lead)
    response = lead.patch(
        f"/incidents/{incident.id}", json={"severity": "SEV1"}, headers={"If-Match": "soon"}
    )
    assert response.status_code == 400


def test_stale_version_is_409_with_the_current_incident(lead: httpx.Client) -> None:
    incident = create(lead)
    assert patch(lead, incident, severity="SEV1", reason="first").status_code == 200
    stale = patch(lead, incident, status="acknowledged")
    assert stale.status_code == 409
    body = stale.json()
    assert body["error"]["code"] == "version_conflict"
    current = Incident.model_validate(body["current"])
    assert (current.version, current.severity, current.status) == (2, "SEV1", "new")


def test_two_writers_on_one_version_one_wins(server: RunningServer, lead: httpx.Client) -> None:
    incident = create(lead)

    def change(severity: str) -> int:
        with server.client(LEAD) as client:
            return patch(client, incident, severity=severity).status_code

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(change, ["SEV1", "SEV0"]))
    assert codes == [200, 409]
    assert server.store.get(incident.id).version == 2


def test_patch_writes_one_event_per_change_with_reason(lead: httpx.Client) -> None:
    incident = create(lead)
    response = patch(
        lead, incident, severity="SEV1", status="acknowledged", assignee="lee.lead", reason="on it"
    )
    assert response.status_code == 200
    updated = Incident.model_validate_json(response.content)
    assert updated.version == 2
    assert updated.acknowledged_at is not None
    events = timeline(lead, incident.id)[1:]
    assert [(e["kind"], e["actor"], e["message"]) for e in events] == [
        ("severity_changed", "lee.lead", "on it"),
        ("acknowledged", "lee.lead", "on it"),
        ("assigned", "lee.lead", "on it"),
    ]
    assert events[0]["data"] == {"from": "SEV2", "to": "SEV1", "reason": "on it"}


def test_a_patch_that_changes_nothing_keeps_the_version(lead: httpx.Client) -> None:
    incident = create(lead)
    response = patch(lead, incident, severity="SEV2")
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert len(timeline(lead, incident.id)) == 1


def test_resolve_and_reopen_are_recorded(lead: httpx.Client) -> None:
    incident = create(lead)
    resolved = Incident.model_validate_json(
        patch(lead, incident, status="resolved", reason="removed at source").content
    )
    reopened = Incident.model_validate_json(
        patch(lead, resolved, status="acknowledged", reason="re-uploaded").content
    )
    assert reopened.resolved_at is None
    kinds = [e["kind"] for e in timeline(lead, incident.id)]
    assert kinds == ["created", "resolved", "reopened"]


# --- roles ---------------------------------------------------------------------


def test_analyst_may_raise_but_not_lower_severity(
    lead: httpx.Client, analyst: httpx.Client
) -> None:
    incident = create(lead, severity="SEV2")
    raised = patch(analyst, incident, severity="SEV1", reason="spreading")
    assert raised.status_code == 200
    lowered = patch(analyst, Incident.model_validate_json(raised.content), severity="SEV3")
    assert lowered.status_code == 403
    assert error_code(lowered) == "forbidden"
    assert "only a lead" in lowered.json()["error"]["message"]
    assert (
        patch(lead, Incident.model_validate_json(raised.content), severity="SEV3").status_code
        == 200
    )


def test_analyst_may_not_take_someone_elses_incident(
    server: RunningServer, lead: httpx.Client, analyst: httpx.Client
) -> None:
    incident = create(lead, assignee="oth.er")
    taken = patch(analyst, incident, assignee="ana.lyst")
    assert taken.status_code == 403
    with server.client(OTHER_ANALYST) as owner:
        handed = patch(owner, incident, assignee="ana.lyst", reason="handover")
    assert handed.status_code == 200
    assert (
        patch(lead, Incident.model_validate_json(handed.content), assignee="lee.lead").status_code
        == 200
    )


def test_analyst_may_take_an_unassigned_incident(lead: httpx.Client, analyst: httpx.Client) -> None:
    incident = create(lead)
    assert patch(analyst, incident, assignee="ana.lyst").json()["assignee"] == "ana.lyst"


def test_null_assignee_unassigns(lead: httpx.Client) -> None:
    incident = create(lead, assignee="lee.lead")
    assert patch(lead, incident, assignee=None).json()["assignee"] is None


# --- validation and limits ---------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        intake(severity="SEV9"),
        intake(region="Indonesia"),
        intake(title=""),
        intake(title="x" * 301),
        intake(colour="red"),
        intake(due_at="2026-11-24T10:00:00"),
        {"title": "missing everything else"},
    ],
)
def test_bad_intake_is_422_naming_the_field(lead: httpx.Client, body: dict[str, Any]) -> None:
    response = lead.post("/incidents", json=body)
    assert response.status_code == 422
    assert error_code(response) == "invalid"
    assert "body" in response.json()["error"]["message"]


def test_unknown_fields_in_a_patch_are_refused(lead: httpx.Client) -> None:
    incident = create(lead)
    response = patch(lead, incident, severity="SEV1", sevrity="SEV0")
    assert response.status_code == 422
    assert "sevrity" in response.json()["error"]["message"]


def test_empty_patch_is_refused(lead: httpx.Client) -> None:
    incident = create(lead)
    response = patch(lead, incident, reason="just because")
    assert response.status_code == 422
    assert "nothing to change" in response.json()["error"]["message"]


def test_oversized_body_is_413(lead: httpx.Client) -> None:
    response = lead.post("/incidents", json=intake(summary="x" * 300_000))
    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"


def test_oversized_chunked_body_is_413(lead: httpx.Client) -> None:
    payload = json.dumps(intake(summary="y" * 300_000)).encode()

    def chunks() -> Any:
        for start in range(0, len(payload), 16_384):
            yield payload[start : start + 16_384]

    response = lead.post(
        "/incidents", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_unknown_incident_is_404(lead: httpx.Client) -> None:
    for response in (
        lead.get("/incidents/RR-9999"),
        lead.get("/incidents/RR-9999/timeline"),
        lead.post("/incidents/RR-9999/notes", json={"text": "hello"}),
        lead.patch("/incidents/RR-9999", json={"severity": "SEV1"}, headers={"If-Match": '"1"'}),
    ):
        assert response.status_code == 404
        assert error_code(response) == "not_found"


@pytest.mark.parametrize(
    ("path", "served"),
    [
        ("/incidents", {"GET", "POST"}),
        ("/incidents/RR-1000", {"GET", "PATCH"}),
        ("/incidents/RR-1000/notes", {"POST"}),
        ("/contacts", {"GET"}),
    ],
)
def test_wrong_method_is_405_naming_every_method_served(
    lead: httpx.Client, path: str, served: set[str]
) -> None:
    response = lead.delete(path)
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert served <= allowed


def test_unknown_route_uses_the_error_shape(lead: httpx.Client) -> None:
    response = lead.get("/nope")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


# --- notes, escalations, contacts ---------------------------------------------------


def test_escalation_marks_incident_and_timeline(lead: httpx.Client) -> None:
    incident = create(lead)
    response = lead.post(
        f"/incidents/{incident.id}/escalations",
        json={"targets": ["legal-id-1", "policy-id-1"], "note": "regulator letter likely"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["incident"]["status"] == "escalated"
    assert body["incident"]["escalated_to"] == ["legal-id-1", "policy-id-1"]
    assert body["incident"]["version"] == 2
    last = timeline(lead, incident.id)[-1]
    assert last["kind"] == "escalated"
    assert last["data"]["targets"] == ["legal-id-1", "policy-id-1"]
    assert last["message"] == "regulator letter likely"


def test_escalation_to_unknown_contact_is_422(lead: httpx.Client) -> None:
    incident = create(lead)
    response = lead.post(
        f"/incidents/{incident.id}/escalations", json={"targets": ["nobody-here"], "note": ""}
    )
    assert response.status_code == 422
    assert "nobody-here" in response.json()["error"]["message"]
    assert lead.get(f"/incidents/{incident.id}").json()["version"] == 1


def test_note_bumps_version_and_timeline(lead: httpx.Client) -> None:
    incident = create(lead)
    response = lead.post(f"/incidents/{incident.id}/notes", json={"text": "[@click=app.quit]x[/]"})
    assert response.status_code == 201
    assert response.json()["incident"]["version"] == 2
    assert timeline(lead, incident.id)[-1]["message"] == "[@click=app.quit]x[/]"


def test_timeline_after_returns_only_newer_events(lead: httpx.Client) -> None:
    incident = create(lead)
    for text in ("one", "two", "three"):
        lead.post(f"/incidents/{incident.id}/notes", json={"text": text})
    events = timeline(lead, incident.id)
    newer = lead.get(f"/incidents/{incident.id}/timeline", params={"after": events[1]["seq"]})
    assert [e["message"] for e in newer.json()["items"]] == ["two", "three"]


def test_get_incident_has_version_etag(lead: httpx.Client) -> None:
    incident = create(lead)
    response = lead.get(f"/incidents/{incident.id}")
    assert response.headers["ETag"] == '"1"'


def test_contacts_have_an_etag(lead: httpx.Client) -> None:
    response = lead.get("/contacts")
    assert response.status_code == 200
    assert len(response.json()["items"]) >= 25
    again = lead.get("/contacts", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_openapi_documents_every_route(lead: httpx.Client, server: RunningServer) -> None:
    spec = httpx.get(server.url + "/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}",
        "/api/v1/incidents/{incident_id}/timeline",
        "/api/v1/incidents/{incident_id}/notes",
        "/api/v1/incidents/{incident_id}/escalations",
        "/api/v1/contacts",
        "/api/v1/healthz",
    } <= paths
