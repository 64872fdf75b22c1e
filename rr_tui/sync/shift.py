"""What the handover and trends screens ask of the shift, without knowing who answers.

`HandoverPort` is the screen's view of the handover desk (`sync.handover_desk`):
the app builds the desk on its backend and hands it to the dashboard, so the screens
keep to their rule of never importing a backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from rr_tui.models import Bucket, Grouping, Handover, Incident, TimelineEvent, Trends


@dataclass(frozen=True)
class ShiftRecord:
    """What a handover summary is computed from."""

    since: datetime
    now: datetime
    incidents: Sequence[Incident]
    timelines: Mapping[str, Sequence[TimelineEvent]]
    notes: Sequence[Handover]


class HandoverPort(Protocol):
    """Read the shift and acknowledge its note; every failure comes back as words."""

    pending: tuple[Handover, ...]

    @property
    def waiting_from(self) -> str:
        """Who wrote the newest note waiting for acknowledgement ("": none)."""
        ...

    async def shift_or_reason(
        self, incidents: Iterable[Incident], span: timedelta
    ) -> ShiftRecord | str:
        """The shift of the last `span`, or why it could not be read."""
        ...

    async def acknowledge(self, reply: str = "") -> str:
        """Acknowledge the newest note waiting; what to tell the user."""
        ...

    async def trends_or_reason(
        self, incidents: Iterable[Incident], hours: int, bucket: Bucket, group: Grouping
    ) -> Trends | str:
        """The trends of the last `hours`, or why they could not be read."""
        ...


class NoHandovers:
    """The port of a dashboard with no handover desk (tests, until the app sets one)."""

    pending: tuple[Handover, ...] = ()
    waiting_from = ""

    async def shift_or_reason(
        self, incidents: Iterable[Incident], span: timedelta
    ) -> ShiftRecord | str:
        """Always the reason."""
        return "no handover desk on this dashboard"

    async def acknowledge(self, reply: str = "") -> str:
        """Always the reason."""
        return "no handover desk on this dashboard"

    async def trends_or_reason(
        self, incidents: Iterable[Incident], hours: int, bucket: Bucket, group: Grouping
    ) -> Trends | str:
        """Always the reason."""
        return "no handover desk on this dashboard"
