"""A request with thousands of mistakes costs the server a bounded answer (issue 11, item 6).

A 209 KB body of 20,000 unknown keys used to get a 1.29 MB 422 that held the
event loop for 0.14 s. The work is bounded where it starts (validation reports
a bounded number of unknown keys) and the answer where it ends (a bounded number
of details, each bounded in size). No timings here: the counts bound the work.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from rr_tui.models import EscalationCreate, IncidentCreate, IncidentPatch, NoteCreate
from rr_tui.server.error_handlers import MAX_DETAILS
from tests.test_stored_values import INTAKE

MANY = {f"k{n}": 1 for n in range(20_000)}
LONG_KEY = {"k" * 50_000: 1, "q" * 50_000: 2}

BODIES: dict[str, tuple[type[BaseModel], str, str, dict[str, Any]]] = {
    "intake": (IncidentCreate, "POST", "/incidents", {**INTAKE, **MANY}),
    "patch": (IncidentPatch, "PATCH", "/incidents/RR-1001", {"severity": "SEV1", **MANY}),
    "note": (NoteCreate, "POST", "/incidents/RR-1001/notes", {"text": "x", **MANY}),
    "escalation": (
        EscalationCreate,
        "POST",
        "/incidents/RR-1001/escalations",
        {"targets": ["legal-ph-1"], **MANY},
    ),
    "long keys": (IncidentCreate, "POST", "/incidents", {**INTAKE, **LONG_KEY}),
    "bad tags": (IncidentCreate, "POST", "/incidents", {**INTAKE, "tags": [7] * 20}),
}


@pytest.mark.parametrize("name", BODIES)
def test_thousands_of_unknown_keys_get_a_small_422(lead: httpx.Client, name: str) -> None:
    _model, method, path, body = BODIES[name]
    lead.post("/incidents", json=INTAKE)
    assert len(json.dumps(body)) < 256 * 1024  # under the body limit: it reaches validation
    response = lead.request(method, path, json=body, headers={"If-Match": '"1"'})
    assert response.status_code == 422, response.text[:300]
    assert len(response.content) < 16 * 1024
    error = response.json()["error"]
    assert 1 <= len(error["details"]) <= MAX_DETAILS
    assert all(len(json.dumps(detail)) < 600 for detail in error["details"])
    assert len(error["message"]) < 1_000


@pytest.mark.parametrize("name", BODIES)
def test_validation_reports_a_bounded_number_of_errors(name: str) -> None:
    """What bounds the event loop's work: pydantic builds only so many errors."""
    model, _method, _path, body = BODIES[name]
    with pytest.raises(ValidationError) as raised:
        model.model_validate(body)
    assert raised.value.error_count() <= MAX_DETAILS


def test_a_few_unknown_keys_are_each_named(lead: httpx.Client) -> None:
    response = lead.post("/incidents", json={**INTAKE, "colour": "red", "flavour": "sour"})
    assert response.status_code == 422
    locs = [detail["loc"] for detail in response.json()["error"]["details"]]
    assert sorted(locs) == [["body", "colour"], ["body", "flavour"]]
