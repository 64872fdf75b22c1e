"""The dashboard's side of the analyst's wellbeing: reveals counted, one gentle reminder, `B`.

The dashboard owns one `Wellbeing` for the session (a shift). It counts each sensitive
incident whose text the analyst saw: revealed with `v` on the selected incident, or
opened (selected, so its text shows in the detail pane) while unmasked, which with
`reveal_sensitive` on is every sensitive one opened: the exposure is the same, and
"all shown" told the analyst nothing. Each incident counts once a shift. It checks
every second whether the break reminder is due (a toast, once, never a dialog:
nothing stands between the analyst and an urgent incident), and says so in the
status bar only when the user asked for it (`[wellbeing] status = true`), so the
default bar is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from rr_tui.models import Incident, duration_text
from rr_tui.options import DashboardOptions
from rr_tui.present.masks import is_revealed
from rr_tui.screens.telling import Toast
from rr_tui.sync.wellbeing import Wellbeing

REMINDER_SECONDS = 30.0
"""How long the reminder toast stays (long enough to read between two glances)."""


class Care:
    """Reveal count, break timer and reminder for the dashboard."""

    def __init__(self, options: DashboardOptions, clock: Callable[[], datetime]) -> None:
        self.options = options
        settings = options.wellbeing
        self.wellbeing = Wellbeing(
            clock, break_after=settings.break_after, remind_again=settings.remind_again
        )

    def toggled(self, incident: Incident | None, flipped: Collection[str]) -> None:
        """`v` flipped `incident` (now in `flipped` or not); count it if that showed
        sensitive text."""
        if incident is None or not incident.sensitive:
            return
        if is_revealed(self.options.reveal_sensitive, flipped, incident.id):
            self.wellbeing.reveal(incident.id)

    def viewed(self, incident: Incident | None, flipped: Collection[str]) -> None:
        """`incident` was opened (selected); count it if its sensitive text shows."""
        self.toggled(incident, flipped)

    def reminder(self) -> Toast | None:
        """The break reminder, when it is due (once; again after `remind_again`)."""
        if not self.wellbeing.reminder_due():
            return None
        worked = duration_text(self.wellbeing.since_break())
        return Toast(
            f"{worked} since your last break. A few minutes away from the screen helps; "
            "press B when you are back.",
            title="Time for a break?",
            timeout=REMINDER_SECONDS,
        )

    def took_break(self) -> Toast:
        """`B`: the timer starts again."""
        self.wellbeing.took_break()
        return Toast("Welcome back: the break timer starts again.", timeout=5.0)

    def status(self) -> str:
        """`3 revealed · 1h20m since break` for the status bar ("" unless asked for)."""
        if not self.options.wellbeing.status:
            return ""
        since = duration_text(self.wellbeing.since_break())
        return f"{self.wellbeing.revealed} revealed · {since} since break [B]"
