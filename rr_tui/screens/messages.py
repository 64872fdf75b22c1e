"""The messages between the app's workers and the dashboard screen, in one place.

Workers in the app post results to the screen (it shows them, or drops them if
it is gone); the screen posts what it needs, and the app's workers fetch it.
Neither touches the other's widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from rr_tui.models import TimelineEvent
from rr_tui.options import SavedView
from rr_tui.sync.connection import Connection
from rr_tui.sync.outcomes import TriageEvent
from rr_tui.sync.store import StoreChange


@dataclass
class PollArrived(Message):
    """A poll finished, well or not."""

    change: StoreChange
    """What it changed in the store (empty: nothing, or no answer)."""
    connection: Connection
    """The link to the backend now."""
    skipped: int
    """Records skipped so far for breaking the schema."""


@dataclass
class TriageReported(Message):
    """The backend answered an action (confirmed, refused, conflict, batch done)."""

    event: TriageEvent


@dataclass
class TimelineLoaded(Message):
    """An incident's whole timeline as now held."""

    incident_id: str
    events: tuple[TimelineEvent, ...]


@dataclass
class ContactsLoaded(Message):
    """The stakeholder directory was refreshed."""


@dataclass
class ViewApplied(Message):
    """The queue shows another saved view."""

    view: SavedView
    change: StoreChange


@dataclass
class TimelineWanted(Message):
    """The screen shows an incident at this version: bring its timeline up to date."""

    incident_id: str
    version: int

    def can_replace(self, message: Message) -> bool:
        """Only the last incident shown in a burst matters."""
        return isinstance(message, TimelineWanted)


@dataclass
class ViewWanted(Message):
    """The user switched to a saved view (a view of "mine" may need the backend)."""

    view: SavedView
