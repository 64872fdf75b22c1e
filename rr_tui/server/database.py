"""Which database `rr-tui serve` opens: from `--db`, a file (`--db-file`) or `RR_DB_URL`.

A PostgreSQL URL carries its password, and a command line is visible to every
user of the machine (`ps`), so the URL can come from the environment or from a
file only its owner reads instead; `--db` stays for SQLite paths and scripts.
The first of `--db`, `--db-file`, `RR_DB_URL` that is given wins, else the
default SQLite file. What goes wrong is a `DatabaseError` with a one-line
message for the operator, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_URL = "RR_DB_URL"
"""The environment variable that may hold the database URL."""


@dataclass(frozen=True)
class PoolOptions:
    """The connection pool of a server's engine (`rr-tui serve --pool-size`, ...)."""

    size: int = 5
    """Connections kept open; each serving thread holds one while it reads or writes."""
    max_overflow: int = 10
    """Extra connections opened under load beyond `size`, closed when returned."""
    pre_ping: bool | None = None
    """Check a connection before use (None: on for every database but SQLite files).

    A database restart leaves the pool with dead connections; the ping finds and
    replaces them, so the first request after the restart answers instead of a 500.
    """


class DatabaseError(Exception):
    """The database cannot be used as given; the message says why, in one line."""


def database_url(value: str) -> str:
    """A SQLAlchemy URL as given, or a SQLite file path made into one (its directory made)."""
    if "://" in value:
        return value
    path = Path(value).expanduser()
    # Private (0700 / 0600): the database holds every note and reason, and names people.
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    return f"sqlite:///{path}"


def resolve_url(
    db: str | None, db_file: Path | None, environ: Mapping[str, str], default: Path
) -> str:
    """The URL to open: `db`, else the first line of `db_file`, else `RR_DB_URL`, else `default`."""
    if db:
        return database_url(db)
    if db_file is not None:
        try:
            lines = db_file.expanduser().read_text(encoding="utf-8").strip().splitlines()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise DatabaseError(f"cannot read the database URL from {db_file}: {reason}") from None
        if not lines or not lines[0].strip():
            raise DatabaseError(f"{db_file} is empty: put the database URL on its first line")
        return database_url(lines[0].strip())
    if environ.get(ENV_URL, "").strip():
        return database_url(environ[ENV_URL].strip())
    return database_url(str(default))
