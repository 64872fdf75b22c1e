"""Open incidents per owner: how many, of what severity, how old, what is due next.

What a lead reads before handing work out: the unassigned first (somebody has to take
them), then the owners carrying the most urgent load (the most SEV0s, then SEV1s, ...;
then the most incidents). The next deadline is the sooner of each incident's running
SLA and its soonest legal clock, as the queue orders by; a mitigated incident's SLA no
longer runs, so it adds to the count but not to the deadline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rr_tui.models import Incident, Severity, Status

UNASSIGNED = "unassigned"
"""How the row of the incidents nobody owns is labelled."""


@dataclass(frozen=True)
class OwnerLoad:
    """One owner's open incidents."""

    owner: str | None
    """None: the unassigned."""
    counts: tuple[int, ...]
    """Open incidents per severity, SEV0 first."""
    oldest: datetime
    """When the oldest of them was opened."""
    next_due: datetime | None
    """The soonest running deadline among them (None: every SLA stopped, no clock)."""
    next_id: str | None
    """The incident that deadline belongs to."""

    @property
    def total(self) -> int:
        """Open incidents, every severity."""
        return sum(self.counts)

    @property
    def unassigned(self) -> bool:
        """Whether this is the row of the incidents nobody owns."""
        return self.owner is None


def _due(incident: Incident) -> datetime | None:
    if incident.status is Status.MITIGATED:
        # The SLA stopped at mitigation; a legal clock may still run.
        return incident.deadline_at
    return incident.soonest_due


def workload(incidents: Iterable[Incident]) -> list[OwnerLoad]:
    """Every owner with open incidents, and the unassigned, in the order a lead reads them."""
    by_owner: dict[str | None, list[Incident]] = {}
    for incident in incidents:
        if incident.status.is_open:
            by_owner.setdefault(incident.assignee or None, []).append(incident)
    loads = []
    for owner, held in by_owner.items():
        counts = tuple(sum(1 for i in held if i.severity is sev) for sev in Severity)
        dues = [(due, i.id) for i in held if (due := _due(i)) is not None]
        next_due, next_id = min(dues) if dues else (None, None)
        oldest = min(i.created_at for i in held)
        loads.append(OwnerLoad(owner, counts, oldest, next_due, next_id))
    return sorted(
        loads,
        key=lambda load: (
            not load.unassigned,
            tuple(-count for count in load.counts),
            -load.total,
            load.owner or "",
        ),
    )
