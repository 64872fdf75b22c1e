"""Shared fixtures: a real reference server on a free loopback port, and clients for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from rr_tui.models import API_PREFIX, Role
from rr_tui.server import seed_data
from rr_tui.server.api import create_app
from rr_tui.server.auth import User, Users, digest
from rr_tui.server.runner import ServerThread
from rr_tui.server.store import Store

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


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store (no incidents, demo contacts)."""
    store = open_store(tmp_path)
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
