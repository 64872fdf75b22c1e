"""The dashboard screen: status bar, queue, and a side column with detail and stakeholders.

At 120 columns and more the side column sits beside the queue. Below that the
queue takes the width and `enter`/`p` swaps to the side column and back, so an
80x24 terminal still shows everything, one pane at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from rr_tui.options import DashboardOptions
from rr_tui.sync.contacts import ContactDirectory
from rr_tui.sync.store import IncidentStore
from rr_tui.widgets.contacts import StakeholderPane
from rr_tui.widgets.detail import IncidentDetail
from rr_tui.widgets.queue import QueueView
from rr_tui.widgets.status import StatusBar


class DashboardScreen(Screen[None]):
    """Everything on one screen."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    DEFAULT_CSS = """
    DashboardScreen { layout: vertical; }
    DashboardScreen #main { height: 1fr; }
    DashboardScreen #queue { width: 1fr; height: 1fr; }
    DashboardScreen #side {
        width: 42%; max-width: 90; height: 1fr; border-left: vkey $panel-lighten-2;
    }
    DashboardScreen #detail { height: 3fr; }
    DashboardScreen #contacts { height: 2fr; border-top: hkey $panel-lighten-2; }
    DashboardScreen.-narrow #side { display: none; }
    DashboardScreen.-narrow.-side #side {
        display: block; width: 1fr; max-width: 100%; border-left: none;
    }
    DashboardScreen.-narrow.-side #queue { display: none; }
    DashboardScreen.-narrow.-searching #detail { display: none; }
    """

    BINDINGS = [
        Binding("p", "toggle_side", "Detail pane", id="dashboard.toggle_side"),
        Binding("escape", "back", "Back", show=False, id="dashboard.back"),
    ]

    def __init__(
        self,
        store: IncidentStore,
        directory: ContactDirectory,
        options: DashboardOptions,
        clock: Callable[[], datetime],
        revealed: set[str],
        *,
        marked: set[str] | None = None,
        pending: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__()
        self.marked = marked if marked is not None else set()
        self.pending = pending if pending is not None else {}
        self.store = store
        self.directory = directory
        self.options = options
        self.clock = clock
        self.revealed = revealed

    def compose(self) -> ComposeResult:
        """Status bar, queue beside the side column, footer."""
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            yield QueueView(
                self.store,
                self.options,
                self.clock,
                self.revealed,
                marked=self.marked,
                pending=self.pending,
                id="queue",
            )
            with Vertical(id="side"):
                yield IncidentDetail(self.options, self.clock, self.revealed, id="detail")
                yield StakeholderPane(self.directory, self.clock, id="contacts")
        yield Footer()

    class Ready(Message):
        """The dashboard's widgets are mounted: the app may start feeding them."""

    def on_mount(self) -> None:
        """Start with the queue focused, and tell the app the widgets are there."""
        self.query_one(QueueView).focus()
        self.post_message(self.Ready())

    @property
    def narrow(self) -> bool:
        """Whether the side column is hidden behind the queue (below 120 columns)."""
        return self.has_class("-narrow")

    def action_toggle_side(self) -> None:
        """Below 120 columns: swap between the queue and the detail/stakeholder column."""
        if not self.narrow:
            return
        self.toggle_class("-side")
        if self.has_class("-side"):
            self.query_one(StakeholderPane).query_one("OptionList").focus()
        else:
            self.query_one(QueueView).focus()

    def show_side(self) -> None:
        """Make sure the side column is visible (narrow: swap to it)."""
        if self.narrow:
            self.add_class("-side")

    def action_back(self) -> None:
        """Back to the queue from the side column or a search."""
        pane = self.query_one(StakeholderPane)
        if pane.searching:
            pane.action_close_search()
            return
        if self.has_class("-side"):
            self.remove_class("-side")
        self.query_one(QueueView).focus()
