"""Alembic's entry point: run the migrations on the connection `migrate` hands over.

`rr-tui serve` (through `migrate.upgrade`) passes its own connection, already in
the locked transaction, in `config.attributes["connection"]`. The `alembic`
command line (writing the next revision) connects to `RR_DB_URL` instead.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from rr_tui.server import schema


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=schema.metadata,
        # SQLite cannot ALTER most things: later revisions copy and move tables instead.
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_given = context.config.attributes.get("connection")
if _given is not None:
    _run(_given)
else:
    _engine = schema.make_engine(os.environ["RR_DB_URL"])
    try:
        with _engine.connect() as _connection:
            _run(_connection)
            _connection.commit()
    finally:
        _engine.dispose()
