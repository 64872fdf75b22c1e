"""The dashboard's side of the shift: the handover notes waiting, acknowledging one, trends.

The screens never talk to a backend; they ask this desk. It reads the timelines of
the incidents that moved during the shift (the most recent `TIMELINES` of them), the
handover notes not yet acknowledged, and hands them back as one `ShiftRecord`, which
`present.handover.summarize` turns into the same summary as `rr-tui handover`. A
backend that keeps no handovers still gets a record, with no notes, and
`acknowledge` says why it cannot.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from rr_tui.backends.analytics import trends_of
from rr_tui.backends.base import Backend, BackendError
from rr_tui.backends.handovers import handovers_of
from rr_tui.models import (
    Bucket,
    Grouping,
    Handover,
    Incident,
    TimelineEvent,
    Trends,
    trends_from,
)
from rr_tui.sync.shift import ShiftRecord
from rr_tui.sync.trend_clocks import clock_states

log = logging.getLogger(__name__)

TIMELINES = 60
"""Timelines one summary reads at most: a screen must answer in a second, not a minute."""


class HandoverDesk:
    """Handover notes and summaries for one backend."""

    def __init__(self, backend: Backend, clock: Callable[[], datetime]) -> None:
        self.backend = backend
        self.clock = clock
        self.pending: tuple[Handover, ...] = ()
        """The notes waiting for acknowledgement, newest first, as last read."""

    @property
    def waiting_from(self) -> str:
        """Who wrote the newest note waiting for acknowledgement ("": none)."""
        return self.pending[0].author if self.pending else ""

    @property
    def supported(self) -> bool:
        """Whether this backend keeps handover notes."""
        return handovers_of(self.backend) is not None

    async def refresh(self) -> tuple[Handover, ...]:
        """Read the notes waiting for acknowledgement (none on a backend without them)."""
        keeper = handovers_of(self.backend)
        self.pending = tuple(await keeper.handovers(pending=True)) if keeper else ()
        return self.pending

    async def check(self) -> None:
        """Refresh `pending` for the status bar; a failure keeps what was read last."""
        try:
            await self.refresh()
        except BackendError as error:
            log.info("handover notes not refreshed: %s", error.message)

    async def shift(self, incidents: Iterable[Incident], span: timedelta) -> ShiftRecord:
        """What the handover of the last `span` needs, from the queue the dashboard holds."""
        now = self.clock()
        since = now - span
        every = list(incidents)
        moved = sorted((i for i in every if i.updated_at >= since), key=lambda i: i.updated_at)
        recent = moved[-TIMELINES:]
        # Together, not one after another: the connection pool bounds how many at once.
        pages = await asyncio.gather(*(self.backend.timeline(i.id) for i in recent))
        timelines: dict[str, list[TimelineEvent]] = {
            incident.id: page for incident, page in zip(recent, pages, strict=True)
        }
        await self.refresh()
        return ShiftRecord(since, now, every, timelines, self.pending)

    async def shift_or_reason(
        self, incidents: Iterable[Incident], span: timedelta
    ) -> ShiftRecord | str:
        """`shift`, or why the backend could not answer (for the screen to say)."""
        try:
            return await self.shift(incidents, span)
        except BackendError as error:
            return f"Could not read the shift from {self.backend.name}: {error.message}"

    async def acknowledge(self, reply: str = "") -> str:
        """Acknowledge the newest note waiting; what to tell the user."""
        keeper = handovers_of(self.backend)
        if keeper is None:
            return f"{self.backend.name} keeps no handover notes"
        if not self.pending:
            return "No handover note waits for acknowledgement."
        note = self.pending[0]
        try:
            done = await keeper.acknowledge_handover(note, reply, f"handover-ack-{uuid.uuid4()}")
        except BackendError as error:
            await self.refresh()
            return f"Not acknowledged: {error.message}"
        await self.refresh()
        return f"Acknowledged the handover from {done.author}."

    async def trends_or_reason(
        self, incidents: Iterable[Incident], hours: int, bucket: Bucket, group: Grouping
    ) -> Trends | str:
        """The trends from the backend's endpoint, else from the queue held; or why not."""
        source = trends_of(self.backend)
        if source is None:
            now = self.clock()
            since = now - timedelta(hours=hours)
            held = list(incidents)
            clocks = await clock_states(self.backend, held, since=since, until=now)
            return trends_from(
                held, {}, since=since, until=now, bucket=bucket, group=group, clocks=clocks
            )
        try:
            return await source.trends(hours, bucket, group)
        except BackendError as error:
            return f"Could not read trends from {self.backend.name}: {error.message}"
