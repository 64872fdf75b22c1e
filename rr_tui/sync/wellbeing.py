"""The analyst's own shift: sensitive items revealed and time since the last break.

Rapid Response work is psychologically taxing, and teams are expected to manage
exposure: this keeps the two figures a person can act on, for the person at the
keyboard only (nothing leaves the machine). `reminder_due` says when to remind,
once, and then not again until `remind_again` has passed or a break was taken:
the reminder is a toast, never a dialog, so it never stands between a person and
an urgent incident. Plain Python over a given clock, so tests set the time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta


class Wellbeing:
    """Reveals this shift, the last break, and when the one reminder is due."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        break_after: timedelta | None = None,
        remind_again: timedelta = timedelta(minutes=30),
    ) -> None:
        self.clock = clock
        self.break_after = break_after
        """None: no reminder."""
        self.remind_again = remind_again
        self.last_break = clock()
        """When the dashboard opened, or the last `took_break`."""
        self._revealed: set[str] = set()
        self._next_reminder = None if break_after is None else self.last_break + break_after

    @property
    def revealed(self) -> int:
        """Distinct sensitive incidents revealed this shift (revealing one again counts once)."""
        return len(self._revealed)

    def reveal(self, incident_id: str) -> None:
        """Count one sensitive incident revealed."""
        self._revealed.add(incident_id)

    def since_break(self) -> timedelta:
        """Time since the last break (or since the dashboard opened)."""
        return max(self.clock() - self.last_break, timedelta(0))

    def took_break(self) -> None:
        """A break was taken: the timer starts again, and so does the reminder's wait."""
        self.last_break = self.clock()
        if self.break_after is not None:
            self._next_reminder = self.last_break + self.break_after

    def reminder_due(self) -> bool:
        """Whether to remind now; True once, then not before `remind_again` (or a break)."""
        now = self.clock()
        if self._next_reminder is None or now < self._next_reminder:
            return False
        self._next_reminder = now + self.remind_again
        return True
