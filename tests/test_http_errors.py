"""The one mapping from HTTP answers to backend errors, shared by the rr and PagerDuty adapters."""

from __future__ import annotations

import httpx
import pytest

from rr_tui.backends import NotAllowed, NotFoundError, Rejected, Unauthorized, Unavailable
from rr_tui.backends.http_errors import check, retry_seconds


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
