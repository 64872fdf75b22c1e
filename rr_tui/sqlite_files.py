"""How every SQLite file of ours is switched to WAL: the server's store and the outbox.

Both sides open their files from several processes at once (two servers on one
database, two terminals on one account), so both need the same wait.
"""

from __future__ import annotations

import sqlite3
import time

BUSY_SECONDS = 10.0
"""How long a connection waits for another one's lock before it gives up."""


def use_wal(db: sqlite3.Connection | sqlite3.Cursor, *, seconds: float = BUSY_SECONDS) -> None:
    """Switch the file to WAL, waiting out other connections switching it too.

    Changing the journal mode needs the file to itself, and SQLite can answer
    "database is locked" at once there rather than calling the busy handler
    (seen in CI: four servers opening one new file), so this retries up to the
    bound the busy timeout gives every other statement. Once a file is WAL the
    mode is stored in it and the first read says so; in-memory files stay
    "memory", which is no error.
    """
    if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + seconds
    pause = 0.005
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)  # a backoff against another process, not a wait for the UI
        pause = min(pause * 2, 0.1)
