"""The newest change number in one database round trip: the no-change poll's only read.

Every dashboard asks for it every second or so, and most answers are a 304, so on
PostgreSQL its cost is the server's idle load. Through the store's engine it took
four round trips: the pool's pre-ping, BEGIN, the SELECT and the ROLLBACK on return.
Here it is one: a pool of its own in autocommit (a single-statement read needs no
transaction; READ COMMITTED sees the last commit either way) and no pre-ping; a
connection a database restart broke is instead retried once on a fresh one, so
the first poll after a restart still answers. SQLite reads a local file: the
store's engine serves it as before.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, select
from sqlalchemy.exc import DBAPIError

from rr_tui.server import schema

SEQ_QUERY = select(schema.counters.c.value).where(schema.counters.c.name == "change_seq")
"""The newest change number: one indexed read."""


class HeadReader:
    """Reads `counters.change_seq` for a store, in one round trip where it matters."""

    def __init__(self, engine: Engine) -> None:
        self._own = engine.dialect.name != "sqlite"
        self._engine = engine
        if self._own:
            # As many connections as the store's pool keeps (QueuePool.size()).
            size = int(getattr(engine.pool, "size", lambda: 5)())
            self._engine = create_engine(
                engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False, pool_size=size
            )

    @property
    def local(self) -> bool:
        """Whether a read is a local file's (SQLite: microseconds, fine on the event loop)."""
        return not self._own

    def read(self) -> int:
        """The newest change number (0 for a new store)."""
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
        if self._own:
            self._engine.dispose()
