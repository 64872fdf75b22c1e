"""An incident's timeline from PagerDuty: its log entries and notes, merged in time order.

`GET /incidents/{id}/log_entries` and `/notes` are read and merged; `seq` is
the event's millisecond time (raised by one on a tie), so it is stable from one
call to the next and `after` works.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import quote

from pydantic import ValidationError

from rr_tui.backends.pagerduty.client import PdClient
from rr_tui.backends.pagerduty.local_clocks import NOTE_PREFIX
from rr_tui.backends.pagerduty.local_protocols import PROTOCOL_PREFIX
from rr_tui.backends.pagerduty.log_entries import event_of, in_time_order
from rr_tui.backends.pagerduty.mapping import millis
from rr_tui.backends.pagerduty.users import PdUsers
from rr_tui.backends.pagerduty.wire import PdLogEntry, PdNote
from rr_tui.backends.records import valid
from rr_tui.models import TEXT_MAX, EventKind, TimelineEvent


class _Row(NamedTuple):
    """A timeline event before it has its seq: sorted by (order_at, position)."""

    order_at: datetime
    position: int
    at: datetime
    kind: EventKind
    actor: str
    data: dict[str, Any]
    message: str


class PdTimeline:
    """Reads timelines; names the people in them through the shared `PdUsers`."""

    def __init__(self, http: PdClient, users: PdUsers) -> None:
        self.http = http
        self.users = users

    def _note_row(self, note: PdNote, order_at: datetime, position: int) -> _Row:
        data: dict[str, Any] = {"pd_type": "note"}
        actor = self.users.actor(note.user)
        # A legal clock's note (`pd_clocks`) is a clock event, as on the rr server: the
        # dashboard then loads the incident's clocks when its timeline arrives.
        kind = (
            EventKind.CLOCK
            if note.content.startswith(NOTE_PREFIX)
            else EventKind.PROTOCOL
            if note.content.startswith(PROTOCOL_PREFIX)
            else EventKind.NOTE
        )
        return _Row(order_at, position, note.created_at, kind, actor, data, note.content)

    async def timeline(self, incident_id: str, after: int = 0) -> list[TimelineEvent]:
        """Log entries and notes, oldest first; events that break the model are left out.

        Each note takes the place of its `annotate_log_entry` (they pair up in
        order), so a note shows once, with its full text, where it happened.
        """
        path = f"/incidents/{quote(incident_id, safe='')}"
        paged = await self.http.paged(
            path + "/log_entries", "log_entries", {"is_overview": "false", "time_zone": "UTC"}, 10
        )
        entries = in_time_order(valid(PdLogEntry, paged.items, None))
        response = await self.http.request("GET", path + "/notes")
        notes = sorted(
            valid(PdNote, self.http.json_list(response, "notes"), None), key=lambda n: n.created_at
        )
        refs = [
            *(entry.agent for entry in entries if entry.agent),
            *(ref for entry in entries for ref in entry.assignees),
            *(note.user for note in notes if note.user),
        ]
        await self.users.resolve(r.id for r in refs if r.type in ("user", "user_reference"))
        rows: list[_Row] = []
        waiting = deque(notes)
        triggered = False
        for position, entry in enumerate(entries):
            if entry.type == "annotate_log_entry":
                # The note's place in the log; its full text and author come from /notes.
                if waiting:
                    note = waiting.popleft()
                    rows.append(self._note_row(note, entry.created_at, position))
                continue
            mapped = event_of(entry, first_trigger=not triggered)
            triggered = triggered or entry.type == "trigger_log_entry"
            if mapped is None:
                continue
            kind, data = mapped
            names = [self.users.name_of(ref) for ref in entry.assignees]
            if kind is EventKind.ASSIGNED:
                data["to"] = ", ".join(names) or "nobody"
            elif kind is EventKind.ESCALATED:
                data["targets"] = names
            message = entry.note or entry.summary or ""
            actor = self.users.actor(entry.agent)
            rows.append(
                _Row(entry.created_at, position, entry.created_at, kind, actor, data, message)
            )
        for extra, note in enumerate(waiting):  # notes the log has no entry for
            rows.append(self._note_row(note, note.created_at, len(entries) + extra))
        rows.sort(key=lambda row: (row.order_at, row.position))
        return self._events(incident_id, rows, after)

    @staticmethod
    def _events(incident_id: str, rows: list[_Row], after: int) -> list[TimelineEvent]:
        """Number sorted rows by millisecond time (raised by one on a tie), after `after`."""
        events = []
        seq = 0
        for row in rows:
            seq = max(millis(row.at), seq + 1)
            if seq <= after:
                continue
            try:
                events.append(
                    TimelineEvent(
                        seq=seq,
                        incident_id=incident_id,
                        at=row.at,
                        actor=row.actor,
                        kind=row.kind,
                        data=row.data,
                        message=row.message[:TEXT_MAX],
                    )
                )
            except ValidationError:
                continue
        return events
