"""HTTP to PagerDuty: the headers it wants, its rate limits, its errors, its pages.

Every request carries `Authorization: Token token=…` and
`Accept: application/vnd.pagerduty+json;version=2`; every write also carries
`From: <email>`, which PagerDuty requires to know who acts. The token lives in
the connection's default headers only: it is never logged or put in a message.

Errors become the protocol's few kinds, as `backends.http_errors` maps them for
every adapter: a timeout, a refused connection, a 5xx, a 429 or an answer that
is not the expected JSON is `Unavailable` (retryable); 401 `Unauthorized`, 403
`NotAllowed`, 404 `NotFoundError`, any other 4xx `Rejected` with PagerDuty's
error code as `pd_<code>`.

Rate limits: a `429`, or any answer saying `ratelimit-remaining: 0`, stops
requests until `ratelimit-reset` (seconds; else `Retry-After`) has passed.
Requests in that window are not sent: they raise `Unavailable` with
`retry_after`, which the poller and the outbox turn into a visible back-off.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from rr_tui import __version__
from rr_tui.backends.base import Unavailable
from rr_tui.backends.http_errors import check, json_body, retry_seconds, send
from rr_tui.backends.records import describe

Model = TypeVar("Model", bound=BaseModel)
Clock = Callable[[], datetime]

DEFAULT_URL = "https://api.pagerduty.com"
ACCEPT = "application/vnd.pagerduty+json;version=2"
PAGE_LIMIT = 100
"""PagerDuty's documented maximum `limit` per page."""
MAX_OFFSET = 10_000
"""Classic (offset) pagination stops here."""


@dataclass
class Paged:
    """The items of every page read, whether pages were left unread, and the first answer."""

    items: list[Any]
    truncated: bool
    first: httpx.Response


def server_time(response: httpx.Response) -> datetime | None:
    """The server's clock, from the `Date` header."""
    values = response.headers.get_list("date")
    if not values:
        return None
    try:
        moment = parsedate_to_datetime(values[0])
    except (TypeError, ValueError, IndexError):
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def iso(moment: datetime) -> str:
    """A time as PagerDuty's query parameters take it, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PdClient:
    """An `httpx.AsyncClient` for the PagerDuty REST API v2."""

    def __init__(
        self,
        url: str,
        token: str,
        from_email: str,
        *,
        name: str,
        timeout: float,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self.name = name
        self.from_email = from_email
        self.clock = clock
        self.blocked_until: datetime | None = None
        """No request is sent before this time (a spent rate-limit window)."""
        self._client = httpx.AsyncClient(
            base_url=url,
            headers={
                "Authorization": f"Token token={token}",
                "Accept": ACCEPT,
                "User-Agent": f"rr-tui/{__version__}",
            },
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        write: bool = False,
    ) -> httpx.Response:
        """Send one request (with `From` if `write`); errors raised as the protocol's kinds."""
        now = self.clock()
        if self.blocked_until is not None and now < self.blocked_until:
            wait = (self.blocked_until - now).total_seconds()
            raise Unavailable(
                f"{self.name} rate limit reached: next request in {math.ceil(wait)}s",
                retry_after=wait,
            )
        headers = {"From": self.from_email} if write else None
        response = await send(
            self._client, self.name, method, path, params=params, json=body, headers=headers
        )
        reset = retry_seconds(response.headers.get("ratelimit-reset"))
        retry_after = None
        if response.status_code == 429:
            retry_after = reset or retry_seconds(response.headers.get("retry-after"))
            if retry_after:
                self.blocked_until = now + timedelta(seconds=retry_after)
        elif response.headers.get("ratelimit-remaining", "").strip() == "0" and reset:
            # The window is spent: wait for the next one rather than earn a 429.
            self.blocked_until = now + timedelta(seconds=reset)
        return check(response, self.name, self._error_of, retry_after=retry_after)

    @staticmethod
    def _error_of(response: httpx.Response) -> tuple[str, str] | None:
        """PagerDuty's `{"error": {"code", "message", "errors"}}` as (message, code).

        None when the body is not that shape: a proxy's page is not PagerDuty refusing.
        """
        fallback = response.reason_phrase or "refused", f"http_{response.status_code}"
        body = json_body(response)
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return None
        message = str(error.get("message") or fallback[0])
        details = error.get("errors")
        if isinstance(details, list) and details:
            message += ": " + "; ".join(str(detail) for detail in details[:5])
        code = error.get("code")
        return message[:500], f"pd_{code}" if isinstance(code, int) else fallback[1]

    def json_object(self, response: httpx.Response) -> dict[str, Any]:
        """The answer's JSON object, or `Unavailable` if it is not one."""
        body = json_body(response)
        if body is None:
            raise Unavailable(f"{self.name} sent a malformed answer: not JSON")
        if not isinstance(body, dict):
            raise Unavailable(f"{self.name} sent a malformed answer: not an object")
        return body

    def json_list(self, response: httpx.Response, key: str) -> list[Any]:
        """The answer's `key` list, or `Unavailable`."""
        items = self.json_object(response).get(key)
        if not isinstance(items, list):
            raise Unavailable(f"{self.name} sent a malformed answer: no {key} list")
        return items

    def json_one(self, model: type[Model], response: httpx.Response, key: str) -> Model:
        """The answer's `key` object as `model`, or `Unavailable`."""
        try:
            return model.model_validate(self.json_object(response).get(key))
        except ValidationError as error:
            raise Unavailable(
                f"{self.name} sent a malformed {key}: {describe(None, error)}"
            ) from None

    async def paged(self, path: str, key: str, params: Mapping[str, Any], max_pages: int) -> Paged:
        """Every page of a list (`limit`/`offset`/`more`), at most `max_pages` pages of 100."""
        items: list[Any] = []
        offset = 0
        first: httpx.Response | None = None
        for _ in range(max_pages):
            query = {**params, "limit": PAGE_LIMIT, "offset": offset}
            response = await self.request("GET", path, params=query)
            first = first or response
            page = self.json_list(response, key)
            items.extend(page)
            if self.json_object(response).get("more") is not True or not page:
                return Paged(items, False, first)
            offset += len(page)
            if offset + PAGE_LIMIT > MAX_OFFSET:
                return Paged(items, True, first)
        assert first is not None
        return Paged(items, True, first)
