"""Moving the queue's cursor to an incident found by search, switching view when it must.

An incident the search found may be one the queue's view hides (a resolved one,
another market). Then the first saved view that shows it is switched to, and the
cursor lands on it once that view is applied (views apply in a worker, so the
jump waits for the `ViewApplied` that follows). When no view shows it, the user
is told so, in words, and the queue stays as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.screen import Screen

from rr_tui.models import Incident
from rr_tui.options import SavedView
from rr_tui.present.masks import is_revealed
from rr_tui.sanitize import clean
from rr_tui.screens.messages import ViewWanted
from rr_tui.sync.finding import IncidentFinder
from rr_tui.sync.store import IncidentStore
from rr_tui.widgets.queue import QueueView


def view_showing(
    views: Sequence[SavedView], incident_id: str, store: IncidentStore
) -> SavedView | None:
    """The first saved view whose filter shows the incident (views of "mine" excepted: who
    "me" is is only known once applied)."""
    incident = store.get(incident_id)
    if incident is None:
        return None
    return next((v for v in views if not v.mine and v.filter.matches(incident)), None)


class Jumper:
    """Takes the cursor to an incident: at once if the queue shows it, else after a view switch.

    Also the search's `IncidentFinder`, which searches titles only where the queue would
    show them (a masked sensitive title is not searched).
    """

    def __init__(self, screen: Screen[Any], views: Sequence[SavedView]) -> None:
        self.screen = screen
        self.views = views
        self.waiting: str | None = None
        """The incident to land on when the view asked for is applied."""

    def queue(self) -> QueueView:
        """The screen's queue (looked up when needed: it is made after the screen)."""
        return self.screen.query_one(QueueView)

    def refuse(self, message: str) -> None:
        """Say why the cursor did not move."""
        self.screen.notify(message, title="Not available", severity="warning", markup=False)

    def finder(self, store: IncidentStore) -> IncidentFinder:
        """The search's incident finder over the store, masks as the queue shows them."""

        def shows_text(incident: Incident) -> bool:
            queue = self.queue()
            revealed = is_revealed(queue.options.reveal_sensitive, queue.revealed, incident.id)
            return not incident.sensitive or revealed

        return IncidentFinder(store, shows_text)

    def jump(self, incident_id: str) -> None:
        """Go to an incident, switching view if the queue's view does not show it."""
        self.waiting = None
        queue = self.queue()
        if queue.select(incident_id):
            return
        view = view_showing(self.views, incident_id, queue.store)
        if view is None:
            self.refuse(f"{clean(incident_id, 20)} is in no view of the queue.")
            return
        self.waiting = incident_id
        self.screen.post_message(ViewWanted(view))

    def view_applied(self) -> None:
        """The view asked for is shown: land on the incident waited for, if it is there."""
        incident_id, self.waiting = self.waiting, None
        if incident_id is not None and not self.queue().select(incident_id):
            self.refuse(f"{clean(incident_id, 20)} is no longer in the queue.")
