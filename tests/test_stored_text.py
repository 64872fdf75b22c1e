"""No text field stores a NUL character, on any store (issue 11).

SQLite stores NUL, PostgreSQL refuses it (a 500); the rule is the same on every
store: a request body holding NUL anywhere is refused with 422. The tests run on
the store under test of `test_stored_values` (`RR_TEST_STORE_URL`, else SQLite).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import RunningServer
from tests.test_stored_values import EXAMPLES, INTAKE, any_store, client, list_still_works

__all__ = ["any_store", "client"]  # fixtures, used by name

NUL = "before\x00after"


def _writes(incident_id: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Every text field a client can send, on every endpoint that stores it."""
    note = f"/incidents/{incident_id}/notes"
    escalate = f"/incidents/{incident_id}/escalations"
    patch = f"/incidents/{incident_id}"
    return [
        ("intake title", "POST", "/incidents", {**INTAKE, "title": NUL}),
        ("intake summary", "POST", "/incidents", {**INTAKE, "summary": NUL}),
        ("intake tag", "POST", "/incidents", {**INTAKE, "tags": ["ok", NUL]}),
        ("intake link", "POST", "/incidents", {**INTAKE, "links": [NUL]}),
        ("intake assignee", "POST", "/incidents", {**INTAKE, "assignee": NUL}),
        ("intake category", "POST", "/incidents", {**INTAKE, "category": NUL}),
        ("patch reason", "PATCH", patch, {"severity": "SEV1", "reason": NUL}),
        ("patch assignee", "PATCH", patch, {"assignee": NUL}),
        ("note text", "POST", note, {"text": NUL}),
        ("escalation note", "POST", escalate, {"targets": ["legal-ph-1"], "note": NUL}),
        ("escalation target", "POST", escalate, {"targets": [NUL]}),
    ]


FIELDS = [name for name, *_ in _writes("RR-1")]


@pytest.mark.parametrize("index", range(len(FIELDS)), ids=FIELDS)
def test_nul_is_refused_in_every_text_field(
    any_store: RunningServer, client: httpx.Client, index: int
) -> None:
    incident = client.post("/incidents", json=INTAKE).json()
    _name, method, path, body = _writes(incident["id"])[index]
    response = client.request(method, path, json=body, headers={"If-Match": '"1"'})
    assert response.status_code == 422, response.text
    assert any_store.store.get(incident["id"]).version == 1
    assert any_store.store.count(open_only=False) == 1
    list_still_works(client)


# Any text JSON can carry (lone surrogates are refused as not UTF-8, see test_server_hardening).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=300)
# ... and often a NUL inside it, which random text seldom holds.
TEXT_OR_NUL = TEXT | st.builds(lambda a, b: f"{a}\x00{b}", TEXT, TEXT)


@EXAMPLES
@given(words=TEXT_OR_NUL)
def test_any_text_reads_back_exactly_or_is_refused(client: httpx.Client, words: str) -> None:
    created = client.post(
        "/incidents", json={**INTAKE, "title": words, "summary": words, "tags": [words[:40]]}
    )
    if "\x00" in words:
        assert created.status_code == 422, created.text
        return
    assert created.status_code == 201, created.text
    incident = created.json()
    assert (
        client.post(f"/incidents/{incident['id']}/notes", json={"text": words}).status_code == 201
    )
    stored = client.get(f"/incidents/{incident['id']}").json()
    assert (stored["title"], stored["summary"], stored["tags"]) == (words, words, [words[:40]])
    events = client.get(f"/incidents/{incident['id']}/timeline").json()["items"]
    assert events[-1]["message"] == words
