"""Protocols on a PagerDuty profile: kept on this machine, each activation and tick a note.

Like the legal clocks (`pd_clocks`): the runs live in the profile's local
file (`local_protocols`), and every activation and tick is also written to the
incident as a note (`Protocol · livestream-violence gifct ticked (CRISIS 2/7)`),
so the team sees the checklist's progress in PagerDuty's own timeline. The
local write is what counts: a note that cannot be written leaves the tick in
place and says so (`ProtocolResult.not_recorded`), and is tried again at the
next polls when retrying may cure it.

`PdProtocols` answers the dashboard's `ProtocolKeeping` calls for
`PagerDutyBackend`. Making one maps each incident's progress into its
`protocol` field (so the queue shows `CRISIS 2/7` and a tick is a new
version), and has the clocks' poll also pick up other terminals' ticks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from rr_tui.backends.base import Rejected, Unavailable
from rr_tui.backends.pagerduty.local_protocols import LocalProtocols, Logged
from rr_tui.backends.pagerduty.pd_clocks import PdClocks
from rr_tui.deadlines import ProtocolError, ProtocolRule, ProtocolRun
from rr_tui.deadlines.protocol_wire import ProtocolActivate, ProtocolResult, ProtocolTick


@contextmanager
def _file_words(path: object) -> Iterator[None]:
    """The keeper's refusals and the file's failures as the backend errors the dashboard shows."""
    try:
        yield
    except ProtocolError as error:
        raise Rejected(str(error), 422, "protocol_step_refused") from None
    except sqlite3.Error as error:
        raise Unavailable(f"the clock file {path} cannot be written: {error}") from None


class PdProtocols:
    """The `ProtocolKeeping` calls of a PagerDuty profile, over its local clock file.

    Args:
        keeper: the profile's protocol runs (in the clocks' file).
        legal: the profile's clocks: its incidents, users, clock and note posting.
    """

    def __init__(self, keeper: LocalProtocols, legal: PdClocks) -> None:
        self.keeper = keeper
        self.legal = legal
        legal.incidents.protocols = keeper.progress
        legal.also_changed.append(keeper.changed_elsewhere)

    async def protocols(self) -> list[ProtocolRule]:
        """The profile's protocols (the shipped examples, and the team's file if one is set)."""
        return self.keeper.protocols()

    async def protocol_runs(self, incident_id: str) -> list[ProtocolRun]:
        """The protocols activated on the incident, as the file has them."""
        with _file_words(self.keeper.clocks.path):
            return self.keeper.runs(incident_id)

    async def activate_protocol(
        self, incident_id: str, body: ProtocolActivate, version: int, key: str
    ) -> ProtocolResult:
        """Activate a protocol; `version` is not checked (the file decides, see `local_clocks`)."""
        incident = await self.legal.incident_for(incident_id)
        by = await self.legal.users.my_name()
        with _file_words(self.keeper.clocks.path):
            logged = self.keeper.activate(incident, body, by=by, now=self.legal.clock(), key=key)
        return await self._answer(logged)

    async def tick_protocol(
        self, incident_id: str, run_id: int, body: ProtocolTick, version: int, key: str
    ) -> ProtocolResult:
        """Tick or untick a step, checked against the file; a step may start its clock."""
        incident = await self.legal.incident_for(incident_id)
        by = await self.legal.users.my_name()
        with _file_words(self.keeper.clocks.path):
            logged = self.keeper.tick(
                incident, run_id, body, by=by, now=self.legal.clock(), key=key
            )
        return await self._answer(logged)

    async def _answer(self, logged: Logged) -> ProtocolResult:
        incident_id = logged.run.incident_id
        failed = ""
        if not logged.replayed:
            # The tick's note, and the note of a clock it started, posted now.
            for due in self.legal.keeper.claim_notes(self.legal.clock(), incident_id):
                why = await self.legal.post(due)
                if why and not failed:
                    failed = f"kept on this machine, but not written to PagerDuty: {why}"
        incident = self.legal.incidents.remap(incident_id) or await self.legal.incident_for(
            incident_id
        )
        return ProtocolResult(
            run=logged.run, incident=incident, clock=logged.clock, not_recorded=failed
        )
