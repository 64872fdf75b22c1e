"""Assignees checked against the users the backend knows (issue 12): `I nobody.xyz` is refused.

The API test talks to the real reference server; the dialog is driven with Pilot.
"""

from __future__ import annotations

import httpx

from rr_tui.models import IncidentCreate, Role
from rr_tui.screens.dialogs import AssignDialog
from rr_tui.server.auth import demo_users
from rr_tui.server.store import Actor
from tests.conftest import DashboardFactory, RunningServer

LEAD = Actor("lee.lead", Role.LEAD)
BODY = {
    "title": "Coordinated harassment of a streamer",
    "severity": "SEV2",
    "category": "harassment",
    "region": "PH",
    "source": "user_report",
}


def test_users_are_listed_to_any_role_and_an_unknown_assignee_is_refused(
    server: RunningServer, lead: httpx.Client, analyst: httpx.Client
) -> None:
    """The API had no users list, and PATCH assigned to any name at all."""
    listed = analyst.get("/users")
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert {"name": "ana.lyst", "role": "analyst"} in items
    assert {"name": "lee.lead", "role": "lead"} in items
    assert all(set(item) == {"name", "role"} for item in items)  # never a token or digest
    with server.client(None) as stranger:
        assert stranger.get("/users").status_code == 401

    created = lead.post("/incidents", json=BODY, headers={"Idempotency-Key": "k1"})
    incident = created.json()
    answer = lead.patch(
        f"/incidents/{incident['id']}",
        json={"assignee": "nobody.xyz", "reason": "handover"},
        headers={"If-Match": str(incident["version"]), "Idempotency-Key": "k2"},
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "unknown_user"
    assert server.store.get(incident["id"]).assignee is None
    intake = lead.post(
        "/incidents",
        json={**BODY, "assignee": "nobody.xyz"},
        headers={"Idempotency-Key": "k3"},
    )
    assert intake.status_code == 422
    # The demo's analysts own seeded incidents without signing in: they stay assignable.
    users, _ = demo_users()
    assert users.assignable("joon.park")
    assert not users.assignable("nobody.xyz")


async def test_the_assign_dialog_refuses_a_name_the_backend_does_not_know(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """`I nobody.xyz` assigned to a user who does not exist."""
    with demo_server.store.write() as tx:
        incident = tx.create(IncidentCreate.model_validate(BODY), LEAD)
    async with dashboard() as d:
        accounts = d.app.triage.people.accounts
        assert accounts is not None
        assert {"lee.lead", "ana.lyst", "joon.park"} <= accounts
        assert "nobody.xyz" not in accounts
        await d.select(incident.id)
        await d.press("I", *"nobody.xyz", "enter")
        assert isinstance(d.screen, AssignDialog)
        assert "nobody.xyz is not a user the backend knows" in d.text()
        await d.press("escape")
        await d.press("I", *"ana.lyst", "enter")
        await d.drained()
    assert demo_server.store.get(incident.id).assignee == "ana.lyst"
