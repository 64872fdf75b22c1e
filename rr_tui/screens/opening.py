"""The screens around the queue, one key each: post-mortem, handover, trends, workload, help.

`OpeningScreen` sits between `NavigatingScreen` (focus, panes, views) and
`DashboardScreen` (the update path, triage and dialogs): everything here opens a
screen or writes a file from what the dashboard already holds, and sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rr_tui.screens.care import Care
from rr_tui.screens.exports import postmortem_of
from rr_tui.screens.handover import HandoverScreen
from rr_tui.screens.help import HelpScreen
from rr_tui.screens.navigation import NavigatingScreen
from rr_tui.screens.telling import Toast
from rr_tui.screens.trends import TrendsScreen
from rr_tui.screens.workload import WorkloadScreen
from rr_tui.sync.contacts import ContactDirectory
from rr_tui.sync.shift import HandoverPort
from rr_tui.sync.store import IncidentStore
from rr_tui.sync.triage import TriageService
from rr_tui.widgets.detail import IncidentDetail


class OpeningScreen(NavigatingScreen):
    """Keys that open the shift's other screens; the subclass sets what they read."""

    store: IncidentStore
    directory: ContactDirectory
    clock: Callable[[], datetime]
    triage: TriageService
    revealed: frozenset[str]
    handovers: HandoverPort
    care: Care

    def tell(self, toast: Toast) -> None:
        """Show a toast (the dashboard's, with its notice log)."""
        raise NotImplementedError

    def action_postmortem(self) -> None:
        """Write the selected incident's post-mortem draft; toast the path (or why not)."""
        detail = self.query_one(IncidentDetail)
        self.tell(postmortem_of(detail, self.options, self.revealed, self.clock(), self.directory))

    def action_handover(self) -> None:
        """Open the shift handover: summary, the note waiting, `a` to acknowledge it."""
        reveal = self.options.reveal_sensitive
        self.app.push_screen(HandoverScreen(self.handovers, self.store.all(), reveal=reveal))

    def action_trends(self) -> None:
        """Open the trends: opened per hour, by market or category, medians and SLA."""
        self.app.push_screen(TrendsScreen(self.handovers, self.store.all()))

    def action_workload(self) -> None:
        """Open incidents per owner; the analyst's reveals and break timer (`W`)."""
        triage = self.triage  # who is signed in is known once the backend answered
        self.app.push_screen(WorkloadScreen(self.store.all, self.care, lambda: triage.me))

    def action_took_break(self) -> None:
        """`B`: a break was taken; the timer starts again."""
        self.tell(self.care.took_break())

    def action_help(self) -> None:
        """Show the product's keys, grouped (`screens/help.py`)."""
        self.app.push_screen(HelpScreen(self.options))
