"""The newest change number in one database round trip: the no-change poll's only read.

Every dashboard asks for it every second or so, and most answers are a 304, so on
PostgreSQL its cost is the server's idle load. Through the store's engine it took
four round trips: the pool's pre-ping, BEGIN, the SELECT and the ROLLBACK on return.
Here it is one: a pool of its own in autocommit (a single-statement read needs no
transaction; READ COMMITTED sees the last commit either way) and no pre-ping; a
connection a database restart broke is instead retried once on a fresh one, so
the first poll after a restart still answers. SQLite reads a local file, on a
bare connection of its own (`sqlite_head`: the engine's checkout, BEGIN and
ROLLBACK cost more than the read).

On PostgreSQL the no-change poll need not read at all (`recent`): the last read
is kept for `RECENT` seconds, so at a thousand polls a second a process reads
the head about twenty times. What that costs in freshness, and why the delta
protocol stays exact, is argued at `recent`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, create_engine, select
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from rr_tui.server import schema
from rr_tui.server.sqlite_head import BareHeadReader

SEQ_QUERY = select(schema.counters.c.value).where(schema.counters.c.name == "change_seq")
"""The newest change number: one indexed read."""

RECENT = 0.05
"""Seconds a head read on PostgreSQL answers no-change polls (`HeadReader.recent`) for."""


class HeadReader:
    """Reads `counters.change_seq` for a store, in one round trip where it matters."""

    def __init__(
        self,
        engine: Engine,
        *,
        recent: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._own = engine.dialect.name != "sqlite"
        self._engine = engine
        # None: `RECENT` across the network, nothing kept for SQLite's local read.
        self._recent = (RECENT if self._own else 0.0) if recent is None else recent
        self._clock = clock
        self._lock = threading.Lock()
        self._generation = 0
        """Bumped by `forget`: a read begun before a commit must not be kept after it."""
        self._kept: tuple[int, float] | None = None
        """The last read kept: (change number, `clock()` when its read began)."""
        self._pending: tuple[int, asyncio.Future[int]] | None = None
        """The `read_shared` under way: (generation it began in, its answer to be)."""
        self._bare = BareHeadReader.for_engine(engine, SEQ_QUERY)
        """SQLite on a file: the read without the engine (None: through the engine)."""
        if self._own:
            # As many connections as the store's pool keeps (QueuePool.size()).
            size = int(getattr(engine.pool, "size", lambda: 5)())
            self._engine = create_engine(
                engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False, pool_size=size
            )

    @property
    def engine(self) -> Engine:
        """The engine head reads run on (PostgreSQL: its own autocommit pool)."""
        return self._engine

    @property
    def local(self) -> bool:
        """Whether a read is a local file's (SQLite: microseconds, fine on the event loop)."""
        return not self._own

    def recent(self) -> int | None:
        """A head read begun under `RECENT` seconds ago, or None (then `read`). No I/O.

        Why a kept head keeps the delta protocol exact. It is only ever used to
        answer "nothing changed" (304, an empty page, or the start of a held
        wait); a page of changes is always read from one snapshot with its own
        head (`Store.changes`). So the worst a kept head can do is answer
        "nothing yet" for a change committed since its read began, and the
        client, whose cursor did not move, gets that change at its next poll:
        nothing is lost, skipped or sent twice. How late it can be:

        - a commit through this process `forget`s the kept head once it is
          visible, and a read begun before it is not kept after it (the
          generation), so this process's own writes are seen by the next poll;
        - a client whose cursor is past the kept head (it came from another
          process, newer) is not current against it: its poll reads afresh;
        - a commit through another process is answered "nothing yet" for at
          most `RECENT` seconds after it: the kept read began before the
          commit, and no read older than `RECENT` is used. Held requests learn
          of it within the push watcher's tick (0.1 s) in the same way, so a
          poll is never later than a push would be.
        """
        kept = self._kept
        if kept is None or self._clock() - kept[1] >= self._recent:
            return None
        return kept[0]

    def forget(self) -> None:
        """A write committed through this process: the kept head is out of date."""
        with self._lock:
            self._generation += 1
            self._kept = None

    def read(self) -> int:
        """The newest change number (0 for a new store), read now; kept for `recent`."""
        with self._lock:
            generation = self._generation
        began = self._clock()
        value = self._read()
        if self._recent > 0:
            with self._lock:
                # Kept only if no commit of ours came meanwhile, and no newer read was kept.
                if generation == self._generation and (self._kept is None or self._kept[1] < began):
                    self._kept = (value, began)
        return value

    async def read_shared(self) -> int:
        """`read` in the threadpool, one read for every caller that asks while it runs.

        When the kept head expires, every poll in flight misses it at once: on
        PostgreSQL sixteen connections' polls made sixteen reads, each on its
        own connection, and past the pool's size each a new connection opened
        and closed, so one process answered 0.6x SQLite's polls (issue 13).
        Joining a read under way is as fresh as using a kept one (it began
        moments ago), with the same rule for this process's own commits: a
        caller after a `forget` never joins a read begun before it.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            generation = self._generation
        pending = self._pending
        if pending is None or pending[0] != generation or pending[1].get_loop() is not loop:
            future = asyncio.ensure_future(run_in_threadpool(self.read))
            pending = self._pending = (generation, future)
            future.add_done_callback(lambda _done: self._done(pending))
        return await asyncio.shield(pending[1])

    def _done(self, pending: tuple[int, asyncio.Future[int]]) -> None:
        # A newer read may have replaced it (after a `forget`): that one stays.
        if self._pending is pending:
            self._pending = None

    def _read(self) -> int:
        if self._bare is not None:
            value = self._bare.read()
            if value is not None:
                return value
            # The bare connection failed: the engine reads, and says why if it fails too.
        for attempt in (1, 2):
            try:
                with self._engine.connect() as conn:
                    return int(conn.scalar(SEQ_QUERY) or 0)
            except DBAPIError as error:
                # A disconnect invalidates the pool's older connections: the retry
                # gets a new one. Anything else, or a second failure, is real.
                if attempt == 2 or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Release its connections (the store's engine is the store's to dispose)."""
        if self._bare is not None:
            self._bare.close()
        if self._own:
            self._engine.dispose()
