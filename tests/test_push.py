"""Push by long-polling (`server.push`, `RrHttpBackend(hold=...)`), against the real server.

Server side: a held delta request answers with the change that woke it, holds
no threadpool thread, and is woken by a commit made through another server
process (another engine over the same database). Client side: a push-driven
dashboard gets every change exactly once across dropped answers and a server
restart; it polls a server that does not push; a silent server is stalled
within 5 s.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.message import Message
from textual.worker import WorkerState

from rr_tui.app import RrApp
from rr_tui.backends.base import ChangeSet
from rr_tui.backends.rr_http import HOLD_SECONDS, RrHttpBackend
from rr_tui.models import API_PREFIX, IncidentCreate, Role
from rr_tui.options import DashboardOptions
from rr_tui.screens.messages import PollArrived
from rr_tui.server.api import create_app
from rr_tui.server.push import PUSH_HEADER, ChangeWatch
from rr_tui.server.runner import ServerThread
from rr_tui.server.store import Actor, Store
from rr_tui.sync.connection import LinkState
from rr_tui.sync.poller import HOLD_GRACE, STALL_LATE, Poller
from rr_tui.sync.store import IncidentStore
from rr_tui.widgets.status import StatusBar
from tests.conftest import LEAD, TEST_USERS, FakeClock, open_store, until

INTAKE = {"severity": "SEV1", "category": "hate_speech", "region": "TH", "source": "user_report"}


@dataclass
class Pushing:
    """A server whose push watch a test can see."""

    url: str
    store: Store
    watch: ChangeWatch

    def client(self) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {LEAD}"}
        return httpx.AsyncClient(base_url=self.url + API_PREFIX, headers=headers, timeout=20)


@pytest.fixture
def pushing(store: Store) -> Iterator[Pushing]:
    app = create_app(store, TEST_USERS)
    with ServerThread(app) as thread:
        yield Pushing(thread.url, store, app.state.push)


async def post(client: httpx.AsyncClient, title: str) -> str:
    response = await client.post("/incidents", json={"title": title, **INTAKE})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_held_requests_hold_no_thread_and_answer_the_change(pushing: Pushing) -> None:
    """More held requests than the threadpool has threads (40), and a write still goes through;
    every one of them answers with it."""
    async with pushing.client() as client:
        first = await client.get("/incidents")
        assert first.headers[PUSH_HEADER] == "10"
        cursor = first.json()["cursor"]
        held = [
            asyncio.create_task(client.get("/incidents", params={"since": cursor, "wait": 10}))
            for _ in range(45)
        ]
        await until(lambda: pushing.watch.waiting == 45, what="45 held requests")
        new = await post(client, "pushed to every waiter")
        answers = await asyncio.gather(*held)
    for answer in answers:
        assert answer.status_code == 200
        assert [item["id"] for item in answer.json()["items"]] == [new]


async def test_a_commit_through_another_process_wakes_the_waiters(
    pushing: Pushing, tmp_path: Path
) -> None:
    """A second server over the same database file has its own engine: no commit hook reaches
    this one, only the head check does."""
    # The same database as `pushing.store`, SQLite file or PostgreSQL schema alike.
    url = pushing.store.engine.url.render_as_string(hide_password=False)
    other = Store.open(url, sqlite_sync="normal")
    try:
        with ServerThread(create_app(other, TEST_USERS)) as thread:
            async with pushing.client() as client:
                cursor = (await client.get("/incidents")).json()["cursor"]
                held = asyncio.create_task(
                    client.get("/incidents", params={"since": cursor, "wait": 10})
                )
                await until(lambda: pushing.watch.waiting == 1, what="a held request")
                async with Pushing(thread.url, other, pushing.watch).client() as elsewhere:
                    new = await post(elsewhere, "written through the other process")
                answer = await held
    finally:
        other.close()
    assert [item["id"] for item in answer.json()["items"]] == [new]


class Recording(RrHttpBackend):
    """The real adapter, remembering every incident version each delta delivered."""

    def __init__(self, url: str, token: str, **kwargs: Any) -> None:
        super().__init__(url, token, **kwargs)
        self.delivered: list[tuple[str, int]] = []

    async def changes(self, cursor: str | None) -> ChangeSet:
        found = await super().changes(cursor)
        if cursor is not None:
            self.delivered.extend((item.id, item.version) for item in found.items)
        return found


class Dropping(httpx.AsyncBaseTransport):
    """The real transport; loses the next answer when told (the server did answer), or strips
    the push header (a server without push)."""

    def __init__(self, *, strip_push: bool = False) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.drop_next = False
        self.strip_push = strip_push
        self.urls: list[httpx.URL] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        response = await self.real.handle_async_request(request)
        await response.aread()
        if self.drop_next and request.url.path.endswith("/incidents"):
            self.drop_next = False
            raise httpx.ReadError("injected: connection dropped after the answer")
        if self.strip_push:
            headers = [(k, v) for k, v in response.headers.items() if k.lower() != "rr-push-hold"]
            return httpx.Response(response.status_code, headers=headers, content=response.content)
        return response


def live_app(url: str, transport: httpx.AsyncBaseTransport) -> tuple[RrApp, Recording]:
    backend = Recording(url, LEAD, timeout=5.0, transport=transport, hold=HOLD_SECONDS)
    options = DashboardOptions(title="RR · push", poll_interval=1.0)
    return RrApp(backend, options, clock=FakeClock(), rng=random.Random(7)), backend


async def test_push_delivers_every_change_once_across_drops_and_a_restart(
    tmp_path: Path,
) -> None:
    store = open_store(tmp_path)
    app_one = create_app(store, TEST_USERS)
    server = ServerThread(app_one).start()
    port = server.port
    transport = Dropping()
    app, backend = live_app(server.url, transport)
    base = server.url + API_PREFIX
    made: list[str] = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: app.poller.hold is not None, pilot, what="push offered")
            async with httpx.AsyncClient(
                base_url=base, headers={"Authorization": f"Bearer {LEAD}"}
            ) as lead:

                async def shown(incident_id: str) -> None:
                    await until(lambda: app.store.get(incident_id) is not None, pilot)

                made.append(await post(lead, "first, pushed"))
                await shown(made[-1])
                await until(lambda: app_one.state.push.waiting == 1, pilot)
                transport.drop_next = True
                made.append(await post(lead, "second, its answer lost"))
                await shown(made[-1])
                await until(lambda: app_one.state.push.waiting == 1, pilot)
                server.stop()
                with store.write() as tx:
                    body = IncidentCreate(title="third, while the server was down", **INTAKE)
                    made.append(tx.create(body, Actor("lee.lead", Role.LEAD)).id)
                server = ServerThread(create_app(store, TEST_USERS), port=port).start()
                await shown(made[-1])
                await until(lambda: app.poller.connection.state is LinkState.LIVE, pilot)
                await until(lambda: app.poller.hold is not None, pilot, what="push again")
                made.append(await post(lead, "fourth, after the restart"))
                await shown(made[-1])
    finally:
        server.stop()
        store.close()
    assert sorted(backend.delivered) == sorted((incident_id, 1) for incident_id in made)
    assert any("wait=" in str(url) for url in transport.urls)


async def test_one_worker_carries_every_pushed_poll(pushing: Pushing) -> None:
    """Push answers every few seconds for a whole shift: one long-lived poll worker loops
    over them (a worker per request cost about as much as the whole idle screen)."""
    app, backend = live_app(pushing.url, Dropping())
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: pushing.watch.waiting == 1, pilot, what="a held request")
        (first,) = [worker for worker in app.workers if worker.group == "poll"]
        async with pushing.client() as client:
            for n in range(3):
                made = await post(client, f"pushed {n}")
                await until(partial(app.store.get, made), pilot, what=f"{made} shown")
                await until(lambda: pushing.watch.waiting == 1, pilot, what="held again")
        assert app.poller.polls >= 4
        assert [worker for worker in app.workers if worker.group == "poll"] == [first]
        assert first.state is WorkerState.RUNNING
        assert len(backend.delivered) == 3


async def test_a_pushed_live_line_stays_still_between_changes(pushing: Pushing) -> None:
    """Under push "Ns ago" only counted 0-2s between heartbeats, repainting the line each
    second and at each heartbeat; it says "pushed" instead, and silence still says stalled."""
    app, _backend = live_app(pushing.url, Dropping())
    clock = app.poller.clock
    assert isinstance(clock, FakeClock)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.poller.connection.pushed, pilot, what="pushed and live")
        bar = app.dashboard.query_one(StatusBar)
        app.dashboard.tick()
        before = bar.line().plain
        assert "● live · pushed" in before
        clock.advance(3)
        app.dashboard.tick()
        assert bar.line().plain == before
        assert "ago" not in before


async def test_a_server_without_push_is_polled(pushing: Pushing) -> None:
    transport = Dropping(strip_push=True)
    app, _backend = live_app(pushing.url, transport)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.first_poll.is_set(), pilot, what="the first poll")
        async with pushing.client() as client:
            new = await post(client, "polled, not pushed")
        await until(lambda: app.store.get(new) is not None, pilot)
        assert app.poller.hold is None
        assert app.poller.delay == app.options.poll_interval
    assert not any("wait=" in str(url) for url in transport.urls)


class Silent(httpx.AsyncBaseTransport):
    """The real transport until told to go silent: then requests never get an answer."""

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.silent = False
        self.unanswered = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.silent:
            self.unanswered += 1
            await asyncio.Event().wait()
        return await self.real.handle_async_request(request)


async def test_a_silent_pushing_server_is_stalled_within_five_seconds(pushing: Pushing) -> None:
    clock = FakeClock()
    transport = Silent()
    backend = RrHttpBackend(pushing.url, LEAD, transport=transport, hold=HOLD_SECONDS)
    poller = Poller(backend, IncidentStore(), interval=2.0, clock=clock)
    await poller.poll()
    assert poller.hold == HOLD_SECONDS
    transport.silent = True
    under_way = asyncio.create_task(poller.poll())
    try:
        await until(lambda: transport.unanswered == 1, what="the poll sent")
        bound = HOLD_SECONDS + HOLD_GRACE
        clock.advance(bound - 0.1)
        assert not poller.check_stall()
        clock.advance(0.1)
        assert poller.check_stall()
        assert poller.connection.state is LinkState.STALLED
        # The poll's own watch fires at most STALL_LATE after that moment (next test).
        assert bound + STALL_LATE <= 5.0
    finally:
        under_way.cancel()
        await backend.aclose()


async def test_a_silent_server_turns_the_link_stalled_with_nobody_asking(pushing: Pushing) -> None:
    """The poll watches for its own stall: no timer asks every second any more (idle CPU).

    A real clock and a short hold (0.3 s: stalled 1.7 s after the request), so
    the watch itself must fire; nothing here calls `check_stall`.
    """
    transport = Silent()
    backend = RrHttpBackend(pushing.url, LEAD, transport=transport, hold=0.3)
    stalls: list[float] = []
    poller = Poller(backend, IncidentStore(), on_stall=lambda: stalls.append(time.monotonic()))
    await poller.poll()
    transport.silent = True
    sent = time.monotonic()
    under_way = asyncio.create_task(poller.poll())
    try:
        await until(lambda: bool(stalls), what="the stall to be told")
        assert poller.connection.state is LinkState.STALLED
        assert stalls[0] - sent >= 0.3 + HOLD_GRACE - 0.01  # not before its time
        assert len(stalls) == 1
    finally:
        under_way.cancel()
        await backend.aclose()


async def test_a_heartbeat_that_moved_nothing_is_not_told_to_the_screen(pushing: Pushing) -> None:
    """Every heartbeat posted a message to the screen, which woke to rebuild a status line
    that read the same (idle CPU); a change, a stall or a new problem is still told."""
    transport = Dropping()
    backend = Recording(pushing.url, LEAD, timeout=5.0, transport=transport, hold=0.2)
    app = RrApp(backend, DashboardOptions(title="RR"), clock=FakeClock(), rng=random.Random(7))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.poller.connection.pushed, pilot, what="pushed and live")
        told: list[PollArrived] = []
        forward = app.dashboard.post_message

        def spy(message: Message) -> bool:
            if isinstance(message, PollArrived):
                told.append(message)
            return forward(message)

        app.dashboard.post_message = spy  # type: ignore[method-assign]
        heard = len(transport.urls)
        await until(lambda: len(transport.urls) >= heard + 4, pilot, what="four heartbeats")
        assert told == []
        async with pushing.client() as client:
            new = await post(client, "told at once")
        await until(lambda: any(new in m.change.added for m in told), pilot, what="the change")
