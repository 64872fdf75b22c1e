"""What the dashboard knows about its link to the backend, for the status bar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class LinkState(StrEnum):
    """How the dashboard's data relates to the backend right now."""

    CONNECTING = "connecting"
    LIVE = "live"
    BEHIND = "behind"
    """Answering, but every poll leaves pages for the next: the data may be incomplete."""
    RETRYING = "retrying"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Connection:
    """What the status bar says about the backend."""

    state: LinkState = LinkState.CONNECTING
    last_ok: datetime | None = None
    """When a poll last succeeded: the age of the data."""
    failing_since: datetime | None = None
    retry_at: datetime | None = None
    error: str = ""
    failures: int = 0
    behind: int = 0
    """Polls in a row that ended with pages left unread."""
    clock_offset: timedelta = timedelta(0)
    """The backend's clock minus ours (positive: ours is slow), as of the last page."""
