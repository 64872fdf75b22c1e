"""The status bar says exactly what is wrong with the link (issue 12), and ctrl+r retries now.

Against the real reference server on loopback; an `httpx` transport only for
what it cannot do on demand: hang, answer as a portal, refuse for a while.
"""

from __future__ import annotations

import asyncio
import random

import httpx
from textual.binding import Binding

from rr_tui.app import RrApp
from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.models import IncidentCreate, Role, Status
from rr_tui.screens.keys import binding_ids
from rr_tui.server.store import Actor
from rr_tui.sync.connection import LinkState, Problem
from rr_tui.sync.poller import REFUSED_RETRY, Poller
from rr_tui.sync.store import IncidentStore
from rr_tui.widgets.status import StatusBar
from tests.conftest import DashboardFactory, FakeClock, RunningServer, make_app, settle


def bar(app: RrApp) -> str:
    """The status bar's line, as text."""
    return str(app.query_one(StatusBar).render())


def state(app: RrApp) -> LinkState:
    """The link state now (a function, so mypy does not hold on to an older value)."""
    return app.poller.connection.state


class Gate(httpx.AsyncBaseTransport):
    """The real server behind a gate a test closes: polls hang, or writes answer 503."""

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.hang = False
        self.hung = 0
        self.refuse_writes = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.hang and request.url.path.endswith("/incidents"):
            self.hung += 1
            await asyncio.Event().wait()  # neither answers nor fails, until cancelled
        if self.refuse_writes and (request.method == "PATCH" or request.url.path.endswith("/me")):
            return httpx.Response(503, headers={"Retry-After": "600"})
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


async def test_a_refused_token_says_so_and_does_not_retry_like_a_dead_network(
    dashboard: DashboardFactory,
) -> None:
    async with dashboard(token="not-a-token-of-this-server") as d:
        assert state(d.app) is LinkState.REFUSED
        assert d.app.poller.connection.problem is Problem.TOKEN_REFUSED
        text = bar(d.app)
        assert "✖ token refused (401)" in text
        assert "check the token: rr-tui check-config" in text
        assert "offline" not in text
        assert d.app.poller.delay >= REFUSED_RETRY
        assert any("rr-tui check-config" in toast for toast in d.toasts()), d.toasts()


async def test_no_token_is_told_apart_from_a_refused_one(dashboard: DashboardFactory) -> None:
    async with dashboard(token="") as d:
        assert state(d.app) is LinkState.REFUSED
        assert "✖ no token configured" in bar(d.app)
        assert "check the token: rr-tui check-config" in bar(d.app)


async def test_403_says_not_permitted(demo_server: RunningServer, clock: FakeClock) -> None:
    def forbid(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": "forbidden", "message": "not for your role"}}
        return httpx.Response(403, json=body)

    client = RrHttpBackend(demo_server.url, "t", transport=httpx.MockTransport(forbid))
    poller = Poller(client, IncidentStore(), clock=clock)
    try:
        await poller.poll()
        assert poller.connection.state is LinkState.REFUSED
        assert poller.connection.problem is Problem.NOT_PERMITTED
        assert poller.delay >= REFUSED_RETRY
    finally:
        await client.aclose()


async def test_a_server_that_is_not_rr_is_told_apart_from_no_server(
    clock: FakeClock, dashboard: DashboardFactory
) -> None:
    def portal(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, html="<html><body>Please log in to the Wi-Fi</body></html>")

    async with dashboard(url="http://portal.test", transport=httpx.MockTransport(portal)) as d:
        assert d.app.poller.connection.problem is Problem.NOT_RR
        assert "not an rr server" in bar(d.app)
        assert "token" not in bar(d.app)

    def foreign_json(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "ok", "items": "none"})

    async with dashboard(url="http://other.test", transport=httpx.MockTransport(foreign_json)) as d:
        assert "not an rr server" in bar(d.app)

    nobody = make_app("http://127.0.0.1:9", clock)
    async with nobody.run_test(size=(160, 48)) as pilot:
        await settle(nobody, pilot)
        assert nobody.poller.connection.problem is Problem.NO_SERVER
        assert "no server" in bar(nobody)
        assert nobody.poller.delay <= nobody.options.poll_interval


async def test_a_stalled_poll_stops_saying_live_and_ctrl_r_polls_at_once(
    clock: FakeClock, dashboard: DashboardFactory
) -> None:
    gate = Gate()
    async with dashboard(transport=gate) as d:
        assert state(d.app) is LinkState.LIVE
        interval = d.app.options.poll_interval
        gate.hang = True
        d.app.poll()
        await d.until(lambda: gate.hung == 1, "the poll to be sent")
        clock.advance(2 * interval - 0.5)
        d.app.check_stall()
        assert state(d.app) is LinkState.LIVE  # not yet two intervals
        clock.advance(1)
        d.app.check_stall()
        await d.until(lambda: "◌ stalled" in bar(d.app), "the bar to say stalled")
        assert "live" not in bar(d.app)
        gate.hang = False
        await d.press("ctrl+r")
        await d.until(lambda: state(d.app) is LinkState.LIVE, "the retry to answer")
        await d.settle()
        assert "● live" in bar(d.app)


async def test_ctrl_r_sends_the_outbox_whatever_the_backoff(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    with demo_server.store.write() as tx:
        made = tx.create(
            IncidentCreate.model_validate(
                {
                    "title": "Retry me",
                    "severity": "SEV0",
                    "category": "privacy_doxxing",
                    "region": "PH",
                    "source": "trusted_flagger",
                }
            ),
            Actor("lee.lead", Role.LEAD),
        )
    gate = Gate()
    async with dashboard(transport=gate) as d:
        await d.select(made.id)
        gate.refuse_writes = True
        await d.press("a")
        await d.until(lambda: not d.app.drainer.running and d.app.outbox.waiting(), "a retry")
        assert demo_server.store.get(made.id).status is Status.NEW  # waits ~600 s
        gate.refuse_writes = False
        await d.press("ctrl+r")
        await d.drained()
    assert demo_server.store.get(made.id).status is Status.ACKNOWLEDGED


async def test_retry_is_a_key_and_a_palette_entry(dashboard: DashboardFactory) -> None:
    assert "app.retry" in binding_ids()
    async with dashboard() as d:
        titles = [command.title for command in d.app.get_system_commands(d.app.dashboard)]
        assert "Retry now" in titles
        keys = {b.id: b.key for b in d.app.BINDINGS if isinstance(b, Binding)}
        assert keys["app.retry"] == "ctrl+r"


def test_the_backoff_never_waits_longer_than_an_interval(clock: FakeClock) -> None:
    """After an outage the dashboard stayed offline ~36 s: the cap was 60 s, not the interval."""
    app = make_app("http://127.0.0.1:9", clock)
    interval = app.options.poll_interval
    assert max(app.poller.backoff.delay(n) for n in range(1, 40) for _ in range(20)) <= interval
    poller = Poller(app.backend, IncidentStore(), interval=3.0)
    poller.backoff.rng = random.Random(1)
    assert max(poller.backoff.delay(n) for n in range(1, 40)) <= 3.0
