"""The poll cursor of the PagerDuty adapter: where the log entries were read up to.

PagerDuty has no change cursor of its own; this one carries the server time of
the newest log entry seen and the local time of the last snapshot, opaque to
callers (`pd1.` + base64 JSON), so a dashboard can hand it back unchanged.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

PREFIX = "pd1."
"""Marks a cursor of this format; anything else starts a snapshot."""


@dataclass(frozen=True)
class Cursor:
    """What `changes` needs to go on: opaque to callers (`pd1.` + base64 JSON)."""

    since: datetime
    """Server time of the newest log entry seen (or of the snapshot's start)."""
    full_at: datetime
    """Local time of the last snapshot."""

    def encode(self) -> str:
        """The cursor as a string."""
        raw = json.dumps({"s": self.since.isoformat(), "f": self.full_at.isoformat()})
        return PREFIX + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        """A cursor from `encode`, or None for anything else (which starts a snapshot)."""
        if not text.startswith(PREFIX):
            return None
        body = text[len(PREFIX) :]
        try:
            raw = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            since, full_at = datetime.fromisoformat(raw["s"]), datetime.fromisoformat(raw["f"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if since.tzinfo is None or full_at.tzinfo is None:
            return None
        return cls(since, full_at)
