"""What the clocks and protocols keys share: a side pane that follows the selected incident.

Each pane shows what its desk holds for the selected incident's version, or the
last it knew while fetching anew; it fetches when it holds nothing for that
version and the incident says there is something to fetch (a running deadline,
a protocol), or when the timeline brings an event of its kind. `ClockKeys` and
`ProtocolKeys` differ only in what they hold, what marks an incident as having
any, and what a load also feeds (the clock alerts).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from rr_tui.models import EventKind, Incident, TimelineEvent

ItemCo = TypeVar("ItemCo", covariant=True)
ItemContra = TypeVar("ItemContra", contravariant=True)


class Desk(Protocol[ItemCo]):
    """What a pane's desk answers: the items of an incident, held or fetched."""

    @property
    def supported(self) -> bool:
        """Whether the backend keeps these items at all."""

    def held(self, incident: Incident) -> tuple[ItemCo, ...] | None:
        """The items known for this version of the incident (None: fetch them)."""

    def last_known(self, incident_id: str) -> tuple[ItemCo, ...]:
        """The items last fetched for an incident, whatever its version since."""

    async def load(self, incident: Incident) -> tuple[ItemCo, ...] | str:
        """The incident's items from the backend, or what went wrong."""


class Pane(Protocol[ItemContra]):
    """What a side pane takes: an incident and its items."""

    incident: Incident | None

    def show(self, incident: Incident | None, items: Sequence[ItemContra]) -> None:
        """Show these items of this incident (None: nothing selected)."""


DeskT = TypeVar("DeskT", bound=Desk[Any])
PaneT = TypeVar("PaneT", bound=Pane[Any])


class SideKeys(Generic[DeskT, PaneT]):
    """A side pane of one dashboard screen that follows the selected incident."""

    EVENT: ClassVar[EventKind]
    """The timeline event that says the incident has items to fetch."""

    def __init__(
        self, desk: DeskT | None, run: Callable[[Coroutine[Any, Any, None]], object]
    ) -> None:
        self.desk = desk
        self.run = run
        """Runs a coroutine as a worker of the screen (errors reported)."""
        self.pane: PaneT | None = None

    def has_items(self, incident: Incident) -> bool:
        """Whether the incident itself says it has items (then they are fetched)."""
        raise NotImplementedError

    def loaded(self, incident_id: str) -> None:
        """A load brought the incident's items (a hook: nothing by default)."""

    def selected(self, incident: Incident | None) -> None:
        """The screen shows another incident (or a new version of it): show its items."""
        if self.pane is None:
            return
        if incident is None or self.desk is None or not self.desk.supported:
            self.pane.show(incident, ())
            return
        held = self.desk.held(incident)
        self.pane.show(incident, held if held is not None else self.desk.last_known(incident.id))
        if held is None and (self.has_items(incident) or self.desk.last_known(incident.id)):
            self._load(incident)

    def timeline(self, incident: Incident | None, events: Sequence[TimelineEvent]) -> None:
        """The timeline arrived: an event of this kind means there are items to fetch."""
        if incident is None or self.desk is None or not self.desk.supported:
            return
        if self.desk.held(incident) is None and any(e.kind is self.EVENT for e in events):
            self._load(incident)

    def _load(self, incident: Incident) -> None:
        desk = self.desk

        async def load() -> None:
            assert desk is not None
            loaded = await desk.load(incident)
            if not isinstance(loaded, str):
                self._show(incident.id, loaded)
                self.loaded(incident.id)

        self.run(load())

    def _show(self, incident_id: str, items: Sequence[Any]) -> None:
        shown = self.pane.incident if self.pane is not None else None
        if self.pane is not None and shown is not None and shown.id == incident_id:
            self.pane.show(shown, items)
