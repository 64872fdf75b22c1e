"""The one mapping from HTTP answers to backend errors, shared by the rr and PagerDuty adapters."""

from __future__ import annotations

import httpx
import pytest

from rr_tui.backends import (
    Intercepted,
    NotAllowed,
    NotFoundError,
    Rejected,
    Unauthorized,
    Unavailable,
)
from rr_tui.backends.http_errors import ErrorOf, check, retry_seconds
from rr_tui.backends.pagerduty.client import PdClient
from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.sync.actions import send
from rr_tui.sync.outbox import Action, ActionKind
from rr_tui.sync.outcomes import Applied, Retry
from tests.conftest import LEAD, RunningServer
from tests.test_sync import FaultyTransport


def _error_of(response: httpx.Response) -> tuple[str, str]:
    return "nope", "some_code"


@pytest.mark.parametrize(
    ("status", "kind", "message"),
    [
        (401, Unauthorized, "token refused: nope"),
        (403, NotAllowed, "nope"),
        (404, NotFoundError, "nope"),
        (422, Rejected, "nope"),
        (429, Unavailable, "svc is rate limiting"),
        (503, Unavailable, "svc failed (503)"),
    ],
)
def test_each_status_becomes_its_kind(status: int, kind: type[Exception], message: str) -> None:
    response = httpx.Response(status, headers={"Retry-After": "17"})
    with pytest.raises(kind) as raised:
        check(response, "svc", _error_of)
    assert type(raised.value) is kind
    assert str(raised.value) == message
    if isinstance(raised.value, Unavailable):
        assert raised.value.retry_after == 17
    else:
        assert isinstance(raised.value, Rejected)
        assert (raised.value.status, raised.value.code) == (status, "some_code")


def test_success_passes_and_retry_after_is_bounded() -> None:
    ok = httpx.Response(204)
    assert check(ok, "svc", _error_of) is ok
    assert [retry_seconds(v) for v in ("0", "-3", "1e9", "nan", "soon", None)] == [
        0.0,
        0.0,
        3600.0,
        None,
        None,
        None,
    ]


# --- issue 11 item 14: answers classified by what they mean, not by status alone ----------

HTML_404 = httpx.Response(
    404, headers={"content-type": "text/html"}, text="<html><h1>Not Found</h1>nginx</html>"
)


@pytest.mark.parametrize("status", [408, 425, 429, 502, 503, 504])
def test_proxy_statuses_408_425_429_503_are_retryable(status: int) -> None:
    with pytest.raises(Unavailable):
        check(httpx.Response(status), "svc", RrHttpBackend._error_of)


@pytest.mark.parametrize(
    "response",
    [
        HTML_404,
        httpx.Response(404, json={"detail": "Not Found"}),
        httpx.Response(403, json={"error": "forbidden by the proxy"}),
        httpx.Response(401, text="Unauthorized"),
        httpx.Response(404, content=b"[" * 100_000, headers={"content-type": "application/json"}),
    ],
    ids=["html-404", "other-json-404", "error-not-an-object-403", "text-401", "deep-json-404"],
)
@pytest.mark.parametrize(
    "error_of", [RrHttpBackend._error_of, PdClient._error_of], ids=["rr", "pd"]
)
def test_an_answer_not_in_the_backends_error_shape_is_not_a_refusal(
    response: httpx.Response, error_of: ErrorOf
) -> None:
    with pytest.raises(Intercepted) as raised:
        check(response, "svc", error_of)
    assert isinstance(raised.value, Unavailable)
    assert f"({response.status_code}" in raised.value.message


@pytest.mark.parametrize(
    "proxy_answer",
    [
        httpx.Response(408),
        httpx.Response(425),
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.Response(503),
        HTML_404,
    ],
    ids=["408", "425", "429", "503", "html-404"],
)
async def test_a_write_answered_by_a_proxy_stays_waiting_then_goes_through(
    demo_server: RunningServer, proxy_answer: httpx.Response
) -> None:
    blocking = {"on": True}

    def proxy(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        return proxy_answer if blocking["on"] and request.method == "POST" else response

    client = RrHttpBackend(demo_server.url, LEAD, transport=FaultyTransport(proxy))
    incident = demo_server.store.open_incidents()[0]
    action = Action(ActionKind.NOTE, incident.id, {"text": "seen by the proxy first"})
    try:
        assert isinstance(await send(client, action), Retry)
        blocking["on"] = False
        outcome = await send(client, action)
        assert isinstance(outcome, Applied)
        assert outcome.incident.version == incident.version + 1
    finally:
        await client.aclose()
