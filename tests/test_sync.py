"""The rr HTTP adapter and the poller: on the real server, and a faulty transport for faults."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import httpx
import pytest

from rr_tui.backends import Conflict, NotAllowed, Rejected, Unauthorized, Unavailable
from rr_tui.backends.rr_http import MAX_PAGES, RrHttpBackend
from rr_tui.listing import fetch_view
from rr_tui.models import IncidentPatch, Role, Severity
from rr_tui.options import SavedView
from rr_tui.server.store import Actor
from rr_tui.sync.connection import LinkState
from rr_tui.sync.poller import BEHIND_AFTER, Backoff, Poller
from rr_tui.sync.store import IncidentStore
from rr_tui.widgets.status import connection_text
from tests.conftest import ANALYST, LEAD, FakeClock, RunningServer

HTML = {"content-type": "text/html"}

Mutate = Callable[[httpx.Request, httpx.Response], httpx.Response]


class FaultyTransport(httpx.AsyncBaseTransport):
    """Passes requests to the real server, then lets a test spoil the answer.

    Only for faults the reference server cannot be made to produce on demand:
    a 500, a 429, invalid JSON, a record that breaks the schema.
    """

    def __init__(self, mutate: Mutate | None = None) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.mutate = mutate

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.real.handle_async_request(request)
        await response.aread()
        if self.mutate is None:
            return response
        return self.mutate(request, response)

    async def aclose(self) -> None:
        await self.real.aclose()


def backend(server: RunningServer, token: str = LEAD, **kwargs: object) -> RrHttpBackend:
    return RrHttpBackend(server.url, token, **kwargs)  # type: ignore[arg-type]


async def test_changes_full_then_delta_then_not_modified(demo_server: RunningServer) -> None:
    client = backend(demo_server, page_limit=25)
    try:
        full = await client.changes(None)
        assert full.reset
        snapshot = demo_server.store.changes(None, 10_000).items
        assert [i.id for i in full.items] == [i.id for i in snapshot]  # 25 a page, all pages
        again = await client.changes(full.cursor)
        assert again.not_modified
        target = full.items[0]
        with demo_server.store.write() as tx:
            tx.add_note(target.id, "new", Actor("lee.lead", Role.LEAD))
        delta = await client.changes(full.cursor)
        assert not delta.reset
        assert [(i.id, i.version) for i in delta.items] == [(target.id, target.version + 1)]
    finally:
        await client.aclose()


async def test_contacts_etag_and_timeline_and_me(demo_server: RunningServer) -> None:
    client = backend(demo_server)
    try:
        contacts = await client.contacts()
        assert contacts is not None
        assert len(contacts) >= 25
        assert await client.contacts() is None  # 304: unchanged
        incident = demo_server.store.open_incidents()[0]
        events = await client.timeline(incident.id)
        assert events == demo_server.store.timeline(incident.id)
        assert await client.timeline(incident.id, after=events[-1].seq) == []
        me = await client.me()
        assert me.name == "lee.lead"
    finally:
        await client.aclose()


async def test_write_errors_become_typed_rejections(demo_server: RunningServer) -> None:
    incident = demo_server.store.open_incidents()[0]
    lead, analyst = backend(demo_server), backend(demo_server, ANALYST)
    try:
        with pytest.raises(Conflict) as conflict:
            await lead.patch(incident.id, IncidentPatch(severity=Severity.SEV0), 999, "k1")
        assert conflict.value.current.version == incident.version
        lower = Severity.from_rank(incident.severity.rank + 1)
        if lower is not incident.severity:
            with pytest.raises(NotAllowed):
                await analyst.patch(
                    incident.id, IncidentPatch(severity=lower), incident.version, "k2"
                )
        with pytest.raises(Rejected) as missing:
            await lead.add_note("RR-99999", "x", "k3")
        assert missing.value.status == 404
        result = await lead.add_note(incident.id, "confirmed", "k4")
        assert result.incident.version == incident.version + 1
    finally:
        await lead.aclose()
        await analyst.aclose()


async def test_bad_token_is_unauthorized(demo_server: RunningServer) -> None:
    client = backend(demo_server, "wrong-token-000000")
    try:
        with pytest.raises(Unauthorized):
            await client.changes(None)
    finally:
        await client.aclose()


async def test_unreachable_backend_is_unavailable() -> None:
    client = RrHttpBackend("http://127.0.0.1:9", LEAD, timeout=1.0)
    try:
        with pytest.raises(Unavailable, match="cannot reach"):
            await client.changes(None)
    finally:
        await client.aclose()


def break_first_record(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    if request.url.path.endswith("/incidents") and response.status_code == 200:
        body = json.loads(response.content)
        if body["items"]:
            body["items"][0]["severity"] = "SEV9"
            body["items"][1]["title"] = ""
        return httpx.Response(200, json=body, headers={"etag": response.headers["etag"]})
    return response


async def test_records_that_break_the_schema_are_skipped_and_counted(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    client = backend(demo_server, transport=FaultyTransport(break_first_record))
    store = IncidentStore()
    poller = Poller(client, store, clock=clock)
    try:
        result = await poller.poll()
        assert len(result.skipped) == 2
        assert "severity" in result.skipped[0]
        assert poller.skipped_total == 2
        assert poller.connection.state is LinkState.LIVE
        assert store.total == len((await backend(demo_server).changes(None)).items) - 2
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda req, res: httpx.Response(500, text="boom"), "failed (500)"),
        (lambda req, res: httpx.Response(503, json={"error": "x"}), "failed (503)"),
        (lambda req, res: httpx.Response(200, text="{not json"), "malformed"),
        (lambda req, res: httpx.Response(200, json={"items": "nope"}), "malformed"),
        (lambda req, res: httpx.Response(200, json=[1, 2, 3]), "malformed"),
        (
            lambda req, res: httpx.Response(404, text="<h1>nginx</h1>", headers=HTML),
            "(404, text/html) answered by something else",
        ),
        (
            lambda req, res: httpx.Response(200, content=b'{"items": ' + b"[" * 100_000),
            "malformed",
        ),
    ],
    ids=[
        "500",
        "503",
        "invalid-json",
        "bad-envelope",
        "not-an-object",
        "proxy-html-404",
        "recursion-error-deep-json",
    ],
)
async def test_broken_answers_are_a_failed_poll_not_a_crash(
    demo_server: RunningServer, clock: FakeClock, mutate: Mutate, expected: str
) -> None:
    client = backend(demo_server, transport=FaultyTransport(mutate))
    store = IncidentStore()
    poller = Poller(client, store, clock=clock, backoff=Backoff(rng=random.Random(1)))
    try:
        result = await poller.poll()
        assert isinstance(result.error, Unavailable)
        assert expected in result.error.message
        assert poller.connection.state is LinkState.RETRYING
        assert 1.0 <= poller.delay <= 60.0
        assert store.total == 0
    finally:
        await client.aclose()


async def test_429_retry_after_is_respected(demo_server: RunningServer, clock: FakeClock) -> None:
    client = backend(
        demo_server,
        transport=FaultyTransport(
            lambda req, res: httpx.Response(429, headers={"Retry-After": "17"})
        ),
    )
    poller = Poller(client, IncidentStore(), clock=clock, backoff=Backoff(rng=random.Random(1)))
    try:
        await poller.poll()
        assert poller.delay >= 17
        assert "rate limiting" in poller.connection.error
    finally:
        await client.aclose()


async def test_recovery_resets_the_delay_and_keeps_the_data(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    failing = {"on": False}

    def maybe_fail(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        return httpx.Response(502) if failing["on"] else response

    client = backend(demo_server, transport=FaultyTransport(maybe_fail))
    store = IncidentStore()
    poller = Poller(client, store, clock=clock, interval=2.0, backoff=Backoff(rng=random.Random(3)))
    try:
        await poller.poll()
        held = store.total
        failing["on"] = True
        delays = []
        for _ in range(6):
            clock.advance(10)
            await poller.poll()
            delays.append(poller.delay)
        assert poller.connection.state is LinkState.OFFLINE
        assert store.total == held
        assert max(delays) <= 60
        failing["on"] = False
        await poller.poll()
        assert poller.connection.state.value == "live"
        assert poller.delay == 2.0
        assert poller.connection.failures == 0
    finally:
        await client.aclose()


def test_backoff_grows_capped_with_jitter() -> None:
    backoff = Backoff(base=1.0, cap=30.0, rng=random.Random(5))
    samples = {n: [backoff.delay(n) for _ in range(200)] for n in (1, 3, 6, 12)}
    assert all(1.0 <= d <= 30.0 for values in samples.values() for d in values)
    assert max(samples[1]) == 1.0
    assert max(samples[3]) <= 4.0
    assert max(samples[12]) > 20  # reaches the cap region
    assert len(set(samples[12])) > 100  # jittered, not in step


class MoreForever(httpx.AsyncBaseTransport):
    """A server whose every page of incidents says `more: true`; it gives up after `limit`."""

    def __init__(self, limit: int = 200) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.pages = 0
        self.limit = limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.real.handle_async_request(request)
        await response.aread()
        if not request.url.path.endswith("/incidents"):
            return response
        self.pages += 1
        if self.pages > self.limit:
            raise httpx.ConnectError("the test stopped an endless paging loop", request=request)
        body = json.loads(response.content)
        body["more"] = True
        return httpx.Response(200, json=body)

    async def aclose(self) -> None:
        await self.real.aclose()


async def test_more_true_forever_is_bounded_per_poll_and_shown_as_behind(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    transport = MoreForever()
    # One incident a page: the demo's 72 need more pages than one poll reads.
    client = backend(demo_server, transport=transport, page_limit=1)
    store = IncidentStore()
    poller = Poller(client, store, clock=clock, interval=2.0)
    try:
        first = await poller.poll()
        assert first.error is None
        assert transport.pages == MAX_PAGES
        assert store.total == MAX_PAGES  # what was read is applied
        assert poller.delay == 2.0  # the rest waits for the next poll, not a tight loop
        states = [poller.connection.state]
        for _ in range(BEHIND_AFTER - 1):
            await poller.poll()
            states.append(poller.connection.state)
        assert transport.pages == MAX_PAGES * BEHIND_AFTER
        assert states == [LinkState.LIVE] * (BEHIND_AFTER - 1) + [LinkState.BEHIND]
        assert "more" in poller.connection.error
        shown = connection_text(poller.connection, clock(), "UTC").plain
        assert shown == "◐ behind · 0s ago · more pages waiting"
    finally:
        await client.aclose()


async def test_more_true_with_a_cursor_that_does_not_move_ends_the_poll(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    asked: list[str | None] = []

    def stuck(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if not request.url.path.endswith("/incidents"):
            return response
        asked.append(request.url.params.get("since"))
        if len(asked) > 50:
            raise httpx.ConnectError("the test stopped an endless paging loop", request=request)
        return httpx.Response(200, json={"items": [], "cursor": "stuck", "more": True})

    client = backend(demo_server, transport=FaultyTransport(stuck))
    poller = Poller(client, IncidentStore(), clock=clock)
    try:
        for _ in range(BEHIND_AFTER):
            assert (await poller.poll()).error is None
        # The same page again would say the same: one ask per poll once stuck.
        assert asked == [None, "stuck", "stuck", "stuck"]
        assert poller.connection.state is LinkState.BEHIND
    finally:
        await client.aclose()


async def test_a_report_reads_every_page_although_one_call_is_bounded(
    demo_server: RunningServer,
) -> None:
    view = SavedView("all")
    everything, _ = await fetch_view(backend(demo_server), view)
    paged, _ = await fetch_view(backend(demo_server, page_limit=1, max_pages=5), view)
    assert [i.id for i in paged] == [i.id for i in everything]
    assert len(paged) > 5
