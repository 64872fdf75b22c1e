"""How an HTTP answer, or the lack of one, becomes one of the errors of `backends.base`.

Shared by every HTTP adapter (the rr API, PagerDuty), so a timeout, a refused
connection, a 429 or a 5xx means the same to the sync layer whichever service
it came from:

| what happened                     | raised                                   |
| --------------------------------- | ---------------------------------------- |
| timeout                           | `Unreachable("<name> did not answer in time")` |
| connection refused, reset, DNS... | `Unreachable("cannot reach <name>: <kind>")` |
| 429                               | `Unavailable("<name> is rate limiting", retry_after)` |
| 5xx                               | `Unavailable("<name> failed (<status>)", retry_after)` |
| 401                               | `Unauthorized("token refused: <message>")` |
| 403                               | `NotAllowed`                             |
| 404                               | `NotFoundError`                          |
| any other 4xx                     | `Rejected`                               |

Each adapter reads its own service's error body into (message, code), and may
handle a status first (the rr API's 409 carries the current incident).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import httpx

from rr_tui.backends.base import (
    Intercepted,
    NotAllowed,
    NotFoundError,
    Rejected,
    Unauthorized,
    Unavailable,
    Unreachable,
)

RETRY_AFTER_MAX = 3600.0
"""A longer wait asked by a server is cut to this (a bad header must not stop a shift)."""

ErrorOf = Callable[[httpx.Response], tuple[str, str] | None]
"""Reads a service's error body as (message, code); None if it is not the service's shape."""

RETRYABLE = frozenset({408, 425, 429})
"""4xx statuses that mean "not now" (timeout, too early, rate limit): retried like a 5xx."""

_REJECTIONS: dict[int, type[Rejected]] = {
    401: Unauthorized,
    403: NotAllowed,
    404: NotFoundError,
}


async def send(
    client: httpx.AsyncClient, name: str, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """Send one request; a transport failure is `Unreachable` naming the service `name`."""
    try:
        return await client.request(method, path, **kwargs)
    except httpx.TimeoutException:
        raise Unreachable(f"{name} did not answer in time") from None
    except httpx.TransportError as error:
        # The kind (ConnectError, ReadError...) only: its text may carry the URL's secrets.
        raise Unreachable(f"cannot reach {name}: {type(error).__name__}") from None


def retry_seconds(value: str | None) -> float | None:
    """A `Retry-After`-style number of seconds, within 0..`RETRY_AFTER_MAX`; None if unreadable."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    if not math.isfinite(seconds):
        return None
    return max(0.0, min(seconds, RETRY_AFTER_MAX))


def check(
    response: httpx.Response,
    name: str,
    error_of: ErrorOf,
    *,
    retry_after: float | None = None,
) -> httpx.Response:
    """The response if it succeeded (below 400), else the error for its status, raised.

    Args:
        response: the answer.
        name: the service, as the status bar names it.
        error_of: reads the service's error body as (message, code).
        retry_after: how long to wait after a 429 or 5xx; by default the
            answer's `Retry-After`.

    Raises:
        Unavailable: 408, 425, 429 or 5xx (worth a retry, after `retry_after`).
        Intercepted: another 4xx whose body is not the service's error: not its answer.
        Rejected: any other status of 400 or above, as its kind (see the table above).
    """
    status = response.status_code
    if status < 400:
        return response
    if status in RETRYABLE or status >= 500:
        if retry_after is None:
            retry_after = retry_seconds(response.headers.get("retry-after"))
        what = "is rate limiting" if status == 429 else f"failed ({status})"
        raise Unavailable(f"{name} {what}", retry_after=retry_after)
    said = error_of(response)
    if said is None:
        raise intercepted(response, name)
    raise rejection(status, *said)


def intercepted(response: httpx.Response, name: str) -> Intercepted:
    """An answer that is not the service speaking, described for the status bar."""
    kind = response.headers.get("content-type", "").split(";")[0].strip() or "no type"
    return Intercepted(
        f"{name}: ({response.status_code}, {kind[:40]}) answered by something else,"
        " a proxy or portal? Retrying",
        retry_after=retry_seconds(response.headers.get("retry-after")),
    )


def json_body(response: httpx.Response) -> Any:
    """The answer's JSON, or None if it is not JSON (or nested too deep to read)."""
    try:
        return response.json()
    except (ValueError, RecursionError):
        # RecursionError: `[[[[...` 100,000 deep, as a broken proxy can send.
        return None


def rejection(status: int, message: str, code: str) -> Rejected:
    """The `Rejected` kind for a 4xx status (401 also says the token was refused)."""
    if status == 401:
        message = f"token refused: {message}"
    return _REJECTIONS.get(status, Rejected)(message, status, code)
