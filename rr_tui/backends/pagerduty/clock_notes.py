"""The notes a PagerDuty profile's clock file holds for PagerDuty: claimed, posted, retried.

Every clock step and protocol tick stored in the file (`local_clocks`,
`local_protocols`) carries the note that tells the team in PagerDuty. A note is
claimed by one terminal at a time (`claim_notes`, a lease of `NOTE_LEASE`, so
a terminal that died lets another post it), and marked posted, failed (tried
again, `NOTE_ATTEMPTS` times) or refused (`noted`). `NoteQueue` is the keeper's
part that does it, over the keeper's own connection, lock and write.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from rr_tui.backends.pagerduty.clock_file import stamp

NOTE_LEASE = timedelta(minutes=5)
"""A note claimed this long ago and never answered (its terminal died) may be claimed again."""
NOTE_ATTEMPTS = 5
"""Tries of a note PagerDuty could not be reached for, before it is left as failed."""

NoteTable = Literal["steps", "protocol_steps"]
"""The tables whose rows carry a note for PagerDuty (the same note columns in each)."""


@dataclass(frozen=True)
class NoteDue:
    """A step's note this keeper has claimed to post."""

    seq: int
    incident_id: str
    note: str
    table: NoteTable = "steps"
    """Whose step: a clock's (`steps`) or a protocol's (`protocol_steps`, see `local_protocols`)."""


class NoteQueue:
    """The notes waiting in the file; `LocalClocks` sets the connection, lock and writes."""

    _db: sqlite3.Connection
    _lock: threading.Lock

    def _writing(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction on the file (the keeper's)."""
        raise NotImplementedError

    def unposted(self, incident_id: str) -> int:
        """How many of the incident's steps (clock and protocol) have no note in PagerDuty."""
        with self._lock:
            row = self._db.execute(
                "SELECT (SELECT count(*) FROM steps WHERE incident_id = ?1"
                " AND note_state IN ('failed', 'refused')) + (SELECT count(*) FROM protocol_steps"
                " WHERE incident_id = ?1 AND note_state IN ('failed', 'refused'))",
                (incident_id,),
            ).fetchone()
        return int(row[0])

    def claim_notes(self, now: datetime, incident_id: str | None = None) -> list[NoteDue]:
        """Claim the notes still to post (of one incident, or all): clocks', then protocols'."""
        stale = stamp(now - NOTE_LEASE)
        where = (
            "(note_state = 'pending' OR (note_state = 'failed' AND note_attempts < ?)"
            " OR (note_state = 'posting' AND note_claimed_at < ?))"
        )
        args: list[object] = [NOTE_ATTEMPTS, stale]
        if incident_id is not None:
            where += " AND incident_id = ?"
            args.append(incident_id)
        found: list[NoteDue] = []
        tables: tuple[NoteTable, ...] = ("steps", "protocol_steps")
        for table in tables:
            with self._lock:
                # A read first: most polls find nothing, and need not take the write lock.
                waiting = self._db.execute(
                    f"SELECT 1 FROM {table} WHERE {where} LIMIT 1",  # noqa: S608
                    args,
                ).fetchone()
            if waiting is None:
                continue
            with self._writing() as db:
                rows = db.execute(
                    f"UPDATE {table} SET note_state = 'posting', note_claimed_at = ?,"  # noqa: S608
                    f" note_attempts = note_attempts + 1 WHERE {where}"
                    " RETURNING seq, incident_id, note",
                    (stamp(now), *args),
                ).fetchall()
            found += [NoteDue(seq, incident, note, table) for seq, incident, note in sorted(rows)]
        return found

    def noted(self, due: NoteDue, error: str | None = None, *, final: bool = False) -> None:
        """A claimed note was posted (no error), or not: `final` when retrying cannot help."""
        state = "posted" if error is None else "refused" if final else "failed"
        with self._writing() as db:
            db.execute(
                f"UPDATE {due.table} SET note_state = ?, note_error = ? WHERE seq = ?",  # noqa: S608
                (state, error or "", due.seq),
            )
