"""A fault-injecting transport for the dashboard's HTTP client, seeded and reproducible.

It forwards to the real reference server and, for a share of requests, does
what networks, proxies and broken servers do: refuse the connection, answer
500/502/503 without forwarding, answer 429 with Retry-After, forward and then
lose the answer (connection dropped, or a timeout), truncate the body, send
invalid JSON, or put a record that breaks the schema into a page of incidents.
Every fault is counted by kind, for the report.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable

import httpx

FAULTS = (
    "refused",
    "500",
    "502",
    "503",
    "429",
    "answer lost",
    "timed out",
    "truncated",
    "invalid json",
    "bad record",
)


class FaultInjector(httpx.AsyncBaseTransport):
    """The real transport with `share` of requests spoiled, one fault kind chosen per request."""

    def __init__(self, seed: int, share: float, retry_after: str = "1") -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.rng = random.Random(seed)
        self.share = share
        self.retry_after = retry_after
        self.enabled = False
        self.faults: Counter[str] = Counter()
        self.requests = 0
        self.before_send: Callable[[httpx.Request], None] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.before_send is not None:
            self.before_send(request)
        fault = self._pick(request)
        if fault is not None:
            self.faults[fault] += 1
        if fault == "refused":
            raise httpx.ConnectError("injected: connection refused", request=request)
        if fault in ("500", "502", "503"):
            return httpx.Response(int(fault), text="injected")
        if fault == "429":
            return httpx.Response(429, headers={"Retry-After": self.retry_after})
        response = await self.real.handle_async_request(request)
        body = await response.aread()
        if fault == "answer lost":
            raise httpx.ReadError("injected: connection dropped after the answer", request=request)
        if fault == "timed out":
            raise httpx.ReadTimeout("injected: no answer in time", request=request)
        if fault == "truncated" and body:
            return self._respond(response, body[: len(body) // 2])
        if fault == "invalid json":
            return self._respond(response, b'{"items": [ {"id": ')
        if fault == "bad record":
            return self._respond(response, self._break_a_record(body))
        return response

    def _pick(self, request: httpx.Request) -> str | None:
        if not self.enabled or self.rng.random() >= self.share:
            return None
        is_page = request.method == "GET" and request.url.path.endswith("/incidents")
        if is_page and self.rng.random() < 0.4:
            return "bad record"  # most polls are 304s: make the pages with items count
        return self.rng.choice([fault for fault in FAULTS if fault != "bad record"])

    @staticmethod
    def _respond(original: httpx.Response, body: bytes) -> httpx.Response:
        headers = {k: v for k, v in original.headers.items() if k.lower() != "content-length"}
        return httpx.Response(original.status_code, headers=headers, content=body)

    def _break_a_record(self, body: bytes) -> bytes:
        try:
            page = json.loads(body) if body else None
        except ValueError:
            page = None
        if not isinstance(page, dict) or not page.get("items"):
            self.faults["bad record"] -= 1  # a 304 or an empty page: nothing to break
            return body
        victim = self.rng.randrange(len(page["items"]))
        page["items"][victim]["severity"] = "SEV9"
        return json.dumps(page).encode()

    async def aclose(self) -> None:
        await self.real.aclose()
