"""How the store's transactions see each other: writers one at a time, each read in one snapshot.

The delta protocol rests on two promises. Writers are serialised: a change's
version check and its write see every change committed before it, and change
numbers become visible in the order they were given, so a poller's cursor
never skips a change committed late. A read of several statements (a page
and the head it ends at) sees one snapshot, so nothing committed between two
of its statements is sent twice or counted as sent.

SQLite keeps both by itself: a write begins `IMMEDIATE` (the database's one
write lock, across processes) and a read's `BEGIN` on a WAL database reads one
snapshot (see `schema`). PostgreSQL's default, READ COMMITTED, keeps neither:
two server processes both read version 1, both passed the `If-Match` check and
both wrote version 2; a page read its rows after the head it ended at, so
rows committed in between came again on the next poll. The functions here
close both gaps, and cost nothing on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, select

from rr_tui.server import schema

_WRITERS_LOCK = (
    select(schema.counters.c.value).where(schema.counters.c.name == "change_seq").with_for_update()
)


def serialise_writers(conn: Connection) -> None:
    """Wait, first thing in a write transaction, until no other writer of the database is in one.

    The lock is the `change_seq` counter row's (`SELECT ... FOR UPDATE`), held
    to commit, rather than `pg_advisory_xact_lock(n)`:

    - every change already locks that row when it takes its change number;
      taking the lock first only moves the wait from the middle of the
      transaction (after the version check) to its start. No new lock exists,
      and change numbers still commit in the order they were given.
    - it is part of the data: any writer of this database, through this code,
      on any machine, meets it. An advisory lock is a number every writer has
      to agree on, invisible in the schema, and shares one space with every
      other advisory lock in the database (the migrations' start-up lock).
    - `FOR UPDATE` is standard SQL; an advisory lock is PostgreSQL's alone.

    Both cost one round trip per write. Under READ COMMITTED each later
    statement takes its snapshot after the lock is granted, so it sees every
    write committed before: the `If-Match` check reads the current version,
    and an `Idempotency-Key` sent to two processes at once finds the first
    one's answer and replays it instead of failing on the key's primary key.

    On SQLite the transaction began `IMMEDIATE` and already holds the lock.
    """
    if conn.dialect.name != "sqlite":
        conn.execute(_WRITERS_LOCK)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction whose statements all see one snapshot of the database.

    PostgreSQL: REPEATABLE READ, READ ONLY (the snapshot is taken at the first
    statement; a read-only transaction never fails to serialise and locks
    nothing writers wait for). SQLite: `BEGIN` on a WAL database already
    reads one snapshot. The pool resets both settings when the connection
    goes back, so writes on it later are READ COMMITTED as before.
    """
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            yield conn
