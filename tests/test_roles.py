"""The role matrix (README, "Who may do what"), cell by cell, against the real server (issue 11).

Each cell is one action on one incident (free, the actor's own, or someone
else's), done by an analyst and by a lead, with the answer each must get. For
every PATCH cell the dashboard's own pre-check (`sync.outcomes.refusal`) must
agree with the server, since the dashboard refuses before sending what the
server would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
import pytest

from rr_tui.models import Incident, Me, Role
from rr_tui.sync.outbox import Action, ActionKind
from rr_tui.sync.outcomes import refusal
from tests.conftest import ANALYST, LEAD, RunningServer
from tests.test_api import intake

Owner = Literal["free", "self", "other"]
SELF = {Role.ANALYST: "ana.lyst", Role.LEAD: "lee.lead"}
OTHER = {Role.ANALYST: "lee.lead", Role.LEAD: "oth.er"}
"""Someone else: for an analyst, a lead (the issue's case); for a lead, an analyst."""


@dataclass(frozen=True)
class Cell:
    """One action in one situation, and what an analyst and a lead get for it."""

    owner: Owner
    kind: Literal["patch", "intake", "note", "escalate"]
    body: dict[str, Any]
    analyst: int
    lead: int
    severity: str = "SEV2"
    resolved: bool = False
    who: dict[str, str] = field(default_factory=dict)
    """Body fields naming a person: "self" or "other", filled in for the actor."""


SOON = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
LATE = "2099-01-01T00:00:00Z"

MATRIX: dict[str, Cell] = {
    "raise severity of someone else's": Cell("other", "patch", {"severity": "SEV1"}, 200, 200),
    "lower severity of own": Cell("self", "patch", {"severity": "SEV3"}, 403, 200),
    "lower severity of free": Cell("free", "patch", {"severity": "SEV3"}, 403, 200),
    "acknowledge free": Cell("free", "patch", {"status": "acknowledged"}, 200, 200),
    "acknowledge own": Cell("self", "patch", {"status": "acknowledged"}, 200, 200),
    "acknowledge someone else's": Cell("other", "patch", {"status": "acknowledged"}, 403, 200),
    "resolve own": Cell("self", "patch", {"status": "resolved"}, 200, 200),
    "resolve free": Cell("free", "patch", {"status": "resolved"}, 200, 200),
    "resolve someone else's SEV0": Cell(
        "other", "patch", {"status": "resolved"}, 403, 200, severity="SEV0"
    ),
    "reopen someone else's": Cell(
        "other", "patch", {"status": "acknowledged"}, 403, 200, resolved=True
    ),
    "take free": Cell("free", "patch", {}, 200, 200, who={"assignee": "self"}),
    "assign free to someone else": Cell("free", "patch", {}, 403, 200, who={"assignee": "other"}),
    "hand own to someone else": Cell("self", "patch", {}, 200, 200, who={"assignee": "other"}),
    "release own": Cell("self", "patch", {"assignee": None}, 200, 200),
    "take someone else's": Cell("other", "patch", {}, 403, 200, who={"assignee": "self"}),
    "unassign someone else's": Cell("other", "patch", {"assignee": None}, 403, 200),
    "intake unassigned": Cell("free", "intake", {}, 201, 201),
    "intake assigned to self": Cell("free", "intake", {}, 201, 201, who={"assignee": "self"}),
    "intake assigned to someone else": Cell(
        "free", "intake", {}, 403, 201, who={"assignee": "other"}
    ),
    "intake SEV0 due sooner than its SLA": Cell(
        "free", "intake", {"severity": "SEV0", "due_at": SOON}, 201, 201
    ),
    "intake SEV0 due in 2099": Cell(
        "free", "intake", {"severity": "SEV0", "due_at": LATE}, 403, 201
    ),
    "note on someone else's": Cell("other", "note", {"text": "seen on X too"}, 201, 201),
    "escalate someone else's": Cell(
        "other", "escalate", {"targets": ["legal-ph-1"], "note": "n"}, 201, 201
    ),
}

ROLES = {Role.ANALYST: ANALYST, Role.LEAD: LEAD}


def _setup(lead: httpx.Client, cell: Cell, role: Role) -> Incident:
    assignee = {"free": None, "self": SELF[role], "other": OTHER[role]}[cell.owner]
    response = lead.post("/incidents", json=intake(severity=cell.severity, assignee=assignee))
    incident = Incident.model_validate_json(response.content)
    if cell.resolved:
        response = lead.patch(
            f"/incidents/{incident.id}",
            json={"status": "resolved"},
            headers={"If-Match": f'"{incident.version}"'},
        )
        incident = Incident.model_validate_json(response.content)
    return incident


def _body(cell: Cell, role: Role) -> dict[str, Any]:
    people = {"self": SELF[role], "other": OTHER[role]}
    return {**cell.body, **{key: people[who] for key, who in cell.who.items()}}


@pytest.mark.parametrize("role", [Role.ANALYST, Role.LEAD])
@pytest.mark.parametrize("name", MATRIX)
def test_role_matrix(server: RunningServer, lead: httpx.Client, name: str, role: Role) -> None:
    cell = MATRIX[name]
    expected = cell.analyst if role is Role.ANALYST else cell.lead
    incident = _setup(lead, cell, role)
    body = _body(cell, role)
    with server.client(ROLES[role]) as actor:
        if cell.kind == "intake":
            response = actor.post("/incidents", json=intake(**body))
        elif cell.kind == "patch":
            response = actor.patch(
                f"/incidents/{incident.id}",
                json=body,
                headers={"If-Match": f'"{incident.version}"'},
            )
        else:
            path = "notes" if cell.kind == "note" else "escalations"
            response = actor.post(f"/incidents/{incident.id}/{path}", json=body)
    assert response.status_code == expected, response.text
    if expected == 403:
        assert response.json()["error"]["code"] == "forbidden"
        assert server.store.get(incident.id).version == incident.version
        assert server.store.count(open_only=False) == 1
    if cell.kind == "patch":
        action = Action(ActionKind.PATCH, incident.id, body, incident.version)
        why = refusal(action, incident, Me(name=SELF[role], role=role))
        assert (why is None) == (expected == 200), f"the dashboard says {why!r}"
