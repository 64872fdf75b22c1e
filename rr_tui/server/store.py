"""The reference server's store: `Store` opens the database, serialises writes and reads.

Reads (the delta pages pollers ask for every second, one incident, a
timeline, the contacts directory) run on their own connection and see one
snapshot each. Writes go through `Store.write()`, which queues writers on a
lock and yields a `transaction.Tx` on a connection that begins `IMMEDIATE`
on SQLite (see `schema`), so a change and everything it records commit
together or not at all. On PostgreSQL, where several server processes may
share one database, `isolation` serialises the writers and gives each read
its one snapshot.

Callers import `Store`, `Actor`, `Tx`, `Cursor` and `fingerprint` from here;
they live in `transaction` and `cursor`, the table rows' decoding in `rows`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select

from rr_tui.models import (
    DEFAULT_SLA,
    Contact,
    Incident,
    IncidentPage,
    Severity,
    Status,
    TimelineEvent,
    utcnow,
)
from rr_tui.server import isolation, migrate, rows, schema
from rr_tui.server.cursor import Cursor
from rr_tui.server.database import PoolOptions
from rr_tui.server.head import SEQ_QUERY, HeadReader
from rr_tui.server.transaction import Actor, Tx, fingerprint

__all__ = [
    "FIRST_INCIDENT_NO",
    "IDEMPOTENCY_TTL",
    "Actor",
    "Clock",
    "Cursor",
    "Store",
    "Tx",
    "fingerprint",
]

Clock = Callable[[], datetime]

IDEMPOTENCY_TTL = timedelta(days=7)
"""Idempotency keys older than this are forgotten when the store opens."""

FIRST_INCIDENT_NO = 1000
"""The number a new store counts incidents from (its first migration sets it)."""

_SEQ_QUERY = SEQ_QUERY


class Store:
    """The SQL store behind the reference server. Thread-safe."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = utcnow,
        sla: Mapping[Severity, timedelta] = DEFAULT_SLA,
        resolved_window: timedelta = timedelta(hours=24),
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.sla = dict(sla)
        self.resolved_window = resolved_window
        # SQLite serialises writers anyway; queueing them here first keeps the
        # threadpool from spinning on the database lock.
        self._write_lock = threading.Lock()
        self._head = HeadReader(engine)
        self.epoch = self._init_counters()
        self._contacts: list[Contact] | None = None
        self._contacts_etag = ""

    @classmethod
    def open(
        cls,
        url: str,
        *,
        sqlite_sync: schema.SqliteSync = "full",
        pool: PoolOptions | None = None,
        **kwargs: Any,
    ) -> Store:
        """Open the store at a SQLAlchemy URL, creating or migrating its schema as needed."""
        return cls(schema.make_engine(url, sqlite_sync=sqlite_sync, pool=pool), **kwargs)

    def close(self) -> None:
        """Release the database connections."""
        self._head.close()
        self.engine.dispose()

    def _init_counters(self) -> str:
        # Schema, counters and epoch come from the migrations, under a lock of their
        # own: several servers may open one new database at once (see `migrate`).
        migrate.upgrade(self.engine)
        with self._writing() as conn:
            epoch = conn.scalar(select(schema.meta.c.value).where(schema.meta.c.key == "epoch"))
            cutoff = self.clock() - IDEMPOTENCY_TTL
            conn.execute(delete(schema.idempotency).where(schema.idempotency.c.created_at < cutoff))
        return str(epoch)

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        try:
            with self._write_lock, self.engine.connect() as conn:
                conn.execution_options(**{schema.WRITE: True})
                with conn.begin():
                    yield conn
        finally:
            # Committed (or rolled back) and visible: the next poll reads the head afresh.
            self._head.forget()

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One write transaction: everything done through the `Tx` commits together.

        It starts once no other writer of the database, in any process, is in one.
        """
        with self._writing() as conn:
            isolation.serialise_writers(conn)
            yield Tx(conn, self.clock(), self.sla)

    # --- reads ----------------------------------------------------------------

    def head(self) -> Cursor:
        """The cursor of the newest change: one indexed read, for the no-change fast path."""
        return Cursor(self.epoch, self._head.read())

    async def shared_head(self) -> Cursor:
        """`head`, read in the threadpool once for every poll that asks meanwhile.

        See `HeadReader.read_shared`: what the no-change poll reads across the network.
        """
        return Cursor(self.epoch, await self._head.read_shared())

    def recent_head(self) -> Cursor | None:
        """A head read moments ago, or None: see `HeadReader.recent` for what it may miss.

        No I/O, so the no-change poll can answer from it on the event loop.
        Only ever for answering "nothing changed"; `head` reads now.
        """
        seq = self._head.recent()
        return None if seq is None else Cursor(self.epoch, seq)

    @property
    def head_is_local(self) -> bool:
        """Whether `head` reads a local file (SQLite) rather than across the network."""
        return self._head.local

    def changes(self, since: Cursor | None, limit: int) -> IncidentPage:
        """Incidents changed after `since`, oldest change first, at most `limit` of them.

        Without a usable cursor (none, another database's, or one from the
        future) the page starts a full snapshot (`reset`): every open incident
        plus those resolved within `resolved_window`.
        """
        with isolation.snapshot(self.engine) as conn:
            head = int(conn.scalar(_SEQ_QUERY) or 0)
            table = schema.incidents
            reset = since is None or since.epoch != self.epoch or since.seq > head
            query = select(table).order_by(table.c.change_seq).limit(limit + 1)
            if reset:
                cutoff = self.clock() - self.resolved_window
                query = query.where(
                    or_(table.c.status != Status.RESOLVED.value, table.c.resolved_at >= cutoff)
                )
            else:
                assert since is not None
                query = query.where(table.c.change_seq > since.seq)
            found = rows.dicts(conn.execute(query))
        more = len(found) > limit
        found = found[:limit]
        last = found[-1]["change_seq"] if more else head
        return IncidentPage(
            items=rows.incidents(found),
            cursor=Cursor(self.epoch, last).encode(),
            server_time=self.clock(),
            reset=reset,
            more=more,
        )

    def get(self, incident_id: str) -> Incident:
        """One incident, or NotFound."""
        with self.engine.connect() as conn:
            return rows.load_incident(conn, incident_id)

    def timeline(self, incident_id: str, after: int = 0, limit: int = 1000) -> list[TimelineEvent]:
        """An incident's timeline events with `seq > after`, oldest first."""
        table = schema.timeline
        with isolation.snapshot(self.engine) as conn:
            rows.load_incident(conn, incident_id)
            events = conn.execute(
                select(table)
                .where(table.c.incident_id == incident_id, table.c.seq > after)
                .order_by(table.c.seq)
                .limit(limit)
            ).mappings()
            return [TimelineEvent.model_validate(dict(row)) for row in events]

    def count(self, *, open_only: bool = True) -> int:
        """How many incidents there are (open ones only by default)."""
        query = select(func.count()).select_from(schema.incidents)
        if open_only:
            query = query.where(schema.incidents.c.status != Status.RESOLVED.value)
        with self.engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    def contacts(self) -> tuple[list[Contact], str]:
        """The stakeholder directory and its ETag (cached; the directory rarely changes)."""
        if self._contacts is None:
            with self.engine.connect() as conn:
                docs = conn.execute(select(schema.contacts.c.doc).order_by(schema.contacts.c.id))
                self._set_contacts([Contact.model_validate(doc) for (doc,) in docs])
        assert self._contacts is not None
        return self._contacts, self._contacts_etag

    def replace_contacts(self, contacts: Sequence[Contact]) -> None:
        """Replace the whole stakeholder directory."""
        with self._writing() as conn:
            isolation.serialise_writers(conn)
            conn.execute(delete(schema.contacts))
            if contacts:
                conn.execute(
                    insert(schema.contacts),
                    [{"id": c.id, "doc": c.model_dump(mode="json")} for c in contacts],
                )
        self._set_contacts(list(contacts))

    def forget_contacts(self) -> None:
        """Drop the cached directory: it was written through a `Tx` (seeding)."""
        self._contacts = None

    def _set_contacts(self, contacts: list[Contact]) -> None:
        digest = hashlib.sha256()
        for contact in contacts:
            digest.update(contact.model_dump_json().encode())
        self._contacts = contacts
        self._contacts_etag = f'"c-{digest.hexdigest()[:20]}"'

    def open_incidents(self) -> list[Incident]:
        """Every open incident (for the simulator's choices)."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(schema.incidents).where(schema.incidents.c.status != Status.RESOLVED.value)
            ).mappings()
            return [rows.incident(row) for row in found]
