"""Two servers started at once on one empty database seed it once (issue 11, item 8).

Each thread opens its own `Store` (its own engine and write lock), as two
`rr-tui serve --seed` processes would, and they start together at a barrier.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rr_tui.server import schema, seed_data
from rr_tui.server.seed import seed_demo
from rr_tui.server.store import Store

SERVERS = 4
ROUNDS = 25


def _connect(url: str, start: threading.Barrier) -> str:
    start.wait()
    engine = schema.make_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
    finally:
        engine.dispose()


def test_connections_opened_at_once_on_a_new_file_all_get_wal(tmp_path: Path) -> None:
    """Switching a new file to WAL is "database is locked" at once for the losers of
    a race, busy timeout or not (seen in CI); every opener must wait and get WAL."""
    for round_no in range(ROUNDS):
        url = f"sqlite:///{tmp_path / f'new{round_no}.db'}"
        start = threading.Barrier(SERVERS)
        with ThreadPoolExecutor(SERVERS) as pool:
            modes = list(pool.map(_connect, [url] * SERVERS, [start] * SERVERS))
        assert modes == ["wal"] * SERVERS


def _open_and_seed(url: str, start: threading.Barrier) -> int:
    start.wait()
    store = Store.open(url, sqlite_sync="normal")
    try:
        return seed_demo(store)
    finally:
        store.close()


def test_servers_started_at_once_seed_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    start = threading.Barrier(SERVERS)
    with ThreadPoolExecutor(SERVERS) as pool:
        added = list(pool.map(lambda _: _open_and_seed(url, start), range(SERVERS)))
    store = Store.open(url, sqlite_sync="normal")
    try:
        expected = len(seed_data.demo_incidents(random.Random(2041)))
        assert sorted(added) == [0] * (SERVERS - 1) + [expected]
        assert store.count(open_only=False) == expected
        contacts, _ = store.contacts()
        assert len(contacts) == len(seed_data.demo_contacts())
    finally:
        store.close()


def test_a_database_with_incidents_is_not_seeded(tmp_path: Path) -> None:
    """A store with data from before seeding kept a marker is left as it is."""
    store = Store.open(f"sqlite:///{tmp_path / 'old.db'}", sqlite_sync="normal")
    try:
        seed_demo(store)
        before = store.count(open_only=False)
        assert seed_demo(store) == 0
        assert store.count(open_only=False) == before
    finally:
        store.close()
