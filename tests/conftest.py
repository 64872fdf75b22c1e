"""Shared fixtures: a real reference server on a free loopback port, and clients for it."""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.worker import WorkerCancelled

from rr_tui.app import RrApp
from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.models import API_PREFIX, Role
from rr_tui.options import DashboardOptions
from rr_tui.server import seed_data
from rr_tui.server.api import create_app
from rr_tui.server.auth import User, Users, digest
from rr_tui.server.runner import ServerThread
from rr_tui.server.seed import seed_demo
from rr_tui.server.store import Store
from rr_tui.widgets.queue import QueueView

LEAD = "lead-token-000000000001"
ANALYST = "analyst-token-0000000001"
OTHER_ANALYST = "analyst-token-0000000002"

TEST_USERS = Users(
    [
        User("lee.lead", Role.LEAD, digest(LEAD)),
        User("ana.lyst", Role.ANALYST, digest(ANALYST)),
        User("oth.er", Role.ANALYST, digest(OTHER_ANALYST)),
    ]
)

DEMO_USERS = Users(TEST_USERS, roster=seed_data.ANALYSTS)
"""The test users, and the demo's analysts who own seeded incidents (assignable, no token)."""


@dataclass
class RunningServer:
    """A reference server running on loopback, and its store for checking state directly."""

    url: str
    store: Store

    def client(self, token: str | None = LEAD) -> httpx.Client:
        """An HTTP client for the API, authenticated with `token` (None: no header)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url + API_PREFIX, headers=headers, timeout=10)


def open_store(tmp_path: Path) -> Store:
    """A fresh store in a temporary SQLite file, with the demo directory loaded."""
    store = Store.open(f"sqlite:///{tmp_path / 'rr.db'}", sqlite_sync="normal")
    store.replace_contacts(seed_data.demo_contacts())
    return store


STORE_URL = os.environ.get("RR_TEST_STORE_URL", "")
"""The database the store tests run on (`make pytest-pg` sets it); empty: SQLite files."""


@contextmanager
def store_url(tmp_path: Path, name: str = "rr.db") -> Iterator[str]:
    """An empty database for one test: in `RR_TEST_STORE_URL`, or a fresh SQLite file.

    On PostgreSQL a fresh schema, made first on the connections' search path,
    so `Store.open` creates every table anew; dropped with all it holds after.
    """
    if not STORE_URL:
        yield f"sqlite:///{tmp_path / name}"
        return
    parsed = make_url(STORE_URL)
    if parsed.get_backend_name() != "postgresql":
        yield STORE_URL  # another store: the caller hands over an empty database
        return
    schema_name = f"test_{secrets.token_hex(6)}"
    admin = create_engine(parsed, pool_pre_ping=True)  # it outlives a restart (test_db_config)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema_name}"))
        yield parsed.update_query_dict(
            {"options": f"-csearch_path={schema_name}"}
        ).render_as_string(hide_password=False)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema_name} CASCADE"))
    finally:
        admin.dispose()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store (no incidents, demo contacts) on the database under test (`store_url`)."""
    with store_url(tmp_path) as url:
        store = Store.open(url, sqlite_sync="normal")
        store.replace_contacts(seed_data.demo_contacts())
        yield store
        store.close()


@pytest.fixture
def server(store: Store) -> Iterator[RunningServer]:
    """The reference server over `store`, on a free loopback port."""
    with ServerThread(create_app(store, TEST_USERS)) as thread:
        yield RunningServer(thread.url, store)


@pytest.fixture
def lead(server: RunningServer) -> Iterator[httpx.Client]:
    """A client holding the lead's token."""
    with server.client(LEAD) as client:
        yield client


@pytest.fixture
def analyst(server: RunningServer) -> Iterator[httpx.Client]:
    """A client holding an analyst's token."""
    with server.client(ANALYST) as client:
        yield client


# --- the dashboard against a seeded server with a frozen clock ----------------------

SHIFT_START = datetime(2026, 11, 24, 6, 32, tzinfo=UTC)
"""A Tuesday: 14:32 in Singapore, the middle of an APAC shift."""


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = SHIFT_START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    """A frozen clock at SHIFT_START, shared by server and dashboard."""
    return FakeClock()


@pytest.fixture
def demo_server(tmp_path: Path, clock: FakeClock) -> Iterator[RunningServer]:
    """The reference server with the demo data set, seeded at a frozen time."""
    store = Store.open(f"sqlite:///{tmp_path / 'demo.db'}", sqlite_sync="normal", clock=clock)
    seed_demo(store, random.Random(2041))
    with ServerThread(create_app(store, DEMO_USERS)) as thread:
        yield RunningServer(thread.url, store)
    store.close()


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test away from the developer's own config, cache and state."""
    monkeypatch.setenv("RR_TUI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("RR_TUI_TOKEN", raising=False)


def make_app(
    url: str,
    clock: FakeClock,
    *,
    token: str = LEAD,
    options: DashboardOptions | None = None,
    cache: Path | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    name: str = "rr test",
) -> RrApp:
    """A dashboard on `url` that polls only when a test says so."""
    # Generous: under load (2 cores, a busy CI) a 2 s answer is slow, not lost, and
    # the tests that want a timeout force one with a transport.
    backend = RrHttpBackend(url, token, name=name, timeout=15.0, transport=transport)
    return RrApp(
        backend,
        options or DashboardOptions(title="RR · APAC shift"),
        clock=clock,
        contacts_cache=cache,
        rng=random.Random(7),
        auto_poll=False,
    )


async def until(
    predicate: Callable[[], object],
    pilot: Pilot[None] | None = None,
    *,
    within: float = 10.0,
    what: str = "",
) -> None:
    """Wait until `predicate()` holds, letting the app run; fail after `within` seconds.

    The one way tests wait: on a condition with a deadline, never for a fixed time.
    """
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what or predicate}")
        if pilot is not None:
            await pilot.pause()
        else:
            await asyncio.sleep(0.005)


async def settle(app: RrApp, pilot: Pilot[None]) -> None:
    """Wait for every worker (poll, timeline, contacts) and the messages and repaint after them.

    An exclusive worker replaced by a newer one (two quick key presses fetch two
    timelines) ends cancelled: that is the app working as meant, so wait again.
    A worker that failed still fails the test.
    """
    for _ in range(3):
        for _ in range(5):
            try:
                await app.workers.wait_for_complete()
                break
            except WorkerCancelled:
                continue
        await pilot.pause()


async def drained(app: RrApp, pilot: Pilot[None]) -> None:
    """Wait until the outbox has sent everything it can, and the screen has shown it."""

    async def idle() -> bool:
        await settle(app, pilot)
        return not app.outbox.waiting() and not app.drainer.running

    deadline = time.monotonic() + 20
    while not await idle():
        if time.monotonic() > deadline:
            raise AssertionError(f"outbox still holds {app.outbox.waiting()}")


def screen_text(app: App[None]) -> str:
    """Everything on screen, as plain text, line by line (dialogs over the dashboard included).

    The one place tests read Textual's compositor: there is no public text export.
    """
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def toasts(app: RrApp) -> list[str]:
    """What the dashboard's toasts said, oldest first."""
    return [notice.message for notice in app.notices]


async def poll_now(app: RrApp, pilot: Pilot[None]) -> None:
    """Run one poll and wait for everything it set off."""
    app.poll()
    await settle(app, pilot)


@dataclass
class Dashboard:
    """A running dashboard, as a test drives it: keys in, screen and server out."""

    app: RrApp
    pilot: Pilot[None]

    @property
    def queue(self) -> QueueView:
        """The queue widget."""
        return self.app.query_one(QueueView)

    @property
    def screen(self) -> Screen[Any]:
        """The screen on top (a dialog, or the dashboard)."""
        return self.app.screen

    def on_dashboard(self) -> bool:
        """Whether no dialog covers the dashboard."""
        return self.app.screen is self.app.dashboard

    async def press(self, *keys: str) -> None:
        """Type keys, one event each, as Pilot sends them."""
        await self.pilot.press(*keys)

    async def settle(self) -> None:
        """Wait for the workers and what they set off."""
        await settle(self.app, self.pilot)

    async def drained(self) -> None:
        """Wait until the outbox has sent what it can."""
        await drained(self.app, self.pilot)

    async def poll(self) -> None:
        """Poll now and wait for what it set off."""
        await poll_now(self.app, self.pilot)

    async def select(self, incident_id: str) -> None:
        """Put the cursor on an incident the queue shows."""
        assert self.queue.select(incident_id), f"{incident_id} is not in the queue"
        await self.settle()

    def text(self) -> str:
        """The screen as text."""
        return screen_text(self.app)

    def toasts(self) -> list[str]:
        """What the toasts said."""
        return toasts(self.app)

    async def until(
        self, predicate: Callable[[], object], what: str = "", *, within: float = 10.0
    ) -> None:
        """Wait until `predicate()` holds."""
        await until(predicate, self.pilot, what=what, within=within)


DashboardFactory = Callable[..., AbstractAsyncContextManager[Dashboard]]


@pytest.fixture
def dashboard(request: pytest.FixtureRequest, clock: FakeClock) -> DashboardFactory:
    """Open the dashboard: `async with dashboard() as d:` (on the demo server unless `url`).

    Keyword arguments: `token`, `options`, `cache`, `size` (default 160x48), `url`, and
    `transport` (to force faults the real server cannot produce on demand).
    The first poll has been shown when the block starts.
    """

    @asynccontextmanager
    async def open_dashboard(
        *,
        token: str = LEAD,
        options: DashboardOptions | None = None,
        cache: Path | None = None,
        size: tuple[int, int] = (160, 48),
        url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> AsyncIterator[Dashboard]:
        if url is None:
            url = request.getfixturevalue("demo_server").url
        app = make_app(url, clock, token=token, options=options, cache=cache, transport=transport)
        async with app.run_test(size=size) as pilot:
            board = Dashboard(app, pilot)
            await board.settle()
            yield board

    return open_dashboard
