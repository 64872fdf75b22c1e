"""Legal clocks on a PagerDuty profile: kept on this machine, each step written to PagerDuty.

PagerDuty has no field for a deadline that is not its own, and an incident's
custom fields are a paid add-on a team may not have, so the clocks live in
the profile's local file (`local_clocks`: the rr server's catalogue and
engine, keyed by PagerDuty incident id) and every step (start included) is
also written to the incident as a note, through the adapter's one note call
(`PdWrites.add_note`), so the team sees it in PagerDuty's own timeline, app
and notifications.

The local step is what counts. If its note cannot be written (PagerDuty is
down, the incident locked) the step still holds, the answer says so in words
(`ClockResult.not_recorded`, shown as a warning toast), and a note that failed
for a reason retrying may cure (PagerDuty unreachable) is tried again at the
next polls, from whichever terminal gets to it first (`claim_notes`).
Nothing is lost in silence: a refused note is logged and kept, as refused,
with its step.

`PdClocks` answers the dashboard's `ClockBackend` calls for `PagerDutyBackend`,
and `after_poll` folds the clocks into each poll: intake on first sight,
notes still to post, and incidents whose clocks another terminal on the same
profile moved (shown at a new version, so every terminal sees every step).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from rr_tui.backends.base import BackendError, ChangeSet, Rejected, Unavailable
from rr_tui.backends.pagerduty.client import Clock
from rr_tui.backends.pagerduty.clock_notes import NoteDue
from rr_tui.backends.pagerduty.incidents import PdIncidents
from rr_tui.backends.pagerduty.local_clocks import LocalClocks, Recorded
from rr_tui.backends.pagerduty.users import PdUsers
from rr_tui.backends.pagerduty.writes import PdWrites
from rr_tui.deadlines import Clock as LegalClock
from rr_tui.deadlines import ClockError, ClockRule
from rr_tui.deadlines.wire import ClockResult, ClockStart, ClockStep
from rr_tui.models import Incident, Role

log = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(minutes=2)
"""How far ahead of this machine's clock a trigger time may be and still mean now."""
NOTES_PER_POLL = 10
"""Notes left over (intake, earlier failures) posted per poll, so a backlog never eats the
account's rate limit."""


@contextmanager
def _file_words(path: object) -> Iterator[None]:
    """The keeper's refusals and the file's failures as the backend errors the dashboard shows."""
    try:
        yield
    except ClockError as error:
        raise Rejected(str(error), 422, "clock_step_refused") from None
    except sqlite3.Error as error:
        # Locked past the busy wait, disk full, read-only: nothing was stored.
        raise Unavailable(f"the clock file {path} cannot be written: {error}") from None


class PdClocks:
    """The `ClockBackend` calls of a PagerDuty profile, over its local clock file.

    Making one sets `incidents.deadlines` to the keeper's, so every incident the
    adapter maps carries its soonest running clock (`deadline_at`, `deadline_rule`).

    Args:
        keeper: the profile's clocks (its file).
        incidents: maps incidents (with their soonest clock) and remembers the last read.
        writes: posts the notes.
        users: who the profile acts as.
        clock: the current time.
    """

    def __init__(
        self,
        keeper: LocalClocks,
        incidents: PdIncidents,
        writes: PdWrites,
        users: PdUsers,
        clock: Clock,
    ) -> None:
        self.keeper = keeper
        self.incidents = incidents
        self.writes = writes
        self.users = users
        self.clock = clock
        incidents.deadlines = keeper.deadline
        self.also_changed: list[Callable[[], set[str]]] = []
        """More incidents moved by other terminals, asked at each poll (protocol ticks)."""

    # --- the dashboard's calls -----------------------------------------------------------

    async def clock_rules(self) -> list[ClockRule]:
        """The profile's catalogue (the shipped rules, and the team's file if one is set)."""
        return self.keeper.rules()

    async def clocks(self, incident_id: str) -> list[LegalClock]:
        """The incident's clocks as the file has them, missed ones missed."""
        with _file_words(self.keeper.path):
            return self.keeper.clocks(incident_id, self.clock())

    async def start_clock(
        self, incident_id: str, body: ClockStart, version: int, key: str
    ) -> ClockResult:
        """Start a rule's clock by hand; `version` is not checked (see `local_clocks`)."""
        incident = await self.incident_for(incident_id)
        by = await self.users.my_name()
        now = self.clock()
        if body.trigger_at is not None and now < body.trigger_at <= now + CLOCK_SKEW:
            # The dashboard's clock follows PagerDuty's, this one the machine's: its "now"
            # may be a little ahead of ours, and is still now.
            body = body.model_copy(update={"trigger_at": now})
        with _file_words(self.keeper.path):
            recorded = self.keeper.start(incident, body, by=by, now=now, key=key)
        return await self._answer(recorded)

    async def step_clock(
        self, incident_id: str, clock_id: int, body: ClockStep, version: int, key: str
    ) -> ClockResult:
        """Pause, resume, extend, meet or cancel a clock, checked against the file."""
        by = await self.users.my_name()
        with _file_words(self.keeper.path):
            recorded = self.keeper.step(
                incident_id, clock_id, body, by=by, role=Role.LEAD, now=self.clock(), key=key
            )
        return await self._answer(recorded)

    # --- each poll -----------------------------------------------------------------------

    def before_poll(self) -> None:
        """Take the other terminals' steps into the deadlines the poll maps."""
        try:
            self.keeper.refresh()
        except sqlite3.Error as error:
            log.warning("legal clocks: %s", error)

    async def after_poll(self, changes: ChangeSet) -> ChangeSet:
        """The poll with intake clocks started and other terminals' steps shown.

        A failure of the file here is logged, not raised: the queue still comes in,
        and the clocks are tried again at the next poll.
        """
        touched: set[str] = set()
        try:
            by = await self.users.my_name()
            started = self.keeper.intake(changes.items, by=by, now=self.clock())
            touched |= {recorded.clock.incident_id for recorded in started}
            touched |= self.keeper.changed_elsewhere()
            for elsewhere in self.also_changed:
                touched |= elsewhere()
            for due in self.keeper.claim_notes(self.clock())[:NOTES_PER_POLL]:
                await self.post(due)
                touched.add(due.incident_id)
        except (sqlite3.Error, BackendError) as error:
            log.warning("legal clocks: %s", error)
        if not touched:
            return changes
        with contextlib.suppress(sqlite3.Error):
            self.keeper.refresh()  # another terminal's step may be newer than the mapping
        by_id = {incident.id: incident for incident in changes.items}
        for incident_id in touched:
            again = self.incidents.remap(incident_id)
            if again is not None:
                by_id[incident_id] = again
        return dataclasses.replace(changes, items=list(by_id.values()), not_modified=False)

    # --- inside ----------------------------------------------------------------------------

    async def incident_for(self, incident_id: str) -> Incident:
        """The incident as last read (mapped again), or fetched from PagerDuty."""
        known = self.incidents.remap(incident_id)
        if known is not None:
            return known
        _, incident = await self.incidents.fetch(incident_id)
        return incident

    async def _answer(self, recorded: Recorded) -> ClockResult:
        incident_id = recorded.clock.incident_id
        failed = ""
        if not recorded.replayed:
            for due in self.keeper.claim_notes(self.clock(), incident_id):
                why = await self.post(due)
                if (due.table, due.seq) == ("steps", recorded.seq) and why:
                    failed = f"kept on this machine, but not written to PagerDuty: {why}"
        incident = self.incidents.remap(incident_id) or await self.incident_for(incident_id)
        return ClockResult(clock=recorded.clock, incident=incident, not_recorded=failed)

    async def post(self, due: NoteDue) -> str:
        """Post one claimed note; why it failed, in words ("" when it went)."""
        try:
            key = f"clock-step-{due.seq}" if due.table == "steps" else f"protocol-step-{due.seq}"
            await self.writes.add_note(due.incident_id, due.note, key)
        except Unavailable as error:
            self.keeper.noted(due, error.message)
            return f"{error.message} (it is tried again at the next poll)"
        except BackendError as error:
            self.keeper.noted(due, error.message, final=True)
            log.warning("note on %s refused: %s", due.incident_id, error.message)
            return error.message
        self.keeper.noted(due)
        return ""
