"""The SQLite file a PagerDuty profile keeps its legal clocks in: schema, opening, migrations.

PagerDuty has no place for a deadline that is not its own, so a PagerDuty
profile keeps its clocks on this machine, one file per profile
(`locations.pd_clocks_path`): two profiles never mix, and every terminal open
on one profile shares the file. It is WAL (`sqlite_files.use_wal`), so a reader
never waits for a writer, and every write is one `BEGIN IMMEDIATE`
transaction, so two terminals' steps are taken one after the other, each
checked against what the other wrote.

Tables (the schema's version is `PRAGMA user_version`; each later version is
one more script in `_MIGRATIONS`, applied in the transaction that opens the file):

- `clocks`: one row per clock, its `Clock` as JSON in `doc`, with the columns
  a query needs (incident, rule, stored state, due time).
- `steps`: one row per step (start included), by whom and when, the text of
  its PagerDuty note and how far that note got (`pending`, `posting`,
  `posted`, `failed` to retry, `refused` for good); `key` makes a retried step
  apply once.
- `seen`: incidents whose intake this file has judged, so a clock started at
  intake is started once, by one terminal, and never again after a cancel.
- `meta`: `opened_at`, when the file was made (intake starts clocks only for
  incidents that arrive after it, see `local_clocks`).

Version 2 adds protocols (playbooks, see `local_protocols`):

- `protocol_runs`: one row per protocol activated on an incident, its
  `ProtocolRun` (ticks included) as JSON in `doc`.
- `protocol_steps`: one row per activation or tick, shaped like `steps` (its
  note for PagerDuty and how far it got; `key` makes a retry apply once).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from rr_tui.locations import private_dir, private_file
from rr_tui.sqlite_files import BUSY_SECONDS, use_wal

_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE clocks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        state TEXT NOT NULL,
        due_at TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX clocks_incident ON clocks (incident_id, id);
    CREATE INDEX clocks_state ON clocks (state, due_at);
    CREATE TABLE steps (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT UNIQUE,
        incident_id TEXT NOT NULL,
        clock_id INTEGER NOT NULL REFERENCES clocks (id),
        step TEXT NOT NULL,
        at TEXT NOT NULL,
        by TEXT NOT NULL,
        note TEXT NOT NULL,
        note_state TEXT NOT NULL DEFAULT 'pending',
        note_attempts INTEGER NOT NULL DEFAULT 0,
        note_error TEXT NOT NULL DEFAULT '',
        note_claimed_at TEXT
    );
    CREATE INDEX steps_notes ON steps (note_state, seq);
    CREATE TABLE seen (incident_id TEXT PRIMARY KEY, at TEXT NOT NULL);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    """
    CREATE TABLE protocol_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id TEXT NOT NULL,
        protocol_id TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE UNIQUE INDEX protocol_runs_incident ON protocol_runs (incident_id, protocol_id);
    CREATE TABLE protocol_steps (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT UNIQUE,
        incident_id TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES protocol_runs (id),
        step TEXT NOT NULL,
        at TEXT NOT NULL,
        by TEXT NOT NULL,
        note TEXT NOT NULL,
        clock_id INTEGER REFERENCES clocks (id),
        note_state TEXT NOT NULL DEFAULT 'pending',
        note_attempts INTEGER NOT NULL DEFAULT 0,
        note_error TEXT NOT NULL DEFAULT '',
        note_claimed_at TEXT
    );
    CREATE INDEX protocol_steps_notes ON protocol_steps (note_state, seq);
    """,
)
"""Schema version N is the first N scripts; a file is brought up to date when it is opened."""

SCHEMA_VERSION = len(_MIGRATIONS)


class ClockFileError(Exception):
    """The clock file cannot be opened or is not one of ours; the message names it."""


def stamp(moment: datetime) -> str:
    """A time as the file keeps it: ISO 8601 in UTC, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def unstamp(text: str) -> datetime:
    """A time the file kept."""
    return datetime.fromisoformat(text).astimezone(UTC)


def open_clock_file(path: Path | None, now: datetime) -> sqlite3.Connection:
    """Open (or make) the file at `path`, migrated; None is in memory (one keeper alone).

    Raises:
        ClockFileError: it cannot be made, is damaged or is newer than this rr-tui.
    """
    where = str(path) if path is not None else ":memory:"
    try:
        if path is not None:
            private_dir(path.parent)
            private_file(path)
        db = sqlite3.connect(
            where, isolation_level=None, check_same_thread=False, timeout=BUSY_SECONDS
        )
    except (OSError, sqlite3.Error) as error:
        raise ClockFileError(f"cannot open the clock file {where}: {error}") from None
    try:
        use_wal(db)
        db.execute("PRAGMA synchronous=FULL")  # a legal step, once taken, survives a power cut
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("BEGIN IMMEDIATE")
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise ClockFileError(
                f"the clock file {where} is from a newer rr-tui (schema {version}); "
                "upgrade rr-tui to open it"
            )
        for script in _MIGRATIONS[version:]:
            for statement in filter(str.strip, script.split(";")):
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('opened_at', ?)", (stamp(now),))
        db.execute("COMMIT")
    except ClockFileError:
        db.close()
        raise
    except sqlite3.Error as error:
        db.close()
        raise ClockFileError(f"the clock file {where} cannot be used: {error}") from None
    return db
