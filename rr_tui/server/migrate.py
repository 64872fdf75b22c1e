"""Bring the store's database to the newest schema revision, one process at a time.

`rr-tui serve` calls `upgrade` before it serves. Several servers may start at
once on one empty database (a deploy starts them together), so the whole of it
runs under one lock: `pg_advisory_lock` on PostgreSQL, taken before the
migrating transaction begins so that transaction sees what the previous holder
committed; the write lock (`BEGIN IMMEDIATE`) on SQLite. DDL is transactional
on both, so a failed migration leaves the database as it was.

A database made before migrations existed (`create_all`: tables, no
`alembic_version`) holds exactly the first revision's schema: it is stamped
with that revision, not created again, and later revisions apply as usual.
"""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from rr_tui.server import schema

FIRST_REVISION = "0001"
"""Today's schema as `create_all` made it before migrations."""

log = logging.getLogger(__name__)

LOCK_KEY = 7_272_041
"""The PostgreSQL advisory lock id the migrating server holds (any fixed number)."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the packaged scripts (on `connection`, if given)."""
    config = Config()
    config.set_main_option("script_location", "rr_tui.server:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Apply pending migrations (creating the schema on an empty database)."""
    with engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            conn.commit()
        try:
            conn.execution_options(**{schema.WRITE: True})
            with conn.begin():
                _upgrade(conn)
        finally:
            if postgres and not conn.invalidated:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                conn.commit()


def _upgrade(conn: Connection) -> None:
    # Alembic's own lines ("Context impl SQLiteImpl.") say nothing to an operator.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    config = alembic_config(conn)
    head = ScriptDirectory.from_config(config).get_current_head()
    current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return  # the usual start: nothing to do, nothing to log
    if current is None and "counters" in inspect(conn).get_table_names():
        log.info("database made before migrations: marking it as revision %s", FIRST_REVISION)
        command.stamp(config, FIRST_REVISION)
        current = FIRST_REVISION
    if current != head:
        log.info("migrating the database from revision %s to %s", current or "(empty)", head)
        command.upgrade(config, "head")
