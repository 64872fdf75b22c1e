"""The timelines the dashboard has fetched, and which one it is fetching: one request per need.

A timeline is fetched when an incident is shown and the cache holds an older
version of it, and only from the last event held (`after=seq`). While a fetch
for an incident is under way, showing it again asks for nothing more: the first
poll and a burst of cursor moves fetch each shown timeline once.
"""

from __future__ import annotations

from dataclasses import dataclass

from rr_tui.models import TimelineEvent


@dataclass(frozen=True)
class Held:
    """One incident's timeline as far as it is known."""

    version: int
    """The incident version this timeline is complete for."""
    events: tuple[TimelineEvent, ...]

    @property
    def last_seq(self) -> int:
        """The newest event held (0: none)."""
        return self.events[-1].seq if self.events else 0


class TimelineCache:
    """Timelines by incident id, and the fetches under way."""

    def __init__(self) -> None:
        self._held: dict[str, Held] = {}
        self._fetching: dict[str, int] = {}

    def get(self, incident_id: str) -> Held | None:
        """What is held for an incident."""
        return self._held.get(incident_id)

    def wants(self, incident_id: str, version: int) -> bool:
        """Whether showing this version needs a fetch (none held, older, and none under way)."""
        held = self._held.get(incident_id)
        if held is not None and held.version >= version:
            return False
        fetching = self._fetching.get(incident_id)
        return fetching is None or fetching < version

    def started(self, incident_id: str, version: int) -> int:
        """A fetch begins; returns the seq to fetch after."""
        self._fetching[incident_id] = version
        held = self._held.get(incident_id)
        return held.last_seq if held else 0

    def failed(self, incident_id: str) -> None:
        """The fetch got no answer: the next showing asks again."""
        self._fetching.pop(incident_id, None)

    def merge(self, incident_id: str, version: int, newer: list[TimelineEvent]) -> Held:
        """Add what a fetch brought; returns the whole timeline now held."""
        self._fetching.pop(incident_id, None)
        held = self._held.get(incident_id) or Held(0, ())
        after = held.last_seq
        events = held.events + tuple(event for event in newer if event.seq > after)
        merged = Held(max(version, held.version), events)
        self._held[incident_id] = merged
        return merged
