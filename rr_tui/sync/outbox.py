"""The durable outbox: every action is on disk before it is sent, and leaves only when answered.

An action is written to a local SQLite file (the XDG state directory) with
`synchronous=FULL` before the first attempt, so it survives a crash, a
`kill -9` or a power cut, and is sent again on the next start. Its id is its
`Idempotency-Key`: a resend of something the backend already applied is
answered with the original result and applied once.

Actions leave in the order they were made, one at a time, so two changes to
one incident reach the backend in the order the user made them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from rr_tui.models import EscalationCreate, IncidentPatch


class ActionKind(StrEnum):
    """What an action does on the backend."""

    PATCH = "patch"
    NOTE = "note"
    ESCALATE = "escalate"


class ActionState(StrEnum):
    """Where an action is in its life."""

    WAITING = "waiting"
    """Not yet answered: sent again until the backend confirms or refuses."""
    DONE = "done"
    REJECTED = "rejected"
    CONFLICT = "conflict"
    """The incident changed under it; the user decides to re-apply or drop."""
    DROPPED = "dropped"


@dataclass(frozen=True)
class Action:
    """One change the user made, as it is kept until the backend has answered."""

    kind: ActionKind
    incident_id: str
    payload: dict[str, Any]
    """The body: an IncidentPatch, `{"text"}` or an EscalationCreate, as JSON."""
    base_version: int | None = None
    """For a patch: the version the user saw (sent as If-Match)."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    batch: str | None = None
    """Actions made together (bulk) share a batch, to report them together."""
    label: str = ""
    """What the user did, in words, for toasts and the conflict dialog."""
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    state: ActionState = ActionState.WAITING
    attempts: int = 0
    error: str = ""
    seq: int = 0
    """Position in the outbox (set when stored)."""

    @property
    def patch(self) -> IncidentPatch:
        """The body of a PATCH action."""
        return IncidentPatch.model_validate(self.payload)

    @property
    def escalation(self) -> EscalationCreate:
        """The body of an ESCALATE action."""
        return EscalationCreate.model_validate(self.payload)


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
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS actions_state ON actions (state, seq);
"""


_COLUMNS = (
    "seq, id, kind, incident_id, payload, base_version, batch, label,"
    " created_at, state, attempts, error"
)


class Outbox:
    """Actions on disk, in order. Thread-safe; every write is committed and synced."""

    def __init__(self, path: Path | None) -> None:
        """Open (or create) the outbox at `path`; None keeps it in memory (tests only)."""
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            str(path) if path else ":memory:", isolation_level=None, check_same_thread=False
        )
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: once add() returns, the action is on disk even if the machine dies.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    def add(self, *actions: Action) -> list[Action]:
        """Store actions (in one transaction) before anything is sent; returns them numbered."""
        stored = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for action in actions:
                    cursor = self._db.execute(
                        "INSERT INTO actions (id, kind, incident_id, payload, base_version, batch,"
                        " label, created_at, state, attempts, error)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                        ),
                    )
                    stored.append(replace(action, seq=int(cursor.lastrowid or 0)))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return stored

    def waiting(self) -> list[Action]:
        """Every action not yet answered, oldest first."""
        return self._select("WHERE state = ? ORDER BY seq", (ActionState.WAITING.value,))

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
        self._update(
            "UPDATE actions SET state = ?, error = ?, attempts = attempts + 1 WHERE id = ?",
            (state.value, error[:500], action_id),
        )

    def rebase(self, incident_id: str, old_version: int, new_version: int) -> None:
        """Waiting patches made on top of `old_version` now apply on top of `new_version`.

        Used when one of our own actions moved the incident: the user's next
        change was made seeing the first one, so it is not a conflict with it.
        """
        self._update(
            "UPDATE actions SET base_version = ? WHERE incident_id = ? AND base_version = ?"
            " AND state = ? AND kind = ?",
            (new_version, incident_id, old_version, ActionState.WAITING, ActionKind.PATCH),
        )

    def _update(self, sql: str, args: tuple[Any, ...]) -> None:
        with self._lock:
            self._db.execute(sql, args)

    def _select(self, where: str, args: tuple[Any, ...]) -> list[Action]:
        with self._lock:
            # `where` is one of this class's own constant clauses; values are bound.
            query = f"SELECT {_COLUMNS} FROM actions {where}"  # noqa: S608
            rows = self._db.execute(query, args).fetchall()
        return [
            Action(
                seq=row[0],
                id=row[1],
                kind=ActionKind(row[2]),
                incident_id=row[3],
                payload=json.loads(row[4]),
                base_version=row[5],
                batch=row[6],
                label=row[7],
                created_at=datetime.fromisoformat(row[8]),
                state=ActionState(row[9]),
                attempts=row[10],
                error=row[11],
            )
            for row in rows
        ]
