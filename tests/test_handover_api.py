"""The handover record on the real server: roles, versions, idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rr_tui.models import API_PREFIX, Handover, HandoverList, Role
from rr_tui.server.api import create_app
from rr_tui.server.auth import User, Users, digest
from rr_tui.server.runner import ServerThread
from tests.conftest import ANALYST, LEAD, SHIFT_START, TEST_USERS, FakeClock, open_store

INCOMING = "incoming-lead-token-0001"


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    """A server with two leads: the outgoing `lee.lead` and the incoming `ian.coming`."""
    users = Users([*TEST_USERS, User("ian.coming", Role.LEAD, digest(INCOMING))])
    store = open_store(tmp_path)
    store.clock = FakeClock()
    with ServerThread(create_app(store, users)) as thread:
        yield thread.url + API_PREFIX
    store.close()


def client(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


SHIFT = {
    "note": "RR-2041 waits on Legal ID; watch TH election rumours",
    "since": "2026-11-24T00:00:00Z",
}


def test_a_lead_writes_once_per_key_and_the_incoming_lead_acknowledges(url: str) -> None:
    with client(url, LEAD) as outgoing, client(url, INCOMING) as incoming:
        key = {"Idempotency-Key": "handover-apac-1"}
        first = outgoing.post("/handovers", json=SHIFT, headers=key)
        assert first.status_code == 201, first.text
        again = outgoing.post("/handovers", json=SHIFT, headers=key)
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.json() == first.json()
        handover = Handover.model_validate_json(first.content)
        assert (handover.version, handover.author, handover.pending) == (1, "lee.lead", True)

        waiting = HandoverList.model_validate_json(incoming.get("/handovers?pending=true").content)
        assert [h.id for h in waiting.items] == [handover.id]

        path = f"/handovers/{handover.id}/acknowledgement"
        own = outgoing.post(path, json={}, headers={"If-Match": '"1"'})
        assert (own.status_code, own.json()["error"]["code"]) == (422, "own_handover")
        assert incoming.post(path, json={}).status_code == 428
        stale = incoming.post(path, json={}, headers={"If-Match": '"7"'})
        assert stale.status_code == 409

        ack_key = {"If-Match": '"1"', "Idempotency-Key": "ack-1"}
        acked = incoming.post(path, json={"reply": "got it"}, headers=ack_key)
        assert acked.status_code == 200, acked.text
        done = Handover.model_validate_json(acked.content)
        assert (done.version, done.acknowledged_by, done.reply) == (2, "ian.coming", "got it")
        assert done.acknowledged_at == SHIFT_START
        # A retried acknowledgement is answered the same; a second one is a conflict.
        assert incoming.post(path, json={"reply": "got it"}, headers=ack_key).json() == acked.json()
        assert incoming.post(path, json={}, headers={"If-Match": '"2"'}).status_code == 409
        assert incoming.get("/handovers?pending=true").json()["items"] == []


def test_analysts_read_but_never_write_or_acknowledge(url: str) -> None:
    with client(url, LEAD) as lead, client(url, ANALYST) as analyst:
        assert analyst.post("/handovers", json=SHIFT).status_code == 403
        created = lead.post("/handovers", json=SHIFT).json()
        path = f"/handovers/{created['id']}/acknowledgement"
        assert analyst.post(path, json={}, headers={"If-Match": '"1"'}).status_code == 403
        assert [h["id"] for h in analyst.get("/handovers").json()["items"]] == [created["id"]]
        assert (
            analyst.post(
                "/handovers/999/acknowledgement", json={}, headers={"If-Match": '"1"'}
            ).status_code
            == 403
        )
        assert (
            lead.post(
                "/handovers/999/acknowledgement", json={}, headers={"If-Match": '"1"'}
            ).status_code
            == 404
        )
        future = {**SHIFT, "since": "2026-11-25T00:00:00Z"}
        assert lead.post("/handovers", json=future).json()["since"] == "2026-11-24T06:32:00Z"
        assert lead.post("/handovers", json={**SHIFT, "extra": 1}).status_code == 422
