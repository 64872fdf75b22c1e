"""The reference server's SQL schema (SQLAlchemy Core) and engine set-up.

SQLite is the default and runs in WAL mode so pollers read while a writer
writes. `synchronous` is FULL by default: a change the server has answered 2xx
for survives a crash of the process *and* of the machine. NORMAL is offered for
throw-away databases (tests, benchmarks), where losing the last transactions on
power loss does not matter. Any other SQLAlchemy URL (PostgreSQL) is used as is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.types import TypeDecorator

from rr_tui.server.database import DatabaseError, PoolOptions
from rr_tui.sqlite_files import BUSY_SECONDS, use_wal

SqliteSync = Literal["full", "normal"]


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime stored as fixed-width ISO 8601 text, for every year 1..9999.

    Fixed width keeps the text order equal to the time order on every database.
    `isoformat` pads the year to four digits; `strftime("%Y")` does not on glibc
    (year 1 became `1-01-01...`, which no read could parse), so it is not used.
    """

    impl = String(27)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the database")
        utc = value.astimezone(UTC).replace(tzinfo=None)
        return utc.isoformat(timespec="microseconds") + "Z"

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # fromisoformat (C, reads the Z) is ~30x faster than strptime, which
        # matters when a full list decodes 40,000 timestamps.
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            # Written before the fix with an unpadded year: read it, so a store
            # poisoned then serves its lists again.
            year, dash, rest = str(value).partition("-")
            if not (dash and year.isdigit() and len(year) < 4):
                raise
            return datetime.fromisoformat(f"{int(year):04d}-{rest}")


metadata = MetaData()

counters = Table(
    "counters",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Integer, nullable=False),
)
"""`change_seq`: the last change number; `incident_no`: the last incident number.

Every write transaction locks the `change_seq` row first (`isolation.serialise_writers`;
SQLite's `BEGIN IMMEDIATE`) and bumps it for each change, so writers in every
process take turns, change numbers become visible in commit order and a
poller's cursor never skips a change committed late.
"""

meta = Table(
    "meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)
"""`epoch`: a random id made with the database, so cursors from another database are detected;
`seeded`: when the demo data set was loaded (inserted in the seeding transaction, so two
servers started at once seed once)."""

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("severity", String(4), nullable=False),
    Column("status", String(16), nullable=False),
    Column("category", String(48), nullable=False),
    Column("region", String(2), nullable=False),
    Column("source", String(32), nullable=False),
    Column("assignee", String(64)),
    Column("escalated_to", JSON, nullable=False),
    Column("sensitive", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("acknowledged_at", UtcDateTime),
    Column("resolved_at", UtcDateTime),
    Column("due_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("links", JSON, nullable=False),
    # The soonest running clock (`clocks`), kept by every clock write for the queue.
    Column("deadline_at", UtcDateTime),
    Column("deadline_rule", String(64)),
    # The progress of the latest protocol run (`protocol_runs`), kept by every protocol write.
    Column("protocol", String(40)),
    Column("change_seq", Integer, nullable=False),
    Index("ix_incidents_change_seq", "change_seq", unique=True),
    Index("ix_incidents_status", "status"),
)

timeline = Table(
    "timeline",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("data", JSON, nullable=False),
    Column("message", Text, nullable=False),
    Index("ix_timeline_incident", "incident_id", "seq"),
    # Trends: the first event of some kinds per incident (migration 0005).
    Index("ix_timeline_kind", "kind", "incident_id", "at"),
)

escalations = Table(
    "escalations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("targets", JSON, nullable=False),
    Column("note", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

clocks = Table(
    "clocks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", String(64), nullable=False),
    Column("rule_id", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("doc", JSON, nullable=False),
    Index("ix_clocks_incident", "incident_id", "id"),
)
"""Legal and protocol clocks (`rr_tui.deadlines.Clock` as `doc`; state and due_at for queries)."""

protocol_runs = Table(
    "protocol_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", String(64), nullable=False),
    Column("protocol_id", String(64), nullable=False),
    Column("doc", JSON, nullable=False),
    Index("ix_protocol_runs_incident", "incident_id", "id"),
)
"""Protocols activated on incidents (`rr_tui.deadlines.ProtocolRun` as `doc`)."""

contacts = Table(
    "contacts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("doc", JSON, nullable=False),
)

handovers = Table(
    "handovers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", Integer, nullable=False),
    Column("author", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("since", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("acknowledged_by", String(64)),
    Column("acknowledged_at", UtcDateTime),
    Column("reply", Text, nullable=False),
    Index("ix_handovers_pending", "acknowledged_at", "id"),
)
"""Shift handover notes (`rr_tui.server.handovers`); pending while `acknowledged_at` is null."""

idempotency = Table(
    "idempotency",
    metadata,
    Column("actor", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
"""Keys are scoped to the user who sent them, so two clients cannot collide."""

WRITE = "rr_write"
"""Execution option that marks a connection's transaction as a write (BEGIN IMMEDIATE on SQLite)."""


DRIVERS = {"postgresql": "pip install 'rr-tui[postgres]'"}
"""How to install the driver a database needs, by SQLAlchemy backend name."""


class DriverMissing(DatabaseError):
    """The database's Python driver is not installed; the message names what to install."""


def make_engine(
    url: str, *, sqlite_sync: SqliteSync = "full", pool: PoolOptions | None = None
) -> Engine:
    """An engine for `url` with the pragmas and transaction handling the store relies on.

    Raises `DriverMissing` (one line naming the package) when the driver is not installed.
    """
    pool = pool or PoolOptions()
    sqlite = url.startswith("sqlite")
    options: dict[str, Any] = {
        "pool_pre_ping": not sqlite if pool.pre_ping is None else pool.pre_ping
    }
    if not url.startswith("sqlite:///:memory:") and url not in ("sqlite://", "sqlite:///"):
        options.update(pool_size=pool.size, max_overflow=pool.max_overflow)
    try:
        engine = create_engine(url, **options)
    except (NoSuchModuleError, ArgumentError, ValueError) as error:
        # Only the scheme is shown, and not the parser's words: they may quote the password.
        scheme = url.partition("://")[0] if "://" in url else "(no scheme)"
        what = (
            "an unknown kind of database" if isinstance(error, NoSuchModuleError) else "malformed"
        )
        raise DatabaseError(f"the database URL ({scheme}://…) is {what}") from None
    except ImportError as error:
        backend = url.partition(":")[0].partition("+")[0]
        hint = DRIVERS.get(backend, "install it")
        raise DriverMissing(
            f"the {backend} driver ({error.name or 'its DBAPI module'}) is not installed: {hint}"
        ) from None
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine, sqlite_sync)
    return engine


def _tune_sqlite(engine: Engine, sqlite_sync: SqliteSync) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module, which would
        # otherwise begin only at the first write: reads then see one snapshot
        # (a page and its cursor agree) and writes begin IMMEDIATE, so two
        # writers queue on the lock instead of failing mid-transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000:.0f}")
        use_wal(cursor)
        cursor.execute(f"PRAGMA synchronous={sqlite_sync.upper()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
