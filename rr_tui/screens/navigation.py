"""Where the dashboard's keys move: the queue, the side column, a search, the saved views.

`NavigatingScreen` is the dashboard's base: everything here moves focus, swaps
panes below 120 columns or switches the queue's view, and changes no data.
`DashboardScreen` (screens/dashboard.py) adds the update path, triage and dialogs.
"""

from __future__ import annotations

from textual import on
from textual.screen import Screen

from rr_tui.options import DashboardOptions, SavedView
from rr_tui.screens.jump import Jumper
from rr_tui.screens.messages import ViewWanted
from rr_tui.widgets.contacts import StakeholderPane
from rr_tui.widgets.queue import QueueView


class NavigatingScreen(Screen[None]):
    """Focus, panes and views; the subclass sets `options`, `view` and `jumper`."""

    options: DashboardOptions
    view: SavedView | None
    """The saved view the queue shows (None: no views configured)."""
    jumper: Jumper
    """Takes the queue's cursor to an incident found by search, switching view if needed."""

    def action_search_contacts(self) -> None:
        """Find a stakeholder from anywhere: open the directory search."""
        self.show_side()
        self.query_one(StakeholderPane).action_search()

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
        """Back to the queue from anywhere: the side column, a search, a contact."""
        pane = self.query_one(StakeholderPane)
        if pane.searching:
            pane.action_close_search()
        self._to_queue()

    @on(StakeholderPane.IncidentChosen)
    def _incident_chosen(self, message: StakeholderPane.IncidentChosen) -> None:
        self.action_back()
        self.jumper.jump(message.incident_id)

    @on(StakeholderPane.SearchClosed)
    def _search_closed(self) -> None:
        self._to_queue()

    def _to_queue(self) -> None:
        if self.has_class("-side"):
            self.remove_class("-side")
        self.query_one(QueueView).focus()

    # --- saved views ----------------------------------------------------------------------

    def show_view(self, name: str) -> None:
        """Switch the queue to a saved view by name ("" or an unknown name: the first view)."""
        views = self.options.views
        view = next((view for view in views if view.name == name), views[0] if views else None)
        if view is not None:
            self.post_message(ViewWanted(view))

    def action_switch_view(self, name: str) -> None:
        """Show the saved view `name`."""
        self.show_view(name)

    def action_step_view(self, step: int) -> None:
        """Show the next (1) or previous (-1) saved view."""
        views = self.options.views
        if views:
            index = views.index(self.view) if self.view in views else -step
            self.post_message(ViewWanted(views[(index + step) % len(views)]))
