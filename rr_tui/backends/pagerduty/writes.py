"""The actions on PagerDuty: change, note, escalate, bulk status; safe to retry in a session.

- **Actions.** Acknowledge, resolve, reopen, reprioritize and reassign are one
  `PUT /incidents/{id}` (with `From`); a note is `POST /incidents/{id}/notes`;
  many status changes at once are `PUT /incidents`, 250 a request. A reason is
  kept: as the resolution of a resolve, else as a note after the change.
- **Conflicts.** PagerDuty has no `If-Match`: before a `PUT` the incident is
  read; if its version moved past the one the change was made against and its
  severity, status or owner differ from what the adapter handed out at that
  version (or it does not remember that version), `Conflict` is raised with
  the incident as it is now. A change that already holds (a retry whose first
  answer was lost) is answered with the incident as it is, without a `PUT`.
- **Retries.** PagerDuty has no idempotency keys. A `PUT` sets a state, so
  sending it twice is harmless; a note is looked for among the incident's
  notes (same text, same user) before it is posted again for the same key, and
  a write that failed halfway (the `PUT` done, its note not) resumes where it
  stopped. Both hold within one session. An escalation is never sent to people
  who already hold the incident, so a retry after a lost answer pages nobody twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from rr_tui.backends.base import Conflict, PartlyApplied, Rejected, Unavailable
from rr_tui.backends.pagerduty.capabilities import (
    UNSUPPORTED_STATUS,
    no_priority,
    unsupported_reason,
)
from rr_tui.backends.pagerduty.client import Clock, PdClient
from rr_tui.backends.pagerduty.incidents import PdIncidents
from rr_tui.backends.pagerduty.mapping import millis
from rr_tui.backends.pagerduty.oncall import PdOnCall
from rr_tui.backends.pagerduty.partial import change_words, then_note
from rr_tui.backends.pagerduty.users import PdUsers
from rr_tui.backends.pagerduty.wire import PdIncident, PdNote
from rr_tui.backends.records import valid
from rr_tui.models import (
    TEAM_LABELS,
    TEXT_MAX,
    Escalation,
    EscalationCreate,
    EscalationResult,
    EventKind,
    Incident,
    IncidentPatch,
    NoteResult,
    Status,
    TimelineEvent,
)

BULK_LIMIT = 250
"""PagerDuty's documented maximum of incidents per `PUT /incidents`."""
NOTE_LOOKBACK = timedelta(minutes=5)
"""A note found this long before its first attempt still counts as that attempt's
(PagerDuty's clock and ours may differ a little)."""


@dataclass(frozen=True)
class BulkOutcome:
    """What a bulk status change did: the incidents updated and those that were not."""

    updated: list[Incident]
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(incident id, why) for each incident not updated."""


@dataclass
class _Progress:
    """How far a write got, so a retry after a failure midway does not repeat a step."""

    pd: PdIncident | None = None
    incident: Incident | None = None
    note: str = ""
    """The note still to post ("" once posted, or if there is none)."""


def _same_state(one: Incident, other: Incident) -> bool:
    return (one.severity, one.status, one.assignee) == (
        other.severity,
        other.status,
        other.assignee,
    )


class PdWrites:
    """Every write to PagerDuty, and how far each write (by key) got.

    Args:
        http: the PagerDuty connection.
        incidents: reads the incident before a change and maps the answer.
        users: finds assignees, and who we are (the author of our notes).
        oncall: which PagerDuty user and escalation levels stand behind a contact.
        clock: the current time.
    """

    def __init__(
        self,
        http: PdClient,
        incidents: PdIncidents,
        users: PdUsers,
        oncall: PdOnCall,
        clock: Clock,
    ) -> None:
        self.http = http
        self.incidents = incidents
        self.users = users
        self.oncall = oncall
        self.clock = clock
        self._progress: dict[str, _Progress] = {}
        self._note_attempts: dict[str, datetime] = {}

    # --- changes to an incident -------------------------------------------------------------

    async def _put(
        self, incident_id: str, fields: Mapping[str, Any]
    ) -> tuple[PdIncident, Incident]:
        response = await self.http.request(
            "PUT",
            f"/incidents/{quote(incident_id, safe='')}",
            body={"incident": {"type": "incident_reference", **fields}},
            write=True,
        )
        return await self.incidents.answered(response)

    def _check_conflict(self, current: Incident, version: int) -> None:
        if current.version <= version:
            return
        seen = self.incidents.versions.seen_at(current.id, version)
        if seen is not None and _same_state(seen, current):
            return
        raise Conflict(f"{current.id} changed in PagerDuty since you looked", current)

    async def _put_fields(
        self, change: IncidentPatch, pd: PdIncident, current: Incident
    ) -> dict[str, Any]:
        """The `PUT /incidents/{id}` fields for a change; empty if it already holds."""
        fields: dict[str, Any] = {}
        if change.status is not None and change.status is not current.status:
            # acknowledged on a resolved incident reopens it (PagerDuty assigns it to `From`).
            acknowledge = change.status is Status.ACKNOWLEDGED
            fields["status"] = "acknowledged" if acknowledge else "resolved"
            if change.status is Status.RESOLVED and change.reason:
                fields["resolution"] = change.reason
        if change.severity is not None and change.severity is not current.severity:
            scale = await self.incidents.priorities()
            priority = scale.priority_for(change.severity)
            if priority is None:
                raise Rejected(no_priority(change.severity, scale), 422, "unsupported")
            if pd.priority is None or pd.priority.id != priority.id:
                fields["priority"] = {"id": priority.id, "type": "priority_reference"}
        if change.sets_assignee and change.assignee and change.assignee != current.assignee:
            user = await self.users.find(change.assignee)
            fields["assignments"] = [{"assignee": {"id": user.id, "type": "user_reference"}}]
        return fields

    @staticmethod
    def _reason_note(change: IncidentPatch, before: Incident) -> str:
        return f"{change_words(change, before)}: {change.reason}"[:TEXT_MAX]

    async def patch(
        self, incident_id: str, change: IncidentPatch, version: int, key: str
    ) -> Incident:
        """Acknowledge, resolve, reopen, reprioritize or reassign with `PUT /incidents/{id}`.

        Raises:
            Rejected: code `unsupported` for what PagerDuty cannot express,
                `unknown_user` for an assignee PagerDuty does not know.
            Conflict: the incident moved since `version` (see the module docstring).
        """
        why = unsupported_reason(change, self.incidents.scale)
        if why:
            raise Rejected(why, 422, "unsupported")
        progress = self._progress.setdefault(key, _Progress())
        try:
            if progress.incident is None:
                pd, current = await self.incidents.fetch(incident_id)
                fields = await self._put_fields(change, pd, current)
                if fields:
                    self._check_conflict(current, version)
                    if change.reason and change.status is not Status.RESOLVED:
                        progress.note = self._reason_note(change, current)
                    progress.pd, progress.incident = await self._put(incident_id, fields)
                else:
                    # It holds already: nothing to do, or a retry whose PUT went through
                    # (then the reason note the first attempt meant to post is still due).
                    progress.incident = current
            if progress.note:
                applied = progress.note.split(": ", 1)[0]  # the note's own "what changed"
                note = self._note_once(incident_id, progress.note, key + ".reason")
                left_by_put = progress.incident
                await then_note(note, applied, "the reason note", lambda: left_by_put)
                progress.note = ""
        except (Rejected, PartlyApplied):
            del self._progress[key]  # an answer: the outbox will not retry this key
            raise
        del self._progress[key]
        return progress.incident

    # --- notes ----------------------------------------------------------------------------

    async def _note_once(self, incident_id: str, text: str, key: str) -> PdNote:
        """Post a note, unless this key's earlier attempt went through after all."""
        me = await self.users.me()
        path = f"/incidents/{quote(incident_id, safe='')}/notes"
        first = self._note_attempts.get(key)
        if first is not None:
            response = await self.http.request("GET", path)
            for note in valid(PdNote, self.http.json_list(response, "notes"), None):
                if (
                    note.content == text
                    and note.user is not None
                    and note.user.id == me.id
                    and note.created_at >= first - NOTE_LOOKBACK
                ):
                    self._note_attempts.pop(key, None)
                    self.incidents.versions.moved(incident_id, note.created_at)
                    return note
        self._note_attempts.setdefault(key, self.clock())
        try:
            response = await self.http.request(
                "POST", path, body={"note": {"content": text}}, write=True
            )
        except Rejected:
            self._note_attempts.pop(key, None)
            raise
        note = self.http.json_one(PdNote, response, "note")
        self._note_attempts.pop(key, None)
        self.incidents.versions.moved(incident_id, note.created_at)
        return note

    async def add_note(self, incident_id: str, text: str, key: str) -> NoteResult:
        """`POST /incidents/{id}/notes` (posted once per key within a session)."""
        note = await self._note_once(incident_id, text, key)
        pd, _ = await self.incidents.fetch(incident_id)
        incident = self.incidents.to_incident(pd, newer=True)
        event = TimelineEvent(
            seq=millis(note.created_at),
            incident_id=incident.id,
            at=note.created_at,
            actor=await self.users.my_name(),
            kind=EventKind.NOTE,
            data={"pd_type": "note"},
            message=note.content[:TEXT_MAX],
        )
        return NoteResult(event=event, incident=incident)

    # --- escalation -------------------------------------------------------------------------

    async def escalate(
        self, incident_id: str, body: EscalationCreate, key: str
    ) -> EscalationResult:
        """Page the PagerDuty users among the targets, and record the escalation as a note.

        Targets that are PagerDuty users are paged: with `escalation_level` when
        all are on call at one level of the incident's escalation policy, else by
        reassigning the incident to them. Targets from the local directory cannot
        be paged by PagerDuty: the note names them and says so.
        """
        if self.oncall.by_id is None and any(self.oncall.user_of(t) is None for t in body.targets):
            # Without the directory, targets named pd-… still resolve; others are recorded.
            with contextlib.suppress(Unavailable):
                await self.oncall.directory()
        paged: list[tuple[str, str]] = []
        recorded: list[str] = []
        for target in body.targets:
            user_id = self.oncall.user_of(target)
            if user_id is None and target.startswith("pd-"):
                user_id = target[3:].upper()
            if user_id is None:
                recorded.append(target)
            else:
                paged.append((target, user_id))
        progress = self._progress.setdefault(key, _Progress())
        try:
            if progress.pd is None:
                pd, current = await self.incidents.fetch(incident_id)
                if current.status is Status.RESOLVED:
                    why = f"{incident_id} is resolved: reopen it first"
                    raise Rejected(why, 422, "unsupported")
                wanted = {user_id for _, user_id in paged}
                holding = {assignment.assignee.id for assignment in pd.assignments}
                # Already theirs: a retry whose first answer was lost (they were paged
                # then), or asked of the people who hold it. Either way, page nobody again.
                if wanted and not wanted <= holding:
                    fields = self._escalation_fields(pd, [user_id for _, user_id in paged])
                    pd, _ = await self._put(incident_id, fields)
                progress.pd = pd
                progress.note = self._escalation_note(body, paged, recorded)
            if progress.note:
                done = progress.note.split("\n", 1)[0] if paged else "nobody paged"
                note = self._note_once(incident_id, progress.note, key + ".note")
                pd_now = progress.pd
                left = lambda: self.incidents.to_incident(pd_now, newer=True)  # noqa: E731
                await then_note(note, done, "the escalation note", left)
                progress.note = ""
        except (Rejected, PartlyApplied):
            del self._progress[key]
            raise
        del self._progress[key]
        incident = self.incidents.to_incident(progress.pd, newer=True)
        now = self.clock()
        escalation = Escalation(
            id=max(millis(now), 1),
            incident_id=incident.id,
            targets=list(body.targets),
            note=body.note,
            actor=await self.users.my_name(),
            at=now,
        )
        return EscalationResult(escalation=escalation, incident=incident)

    def _escalation_fields(self, pd: PdIncident, user_ids: list[str]) -> dict[str, Any]:
        policy = pd.escalation_policy.id if pd.escalation_policy else ""
        levels = {self.oncall.levels_of(user_id).get(policy) for user_id in user_ids}
        if policy and len(levels) == 1:
            level = levels.pop()
            if level is not None:
                return {"escalation_level": level}
        assignees = [{"assignee": {"id": uid, "type": "user_reference"}} for uid in user_ids]
        return {"assignments": assignees}

    def _escalation_note(
        self, body: EscalationCreate, paged: list[tuple[str, str]], recorded: list[str]
    ) -> str:
        directory = self.oncall.by_id or {}

        def name(target: str) -> str:
            contact = directory.get(target)
            return f"{contact.name} ({TEAM_LABELS[contact.team]})" if contact else target

        lines = []
        if paged:
            lines.append(f"Escalated to {', '.join(name(t) for t, _ in paged)} (paged)")
        if recorded:
            names = ", ".join(name(t) for t in recorded)
            lines.append(f"Escalated to {names} (not in PagerDuty: not paged, contact directly)")
        if body.note:
            lines.append(body.note)
        return "\n".join(lines)[:TEXT_MAX]

    async def escalate_to_level(
        self, incident_id: str, level: int, version: int | None = None
    ) -> Incident:
        """`PUT /incidents/{id}` with `escalation_level`: page whoever is on call at that level."""
        if level < 1:
            raise Rejected("escalation levels start at 1", 422, "unsupported")
        _, current = await self.incidents.fetch(incident_id)
        if version is not None:
            self._check_conflict(current, version)
        _, incident = await self._put(incident_id, {"escalation_level": level})
        return incident

    # --- bulk -------------------------------------------------------------------------------

    async def bulk_status(
        self, incident_ids: Sequence[str], status: Status, resolution: str = ""
    ) -> BulkOutcome:
        """Acknowledge or resolve many incidents with `PUT /incidents`, at most 250 a request.

        A refused request fails its incidents and the next request goes on; an
        unavailable PagerDuty (a 429, a timeout) fails the rest without sending.
        """
        if status not in (Status.ACKNOWLEDGED, Status.RESOLVED):
            why = UNSUPPORTED_STATUS.get(status, "unsupported status")
            raise Rejected(why, 422, "unsupported")
        await self.incidents.priorities()
        ids = list(dict.fromkeys(incident_ids))
        chunks = [ids[start : start + BULK_LIMIT] for start in range(0, len(ids), BULK_LIMIT)]
        updated: list[Incident] = []
        failed: list[tuple[str, str]] = []
        for index, chunk in enumerate(chunks):
            items: list[dict[str, Any]] = []
            for incident_id in chunk:
                item = {"id": incident_id, "type": "incident_reference", "status": status.value}
                if status is Status.RESOLVED and resolution:
                    item["resolution"] = resolution
                items.append(item)
            try:
                response = await self.http.request(
                    "PUT", "/incidents", body={"incidents": items}, write=True
                )
            except Unavailable as error:
                rest = [incident_id for later in chunks[index:] for incident_id in later]
                failed.extend((incident_id, error.message) for incident_id in rest)
                break
            except Rejected as error:
                failed.extend((incident_id, error.message) for incident_id in chunk)
                continue
            answered = await self.incidents.answered_all(response, "incidents")
            updated.extend(answered)
            done = {incident.id for incident in answered}
            failed.extend((i, "not in PagerDuty's answer") for i in chunk if i not in done)
        return BulkOutcome(updated, failed)
