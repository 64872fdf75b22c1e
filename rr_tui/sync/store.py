"""The local incident store: the queue's order, its filter, and what each poll changed.

The order is for action: severity; within a severity, what needs action
first (new, then acknowledged and escalated, then mitigated, then resolved);
then the soonest deadline (so a breached incident tops its group); then
creation time, then id. The key never depends on the clock, so an incident's
place changes only when the incident does.

The incidents that pass the filter are kept in a `SortedList` of sort keys,
so applying a change costs O(log n) and the queue widget finds row i, or the
row of an incident, in O(log n): a poll costs what it changed, not what the
queue holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sortedcontainers import SortedList

from rr_tui.models import OPEN_STATUSES, Incident, Severity, Status
from rr_tui.models.compact import compact

SortKey = tuple[int, int, datetime, datetime, str]

ACTION_ORDER = {
    Status.NEW: 0,
    Status.ACKNOWLEDGED: 1,
    Status.ESCALATED: 1,
    Status.MITIGATED: 2,
    Status.RESOLVED: 3,
}
"""Within a severity: who still needs someone first; mitigated (the SLA clock stopped) after
every active one; then the soonest deadline, SLA or legal clock (`Incident.soonest_due`)."""


def sort_key(incident: Incident) -> SortKey:
    """Where an incident sits in the queue."""
    return (
        incident.severity.rank,
        ACTION_ORDER[incident.status],
        incident.soonest_due,
        incident.created_at,
        incident.id,
    )


@dataclass(frozen=True)
class Filter:
    """Which incidents the queue shows. An empty set means "any"."""

    severities: frozenset[Severity] = frozenset()
    statuses: frozenset[Status] = OPEN_STATUSES
    regions: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    assignee: str | None = None
    text: str = ""

    def matches(self, incident: Incident) -> bool:
        """Whether the incident passes every part of the filter."""
        if self.severities and incident.severity not in self.severities:
            return False
        if self.statuses and incident.status not in self.statuses:
            return False
        if self.regions and incident.region not in self.regions:
            return False
        if self.categories and incident.category not in self.categories:
            return False
        if self.assignee is not None and incident.assignee != self.assignee:
            return False
        if self.text:
            needle = self.text.casefold()
            return needle in incident.title.casefold() or needle in incident.id.casefold()
        return True


@dataclass(frozen=True)
class StoreChange:
    """What one `apply` did, by incident id."""

    added: frozenset[str] = frozenset()
    """New to the store."""
    updated: frozenset[str] = frozenset()
    """Already held, now at a newer version."""
    removed: frozenset[str] = frozenset()
    """Dropped by a reset."""
    reset: bool = False
    urgent: tuple[Incident, ...] = field(default=())
    """Incidents that became SEV0/SEV1 (new, or raised) in this change, not on a reset."""

    @property
    def changed(self) -> frozenset[str]:
        """Added or updated."""
        return self.added | self.updated

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.reset)

    def __or__(self, other: StoreChange) -> StoreChange:
        """Both changes as one (what an action's answer did in two steps, say)."""
        return StoreChange(
            self.added | other.added,
            (self.updated | other.updated) - (self.added | other.added),
            self.removed | other.removed,
            self.reset or other.reset,
            self.urgent + tuple(i for i in other.urgent if i not in self.urgent),
        )


class IncidentStore:
    """Every incident the dashboard knows, and the filtered, ordered queue of them."""

    def __init__(self, filter: Filter | None = None, *, alert_at: int = 1) -> None:
        self._by_id: dict[str, Incident] = {}
        self._visible: SortedList[SortKey] = SortedList()
        self._open_counts: Counter[Severity] = Counter()
        self._unacknowledged = 0
        self._filter = filter or Filter()
        self._confirmed: dict[str, Incident] = {}
        """The backend's copy of incidents shown with a change not yet confirmed."""
        self.alert_at = alert_at
        """Severity rank at or above which an arrival counts as urgent (1: SEV0 and SEV1)."""

    # --- reading ------------------------------------------------------------------

    @property
    def filter(self) -> Filter:
        """The filter the queue shows."""
        return self._filter

    def __len__(self) -> int:
        """How many incidents the queue shows."""
        return len(self._visible)

    @property
    def total(self) -> int:
        """How many incidents the store holds, shown or not."""
        return len(self._by_id)

    def get(self, incident_id: str) -> Incident | None:
        """An incident by id, shown or not."""
        return self._by_id.get(incident_id)

    def row(self, index: int) -> Incident:
        """The incident in queue row `index`."""
        return self._by_id[self._visible[index][-1]]

    def rows(self, start: int, stop: int) -> list[Incident]:
        """The incidents in queue rows start..stop-1."""
        return [self._by_id[key[-1]] for key in self._visible.islice(start, stop)]

    def index_of(self, incident_id: str) -> int | None:
        """The queue row of an incident, or None if the queue does not show it."""
        incident = self._by_id.get(incident_id)
        if incident is None:
            return None
        key = sort_key(incident)
        index = self._visible.bisect_left(key)
        if index < len(self._visible) and self._visible[index] == key:
            return index
        return None

    def __iter__(self) -> Iterator[Incident]:
        """The shown incidents, in queue order."""
        return (self._by_id[key[-1]] for key in self._visible)

    def all(self) -> Iterable[Incident]:
        """Every incident held, in no order."""
        return self._by_id.values()

    def unacknowledged(self) -> int:
        """New incidents at the alert severity or above that nobody has acknowledged yet
        (whatever the filter): the count that stays on screen until someone does."""
        return self._unacknowledged

    def next_unacknowledged(self, after: int) -> int | None:
        """The queue row of the next such incident after row `after` (-1: from the top),
        wrapping; None if none."""
        count = len(self._visible)
        for step in range(1, count + 1):
            index = (after + step) % count
            if self.needs_acknowledging(self.row(index)):
                return index
        return None

    def needs_acknowledging(self, incident: Incident | None) -> bool:
        """Whether `unacknowledged` counts this incident (new, at the alert severity or above)."""
        if incident is None:
            return False
        return incident.status is Status.NEW and incident.severity.rank <= self.alert_at

    def open_counts(self) -> dict[Severity, int]:
        """Open incidents by severity (whatever the filter)."""
        return {severity: self._open_counts[severity] for severity in Severity}

    # --- changing -----------------------------------------------------------------

    def set_filter(self, filter: Filter) -> StoreChange:
        """Show another selection; rebuilds the queue order (a reset, for the screen)."""
        self._filter = filter
        self._visible = SortedList(
            sort_key(incident) for incident in self._by_id.values() if filter.matches(incident)
        )
        return StoreChange(reset=True)

    def apply(self, items: Iterable[Incident], *, reset: bool = False) -> StoreChange:
        """Apply a poll's incidents: newer versions replace older, older ones are ignored.

        With `reset`, the items are everything: incidents not among them go.
        """
        added: set[str] = set()
        updated: set[str] = set()
        urgent: list[Incident] = []
        incoming = list(items)
        removed: set[str] = set()
        if reset:
            keep = {incident.id for incident in incoming}
            removed = {incident_id for incident_id in self._by_id if incident_id not in keep}
            for incident_id in removed:
                self._drop(self._by_id.pop(incident_id))
        for incident in incoming:
            before = self._by_id.get(incident.id)
            if before is not None:
                if before.version >= incident.version and not reset:
                    continue
                if before == incident:
                    continue
                self._drop(before)
                updated.add(incident.id)
            else:
                added.add(incident.id)
            self._by_id[incident.id] = incident = compact(incident)
            self._confirmed.pop(incident.id, None)
            self._add(incident)
            if not reset and self._became_urgent(before, incident):
                urgent.append(incident)
        return StoreChange(
            frozenset(added),
            frozenset(updated),
            frozenset(removed),
            reset,
            tuple(urgent),
        )

    # --- optimistic changes -----------------------------------------------------------

    def apply_local(self, incident_id: str, update: dict[str, Any]) -> StoreChange:
        """Show a change at once, before the backend confirms it (same version).

        The backend's copy is kept, so `rollback` can put it back if the change
        is refused; a newer version from a poll replaces both.
        """
        current = self._by_id.get(incident_id)
        if current is None or not update:
            return StoreChange()
        self._confirmed.setdefault(incident_id, current)
        local = current.model_copy(update=update)
        self._drop(current)
        self._by_id[incident_id] = local
        self._add(local)
        return StoreChange(updated=frozenset({incident_id}))

    def rollback(self, incident_id: str) -> StoreChange:
        """Put back the backend's copy of an incident shown with a refused change."""
        confirmed = self._confirmed.pop(incident_id, None)
        current = self._by_id.get(incident_id)
        if confirmed is None or current is None or current.version != confirmed.version:
            return StoreChange()
        self._drop(current)
        self._by_id[incident_id] = confirmed
        self._add(confirmed)
        return StoreChange(updated=frozenset({incident_id}))

    def confirmed(self, incident_id: str) -> Incident | None:
        """The backend's copy of an incident (what it was before any unconfirmed change)."""
        return self._confirmed.get(incident_id) or self._by_id.get(incident_id)

    def _became_urgent(self, before: Incident | None, after: Incident) -> bool:
        if not after.status.is_open or after.severity.rank > self.alert_at:
            return False
        return before is None or before.severity.rank > self.alert_at

    def _add(self, incident: Incident) -> None:
        if incident.status.is_open:
            self._open_counts[incident.severity] += 1
        self._unacknowledged += self.needs_acknowledging(incident)
        if self._filter.matches(incident):
            self._visible.add(sort_key(incident))

    def _drop(self, incident: Incident) -> None:
        if incident.status.is_open:
            self._open_counts[incident.severity] -= 1
        self._unacknowledged -= self.needs_acknowledging(incident)
        self._visible.discard(sort_key(incident))
