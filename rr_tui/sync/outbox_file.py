"""The outbox's file: private, locked for one sender, moved aside and recovered when damaged.

The outbox keeps every note and resolution reason a user typed, so its
directory is made 0700 and its files 0600 (SQLite gives its `-wal` and `-shm`
files the database's mode). A file SQLite cannot read (random bytes, a torn
page, a directory in its place) is renamed `<name>.damaged-<UTC time>` and
whatever rows can still be read from it are copied into a fresh outbox, so a
damaged disk costs the unreadable rows only, and the dashboard starts anyway.

One sender per identity: `SenderLock` is an OS lock (`flock`) on a file beside
the outbox. Two dashboards on one HOME share the outbox (SQLite serialises
their writes), but only the holder of the lock sends, so each action is sent
once, with the token of the user who made it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from rr_tui.locations import PRIVATE_FILE


class OutboxUnusable(Exception):
    """The outbox can be neither opened nor made (a read-only state directory, say)."""


def move_aside(path: Path) -> Path:
    """Rename a damaged outbox (and its journal files) out of the way; returns its new name."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    path.rename(aside)
    for suffix in ("-wal", "-shm"):
        journal = path.with_name(path.name + suffix)
        if journal.exists():
            journal.rename(aside.with_name(aside.name + suffix))
    return aside


RECOVER_GAP = 1000
"""Unreadable or missing row numbers in a row after which recovery stops looking."""


def readable_rows(path: Path, columns: str) -> list[tuple[object, ...]]:
    """Every row of `actions` that can still be read from a damaged file, by row number.

    Reading row by row, so one torn page costs the rows on it, not the whole table.
    """
    if not path.is_file():
        return []
    rows: list[tuple[object, ...]] = []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        seq, missing = 1, 0
        while missing < RECOVER_GAP:
            try:
                # `columns` is the outbox's own constant list; the row number is bound.
                query = f"SELECT {columns} FROM actions WHERE seq = ?"  # noqa: S608
                row = db.execute(query, (seq,)).fetchone()
            except sqlite3.Error:
                row = None
            if row is None:
                missing += 1
            else:
                missing = 0
                rows.append(tuple(row))
            seq += 1
    finally:
        db.close()
    return rows


class SenderLock:
    """An OS lock that lets one process at a time send the actions of one identity."""

    def __init__(self, outbox: Path | None, identity: str) -> None:
        digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
        self.path = outbox.with_name(f"{outbox.name}.{digest}.lock") if outbox else None
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; True while this process holds it."""
        if self.path is None:
            return True
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Let another process send (closing the file releases the lock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
