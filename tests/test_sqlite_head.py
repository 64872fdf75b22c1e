"""SQLite's head read on a bare connection (`sqlite_head`): as fresh and as safe as the engine's.

A commit by another process (here: another store on the same file) must reach
the very next read on the same thread, so the bare connection may never hold a
read transaction open between reads; a database in memory, or a bare
connection that broke, is read through the engine as before.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rr_tui.models import Role
from rr_tui.server import seed_data
from rr_tui.server.store import Actor, Store

LEAD = Actor("lead", Role.LEAD)


def _add(store: Store) -> None:
    with store.write() as tx:
        tx.create(seed_data.random_incident(random.Random(1)), LEAD)


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """Two stores on one SQLite file: a server's and another process's."""
    url = f"sqlite:///{tmp_path / 'rr.db'}"
    ours, theirs = Store.open(url, sqlite_sync="normal"), Store.open(url, sqlite_sync="normal")
    yield ours, theirs
    ours.close()
    theirs.close()


def test_another_writers_commit_reaches_the_next_read_on_the_same_thread(
    two: tuple[Store, Store],
) -> None:
    ours, theirs = two
    assert ours._head._bare is not None
    seen = [ours.head().seq]
    for _ in range(3):
        _add(theirs)
        seen.append(ours.head().seq)
    assert seen == [seen[0] + n for n in range(4)]
    assert seen[-1] == theirs.head().seq


def test_each_thread_reads_on_its_own_connection(two: tuple[Store, Store]) -> None:
    ours, theirs = two
    _add(theirs)
    answers: list[int] = []
    thread = threading.Thread(target=lambda: answers.append(ours.head().seq))
    thread.start()
    thread.join(10)
    assert answers == [ours.head().seq] == [theirs.head().seq]
    assert ours._head._bare is not None
    assert len(ours._head._bare._open) == 2


def test_a_database_in_memory_is_read_through_the_engine() -> None:
    store = Store.open("sqlite://")
    try:
        assert store._head._bare is None
        _add(store)
        assert store.head().seq == 1
    finally:
        store.close()


def test_a_broken_bare_connection_falls_back_to_the_engine_and_is_replaced(
    two: tuple[Store, Store],
) -> None:
    ours, theirs = two
    bare = ours._head._bare
    assert bare is not None
    ours.head()
    broken: sqlite3.Connection = bare._local.conn
    broken.close()  # as a handle gone bad would fail: a sqlite3 error on the next read
    _add(theirs)
    assert ours.head().seq == theirs.head().seq  # through the engine this once
    assert bare._local.conn is None
    _add(theirs)
    assert ours.head().seq == theirs.head().seq  # a fresh bare connection
    assert bare._local.conn is not None
    assert bare._local.conn is not broken


def test_closed_reader_reads_nothing_and_the_store_still_answers(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'rr.db'}", sqlite_sync="normal")
    bare = store._head._bare
    assert bare is not None
    store.head()
    bare.close()
    assert bare.read() is None
    assert store.head().seq == 0  # the engine answers
    store.close()
