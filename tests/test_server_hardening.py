"""The reference server under generated and hostile requests (issue 7, part 3).

schemathesis generates requests from the server's own OpenAPI document, with a
lead's token, and checks every answer: no 5xx, status codes and bodies as
documented, negative data rejected. One check is left out on purpose:
`positive_data_acceptance` calls a 404 for a random incident id or a 400 for
a cursor this server never issued a failure, while both are the right answer.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from rr_tui.server.api import create_app
from rr_tui.server.limits import ServerLimits
from rr_tui.server.seed import seed_demo
from rr_tui.server.store import Store
from tests.conftest import ANALYST, LEAD, TEST_USERS, RunningServer

# One worker runs the whole module (make pytest: --dist loadgroup): the report at
# the end counts what the generated tests before it did in this process.
pytestmark = pytest.mark.xdist_group("server_hardening")

_tmp = Path(tempfile.mkdtemp(prefix="rr-schemathesis-"))
_store = Store.open(f"sqlite:///{_tmp / 'st.db'}", sqlite_sync="normal")
seed_demo(_store, random.Random(7))
# Generated cases include bad tokens, all from one address: a throttle that never
# trips keeps the later cases reaching the routes instead of a 429.
_app = create_app(_store, TEST_USERS, limits=ServerLimits(auth_failures=1_000_000))
schema = schemathesis.openapi.from_asgi("/openapi.json", _app)

CASES: Counter[str] = Counter()
"""Cases run per operation (reported in RELIABILITY.md)."""


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("RR_SOAK_EXAMPLES", "40")),
    # Reproducible in `make test`; `make soak` sets RR_SOAK_EXAMPLES and a random seed.
    derandomize=not os.environ.get("RR_SOAK_EXAMPLES"),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_generated_requests_get_documented_answers(case: Any) -> None:
    CASES[f"{case.method} {case.path}"] += 1
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {LEAD}"},
        excluded_checks=[positive_data_acceptance],
    )
    assert response.status_code < 500


INJECTIONS = [
    "'; DROP TABLE incidents; --",
    '" OR 1=1 --',
    "RR-1001' OR '1'='1",
    "1; SELECT * FROM idempotency",
    "%' UNION SELECT token FROM users --",
    "\\x00\\'\\\"",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_sql_in_every_field_is_just_text(server: RunningServer, text: str) -> None:
    with server.client() as lead:
        created = lead.post(
            "/incidents",
            json={
                "title": text,
                "summary": text,
                "severity": "SEV3",
                "category": "harassment",
                "region": "TH",
                "source": "user_report",
                "tags": [text[:40]],
                "links": [text],
            },
            headers={"Idempotency-Key": "k" + str(abs(hash(text)))},
        )
        assert created.status_code == 201, created.text
        incident = created.json()
        assert incident["title"] == text
        note = lead.post(f"/incidents/{incident['id']}/notes", json={"text": text})
        assert note.status_code == 201
        assert (
            lead.get(f"/incidents/{incident['id']}/timeline").json()["items"][-1]["message"] == text
        )
        # Injection in path, query and headers is refused or not found, never an error.
        for response in (
            lead.get(f"/incidents/{text}"),
            lead.get("/incidents", params={"since": text}),
            lead.get(f"/incidents/{incident['id']}/timeline", params={"after": text}),
            lead.patch(
                f"/incidents/{incident['id']}",
                json={"severity": "SEV1"},
                headers={"If-Match": text},
            ),
        ):
            assert response.status_code in (400, 404, 422), response.text
    assert server.store.count(open_only=False) == 1  # nothing dropped, nothing extra


def test_a_token_for_one_role_cannot_do_the_others_actions(server: RunningServer) -> None:
    with server.client() as lead, server.client(ANALYST) as analyst:
        incident = lead.post(
            "/incidents",
            json={
                "title": "x",
                "severity": "SEV1",
                "category": "harassment",
                "region": "TH",
                "source": "user_report",
                "assignee": "lee.lead",
            },
        ).json()
        refused = [
            analyst.patch(
                f"/incidents/{incident['id']}",
                json={"severity": "SEV4"},
                headers={"If-Match": '"1"'},
            ),
            analyst.patch(
                f"/incidents/{incident['id']}",
                json={"assignee": "ana.lyst"},
                headers={"If-Match": '"1"'},
            ),
            analyst.patch(
                f"/incidents/{incident['id']}", json={"assignee": None}, headers={"If-Match": '"1"'}
            ),
        ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert server.store.get(incident["id"]).version == 1


def test_auth_is_required_on_every_documented_operation_but_health(server: RunningServer) -> None:
    spec = httpx.get(server.url + "/openapi.json").json()
    checked = 0
    for path, operations in spec["paths"].items():
        for method in operations:
            url = server.url + path.replace("{incident_id}", "RR-1001")
            response = httpx.request(method.upper(), url, json={})
            checked += 1
            if path.endswith("/healthz"):
                assert response.status_code == 200
            else:
                assert response.status_code == 401, (method, path, response.status_code)
    assert checked >= 9


def test_bodies_over_the_limit_are_refused_on_every_write(server: RunningServer) -> None:
    big = {"text": "x" * 300_000}
    with server.client() as lead:
        for method, path in (
            ("POST", "/incidents"),
            ("PATCH", "/incidents/RR-1001"),
            ("POST", "/incidents/RR-1001/notes"),
            ("POST", "/incidents/RR-1001/escalations"),
        ):
            assert lead.request(method, path, json=big).status_code == 413


def test_strings_the_store_cannot_hold_are_refused_not_crashed(server: RunningServer) -> None:
    # A lone surrogate cannot be encoded as UTF-8; the answer must be a 422, not a 500.
    body = (
        '{"title": "bad \\ud800 title", "severity": "SEV3", "category": "harassment",'
        ' "region": "TH", "source": "user_report"}'
    )
    with server.client() as lead:
        response = lead.post(
            "/incidents", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, response.text
        nul = lead.post(
            "/incidents",
            json={
                "title": "nul \x00 inside",
                "severity": "SEV3",
                "category": "harassment",
                "region": "TH",
                "source": "user_report",
            },
        )
        # NUL is refused on every store (PostgreSQL cannot hold it): tests/test_stored_text.py.
        assert nul.status_code == 422, nul.text


def test_report_generated_cases() -> None:
    """Runs after the generated tests (file order): how many cases each operation got."""
    total = sum(CASES.values())
    print(f"\nschemathesis cases: {total} over {len(CASES)} operations, 0 server errors")
    report_dir = os.environ.get("RR_REPORT_DIR")
    if report_dir:
        Path(report_dir, "schemathesis.json").write_text(
            json.dumps({"cases": total, "operations": dict(CASES)}, indent=2) + "\n"
        )
    assert total >= len(CASES) > 0
