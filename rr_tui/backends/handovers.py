"""Shift handover notes: a capability some backends have (the rr server), others not.

Not part of `Backend`: PagerDuty has no handover record, and a protocol every
adapter must fake helps nobody. Callers ask `handovers_of(backend)` and say
"not supported by this backend" when it answers None.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from rr_tui.models import Handover, HandoverCreate


@runtime_checkable
class HandoverBackend(Protocol):
    """A backend that stores handover notes and their acknowledgements."""

    async def handovers(self, *, pending: bool) -> list[Handover]:
        """Handover notes, newest first (only unacknowledged ones if `pending`)."""
        ...

    async def write_handover(self, body: HandoverCreate, key: str) -> Handover:
        """Store the outgoing lead's note (applied once per `key`)."""
        ...

    async def acknowledge_handover(self, handover: Handover, reply: str, key: str) -> Handover:
        """Acknowledge the version of `handover` that was read (applied once per `key`)."""
        ...


def handovers_of(backend: object) -> HandoverBackend | None:
    """The backend as a handover store, or None if it keeps no handovers."""
    return backend if isinstance(backend, HandoverBackend) else None
