"""SQLite's head read on a bare connection: the no-change poll's read without SQLAlchemy.

Through the store's engine one head read was a pool checkout, the `BEGIN` the
store's `begin` hook issues (a statement of its own), the SELECT and the
ROLLBACK on return, each through SQLAlchemy's execution and event machinery:
about a quarter of a no-change poll's server CPU (pollcost, BENCHMARKS.md).
Here it is one statement on a DBAPI connection of the reader's own in
autocommit, one per thread (sqlite3 connections are not to be shared between
threads mid-statement), opened with the engine's own connect arguments.

Freshness is unchanged: a statement outside a transaction reads the newest
commit of any process (WAL), and the statement is stepped to its end, so no
read transaction is left open to pin an old snapshot for the next poll.
Nothing is kept between reads (`HeadReader.recent` stays off for SQLite).

An in-memory database is private to its connection, so it has no bare reader
(`for_engine` returns None) and is read through the engine as before; so is
any read whose bare connection fails, so an error reaches the caller as the
same SQLAlchemy error it always did.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, Select

from rr_tui.sqlite_files import BUSY_SECONDS


class BareHeadReader:
    """Reads `counters.change_seq` on a per-thread sqlite3 connection in autocommit."""

    def __init__(self, connect: Any, query: str) -> None:
        self._connect = connect
        self._query = query
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[sqlite3.Connection] = []
        self._closed = False

    @classmethod
    def for_engine(cls, engine: Engine, query: Select[Any]) -> BareHeadReader | None:
        """A reader of the file `engine` opens, running `query` (the head's own, compiled
        for SQLite with its values inline); None if not SQLite, or in memory."""
        if engine.dialect.name != "sqlite":
            return None
        database = engine.url.database or ""
        if database in ("", ":memory:") or "mode=memory" in database:
            return None
        cargs, cparams = engine.dialect.create_connect_args(engine.url)
        options = {**cparams, "check_same_thread": False, "isolation_level": None}

        def connect() -> sqlite3.Connection:
            conn: sqlite3.Connection = engine.dialect.loaded_dbapi.connect(*cargs, **options)
            conn.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000:.0f}")
            return conn

        text = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
        return cls(connect, str(text))

    def read(self) -> int | None:
        """The newest change number, or None when the bare connection failed (read otherwise)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        try:
            if conn is None:
                conn = self._opened()
                if conn is None:
                    return None
            # fetchall steps the statement to its end: no read transaction stays open.
            rows = conn.execute(self._query).fetchall()
        except sqlite3.Error:
            self._drop(conn)
            return None
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    def _opened(self) -> sqlite3.Connection | None:
        with self._lock:
            if self._closed:
                return None
            conn: sqlite3.Connection = self._connect()
            self._open.append(conn)
        self._local.conn = conn
        return conn

    def _drop(self, conn: sqlite3.Connection | None) -> None:
        # The next read on this thread opens a fresh one (a file replaced, a broken handle).
        self._local.conn = None
        if conn is None:
            return
        with self._lock:
            if conn in self._open:
                self._open.remove(conn)
        conn.close()

    def close(self) -> None:
        """Close every thread's connection; reads after this return None."""
        with self._lock:
            self._closed = True
            conns, self._open = self._open, []
        for conn in conns:
            conn.close()
