"""What the dashboard knows about its link to the backend, for the status bar."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class LinkState(StrEnum):
    """How the dashboard's data relates to the backend right now."""

    CONNECTING = "connecting"
    LIVE = "live"
    BEHIND = "behind"
    """Answering, but every poll leaves pages for the next: the data may be incomplete."""
    STALLED = "stalled"
    """A poll has gone unanswered for longer than two intervals: the data is not live."""
    RETRYING = "retrying"
    OFFLINE = "offline"
    REFUSED = "refused"
    """The backend answered and refused our credentials: waiting is no cure, the user is."""


class Problem(StrEnum):
    """Why the link is not live, in the words the status bar says."""

    NONE = ""
    NO_SERVER = "no server"
    """Connection refused, reset, no route, or a timeout: nothing there to talk to."""
    SERVER_FAILING = "server failing"
    """An rr server answered with a 5xx, a 429 or a malformed page."""
    NOT_RR = "not an rr server"
    """Something answered that does not speak the API: a portal's HTML, foreign JSON."""
    TOKEN_REFUSED = "token refused (401)"  # noqa: S105 (words, not a token)
    NOT_PERMITTED = "not permitted (403)"
    NO_TOKEN = "no token configured"  # noqa: S105
    INTERNAL = "internal error"
    """The dashboard itself failed during a poll (a bug, logged)."""


FIX_TOKEN = "check the token: rr-tui check-config"  # noqa: S105
"""What the user can do about a refused or missing token."""


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
    problem: Problem = Problem.NONE
    """Why the link is not live ("" while it is)."""
    waiting_since: datetime | None = None
    """When the poll under way was sent (set while `STALLED`)."""
    pushed: bool = False
    """The backend pushes (it holds each poll until a change): while live, the data is
    as fresh as a change can be, and a silent backend turns the link stalled in 5 s."""

    def tells_nothing_after(self, told: Connection) -> bool:
        """Whether a screen already told `told` learns nothing from this link state.

        Only a live pushed link qualifies: it shows no age, so a heartbeat that
        changed nothing moves only its answer's time (and the clock offset by a
        network's milliseconds). Anything else (another state, a problem, a skew
        that moved by a second or more) is news.
        """
        if not (self.state is LinkState.LIVE and self.pushed):
            return False
        if abs(self.clock_offset - told.clock_offset) >= timedelta(seconds=1):
            return False
        return replace(self, last_ok=told.last_ok, clock_offset=told.clock_offset) == told
