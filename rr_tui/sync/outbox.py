"""The durable outbox: every action is on disk before it is sent, and leaves only when answered.

An action is written to a local SQLite file (the XDG state directory) with
`synchronous=FULL` before the first attempt, so it survives a crash, a
`kill -9` or a power cut, and is sent again on the next start. Its id is its
`Idempotency-Key`: a resend of something the backend already applied is
answered with the original result and applied once.

Two changes to one incident reach the backend in the order the user made
them (never both in flight). Across incidents, an action made on
its own goes before the rest of a bulk batch made earlier, so an escalation
does not wait behind 2,000 acknowledgements.

Each action carries its `origin`: the backend instance and the user it was
made for (`Me.instance` / `Me.name`). It is only ever sent as that origin;
anything else is held for the user to resend or drop (`TriageService.identify`).
Answered rows are purged after `FINISHED_RETENTION`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rr_tui.locations import private_dir, private_file
from rr_tui.sqlite_files import BUSY_SECONDS, use_wal
from rr_tui.sync.action_record import (
    VERSIONED_KINDS,
    Action,
    ActionKind,
    ActionState,
    action_from_row,
)
from rr_tui.sync.outbox_file import (
    OutboxUnusable,
    SenderLock,
    move_aside,
    readable_rows,
)

__all__ = ["Action", "ActionKind", "ActionState", "Outbox"]

log = logging.getLogger(__name__)

FINISHED_RETENTION = timedelta(days=30)
"""How long an answered action (done, refused, dropped) is kept, for the log's sake."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS actions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    base_version INTEGER,
    batch TEXT,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS actions_state ON actions (state, seq);
CREATE INDEX IF NOT EXISTS actions_incident ON actions (incident_id, state, seq);
"""

_INDEXES = """
CREATE INDEX IF NOT EXISTS actions_next ON actions (state, origin, batch IS NOT NULL, seq);
"""
"""Made after the added columns: `next_waiting` walks this in order and stops at once."""

_ADDED_COLUMNS = {"origin": "ALTER TABLE actions ADD COLUMN origin TEXT NOT NULL DEFAULT ''"}
"""Columns newer than the first outbox files, added to old files when they are opened."""

_COLUMNS = (
    "seq, id, kind, incident_id, payload, base_version, batch, label,"
    " created_at, state, attempts, error, origin"
)

_NEXT = (
    "WHERE state = ? AND origin = ? AND NOT EXISTS (SELECT 1 FROM actions AS older"
    " WHERE older.incident_id = actions.incident_id AND older.state = actions.state"
    " AND older.origin = actions.origin AND older.seq < actions.seq)"
    " ORDER BY batch IS NOT NULL, seq LIMIT 1"
)
"""The next action to send: the oldest one on its incident; lone actions before bulk ones."""


class Outbox:
    """Actions on disk, in order. Thread-safe; every write is committed and synced."""

    def __init__(self, path: Path | None, *, now: datetime | None = None) -> None:
        """Open (or create) the outbox at `path`; None keeps it in memory (tests only).

        A damaged file is moved aside and what can be read of it recovered (`recovered`
        says so, naming the file); raises OutboxUnusable if no outbox can be made there.
        """
        self.path = path
        self.recovered = ""
        """What was done to a damaged file at opening, in words (empty: nothing)."""
        self._lock = threading.Lock()
        self._senders: dict[str, SenderLock] = {}
        try:
            self._db = self._open()
        except sqlite3.OperationalError as error:
            # Locked, busy, unable to open: a healthy file may be behind it (another
            # dashboard writing), so it is never moved aside for this.
            raise OutboxUnusable(f"cannot open the outbox {path}: {error}") from error
        except (sqlite3.DatabaseError, IsADirectoryError) as error:
            assert path is not None
            self._db = self._replace_damaged(path, error)
        except OSError as error:
            raise OutboxUnusable(f"cannot make the outbox {path}: {error}") from error
        with contextlib.suppress(sqlite3.OperationalError):
            # Housekeeping: a busy or full file is purged next time.
            self.purge((now or datetime.now(UTC)) - FINISHED_RETENTION)

    def _open(self) -> sqlite3.Connection:
        path = self.path
        if path is not None:
            private_dir(path.parent)
            if path.is_dir():
                raise IsADirectoryError(f"{path} is a directory")
            if not os.access(path.parent, os.W_OK):
                raise PermissionError(f"the state directory {path.parent} is read-only")
            private_file(path)
        db = sqlite3.connect(
            str(path) if path else ":memory:",
            isolation_level=None,
            check_same_thread=False,
            timeout=BUSY_SECONDS,
        )
        try:
            use_wal(db)
            # NORMAL for answers, FULL around add() (see there): losing the last "done"
            # marks to a power cut only resends those actions with their keys, which
            # the backend answers without applying twice; one fsync per answer made a
            # 2,000-action bulk wait some 7 s on the disk alone.
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            have = {row[1] for row in db.execute("PRAGMA table_info(actions)")}
            for column, sql in _ADDED_COLUMNS.items():
                if column not in have:
                    db.execute(sql)
            db.executescript(_INDEXES)
            db.execute("SELECT count(*) FROM actions").fetchone()
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("the outbox failed its integrity check")
        except BaseException:
            db.close()
            raise
        return db

    def _replace_damaged(self, path: Path, error: Exception) -> sqlite3.Connection:
        try:
            aside = move_aside(path)
            rows = readable_rows(aside, _COLUMNS) if aside.is_file() else []
            db = self._open()
        except (OSError, sqlite3.Error) as again:
            raise OutboxUnusable(f"the outbox {path} is damaged ({error}): {again}") from again
        self._db = db
        kept = [action for action in map(action_from_row, rows) if action is not None]
        self.add(*(replace(action, seq=0) for action in kept))
        self.recovered = (
            f"The outbox {path} was damaged ({error}); it was moved to {aside} and "
            f"{len(kept)} actions were recovered from it."
        )
        log.error("%s", self.recovered)
        return db

    def close(self) -> None:
        """Close the file and let another dashboard send."""
        for sender in self._senders.values():
            sender.release()
        with self._lock:
            self._db.close()

    def claim(self, origin: str) -> bool:
        """Become the one sender of `origin`'s actions (False: another dashboard is)."""
        sender = self._senders.setdefault(origin, SenderLock(self.path, origin))
        return sender.acquire()

    def add(self, *actions: Action) -> list[Action]:
        """Store actions (in one transaction) before anything is sent; returns them numbered."""
        stored = []
        with self._lock:
            # FULL: once add() returns, the action is on disk even if the machine dies.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for action in actions:
                    cursor = self._db.execute(
                        "INSERT INTO actions (id, kind, incident_id, payload, base_version, batch,"
                        " label, created_at, state, attempts, error, origin)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            action.id,
                            action.kind.value,
                            action.incident_id,
                            json.dumps(action.payload),
                            action.base_version,
                            action.batch,
                            action.label,
                            action.created_at.isoformat(),
                            action.state.value,
                            action.attempts,
                            action.error,
                            action.origin,
                        ),
                    )
                    stored.append(replace(action, seq=int(cursor.lastrowid or 0)))
                self._db.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (a full disk) has already rolled back: a second
                # ROLLBACK would replace the real error with "cannot rollback".
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            finally:
                self._db.execute("PRAGMA synchronous=NORMAL")
        return stored

    def waiting(self) -> list[Action]:
        """Every action not yet answered, oldest first."""
        return self._select("WHERE state = ? ORDER BY seq", (ActionState.WAITING.value,))

    def next_waiting(self, origin: str, skip: Collection[str] = ()) -> Action | None:
        """The next action to send as `origin`, but those in `skip` (already on their way).

        An action in `skip` still waits, so nothing after it on its incident is chosen.
        """
        marks = ", ".join("?" * len(skip))
        where = _NEXT.replace("ORDER BY", f"AND id NOT IN ({marks}) ORDER BY") if skip else _NEXT
        found = self._select(where, (ActionState.WAITING.value, origin, *skip))
        return found[0] if found else None

    def waiting_on(self, incident_id: str) -> list[Action]:
        """The actions waiting on one incident, oldest first."""
        return self._select(
            "WHERE incident_id = ? AND state = ? ORDER BY seq",
            (incident_id, ActionState.WAITING.value),
        )

    def held(self, origin: str, resent_before: datetime) -> list[Action]:
        """Waiting actions not to send as `origin`: made for another, or too old to resend.

        Too old: tried before (the backend may have applied it) and made before
        `resent_before`, when the backend no longer remembers its idempotency key.
        """
        return self._select(
            "WHERE state = ? AND (origin NOT IN ('', ?) OR (attempts > 0 AND created_at < ?))"
            " ORDER BY seq",
            (ActionState.WAITING.value, origin, resent_before.isoformat()),
        )

    def conflicts(self) -> list[Action]:
        """Actions whose conflict waits for the user's decision (kept across restarts)."""
        return self._select("WHERE state = ? ORDER BY seq", (ActionState.CONFLICT.value,))

    def adopt(self, origin: str) -> None:
        """Actions made before the backend said who we are belong to who it says now."""
        self._update(
            "UPDATE actions SET origin = ? WHERE origin = '' AND state = ?",
            (origin, ActionState.WAITING.value),
        )

    def purge(self, before: datetime) -> None:
        """Forget answered actions made before `before` (they hold notes and reasons)."""
        self._update(
            "DELETE FROM actions WHERE state IN (?, ?, ?) AND created_at < ?",
            (
                ActionState.DONE.value,
                ActionState.REJECTED.value,
                ActionState.DROPPED.value,
                before.isoformat(),
            ),
        )

    def get(self, action_id: str) -> Action | None:
        """One action by id."""
        found = self._select("WHERE id = ?", (action_id,))
        return found[0] if found else None

    def in_batch(self, batch: str) -> list[Action]:
        """Every action of a bulk batch."""
        return self._select("WHERE batch = ? ORDER BY seq", (batch,))

    def count_waiting(self) -> int:
        """How many actions wait for an answer (for the status bar)."""
        with self._lock:
            row = self._db.execute(
                "SELECT count(*) FROM actions WHERE state = ?", (ActionState.WAITING.value,)
            ).fetchone()
        return int(row[0])

    def attempted(self, action_id: str, error: str) -> None:
        """Count a failed attempt (the action stays waiting)."""
        self._update(
            "UPDATE actions SET attempts = attempts + 1, error = ? WHERE id = ?",
            (error[:500], action_id),
        )

    def finish(self, action_id: str, state: ActionState, error: str = "") -> None:
        """Record the backend's answer: done, rejected, conflict, or dropped by the user."""
        # A lost "done" is resent under its key and answered without repeating; a lost
        # "dropped" would send what the user chose not to: that one waits for the disk.
        self._update(
            "UPDATE actions SET state = ?, error = ?, attempts = attempts + 1 WHERE id = ?",
            (state.value, error[:500], action_id),
            durable=state is ActionState.DROPPED,
        )

    def rebase(self, incident_id: str, old_version: int, new_version: int) -> None:
        """Waiting versioned writes (patches, clock steps) made on top of `old_version` now
        apply on top of `new_version`.

        Used when one of our own actions moved the incident: the user's next
        change was made seeing the first one, so it is not a conflict with it.
        """
        kinds = ", ".join("?" * len(VERSIONED_KINDS))  # one placeholder per versioned kind
        sql = f"UPDATE actions SET base_version = ? WHERE incident_id = ? AND base_version = ? AND state = ? AND kind IN ({kinds})"  # noqa: S608, E501
        self._update(
            sql,
            (new_version, incident_id, old_version, ActionState.WAITING, *sorted(VERSIONED_KINDS)),
        )

    def _update(self, sql: str, args: tuple[Any, ...], *, durable: bool = False) -> None:
        with self._lock:
            if not durable:
                self._db.execute(sql, args)
                return
            self._db.execute("PRAGMA synchronous=FULL")
            try:
                self._db.execute(sql, args)
            finally:
                self._db.execute("PRAGMA synchronous=NORMAL")

    def _select(self, where: str, args: tuple[Any, ...]) -> list[Action]:
        with self._lock:
            # `where` is one of this class's own constant clauses; values are bound.
            query = f"SELECT {_COLUMNS} FROM actions {where}"  # noqa: S608
            rows = self._db.execute(query, args).fetchall()
        return [action for action in map(action_from_row, rows) if action is not None]
