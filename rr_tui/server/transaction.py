"""`Tx`, the store's write transaction, and `Actor`, who makes a change.

Every write goes through `Store.write()`, which yields a `Tx`: one database
transaction in which a change, its timeline events, its change number and the
idempotency record that lets a retry replay it all commit together or not at
all. The API and the simulator use the same `Tx` methods, so the simulator's
traffic exercises exactly the code clients do. The rules of a change (the role
matrix in README's "Who may do what", which timeline events it writes) live
here, once. The matrix in one line: an analyst may make anything more urgent
and work what is free or their own; making something less urgent (a lower
severity, a later deadline) or deciding for someone else's incident is a lead's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from rr_tui.models import (
    Escalation,
    EscalationCreate,
    EscalationResult,
    EventKind,
    Incident,
    IncidentCreate,
    IncidentPatch,
    NoteResult,
    Role,
    Severity,
    Status,
    TimelineEvent,
)
from rr_tui.server import rows, schema
from rr_tui.server.errors import Forbidden, Unprocessable, VersionConflict


@dataclass(frozen=True)
class Actor:
    """Who is making a change: a user name and a role."""

    name: str
    role: Role


def fingerprint(method: str, path: str, body: Any) -> str:
    """A digest of a request, to tell a retry (same digest) from a reused key."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Tx:
    """The operations of one write transaction. Get one from `Store.write()`."""

    def __init__(self, conn: Connection, now: datetime, sla: Mapping[Severity, timedelta]) -> None:
        self.conn = conn
        self.now = now
        self.sla = sla

    # --- idempotency ------------------------------------------------------------

    def replay(self, actor: Actor, key: str, digest: str) -> tuple[int, str] | None:
        """The stored (status, body) for a key this user already used, or None.

        The same key with a different request is refused: replaying the old
        answer would tell the client its new request was applied.
        """
        table = schema.idempotency
        row = self.conn.execute(
            select(table.c.fingerprint, table.c.status_code, table.c.response).where(
                table.c.actor == actor.name, table.c.key == key
            )
        ).first()
        if row is None:
            return None
        if row.fingerprint != digest:
            raise Unprocessable(
                "this Idempotency-Key was already used for a different request; "
                "use a new key for a new request",
                code="idempotency_key_reused",
            )
        return int(row.status_code), str(row.response)

    def remember(self, actor: Actor, key: str, digest: str, status: int, body: str) -> None:
        """Record the answer to a keyed request, in the same transaction as the change."""
        self.conn.execute(
            insert(schema.idempotency).values(
                actor=actor.name,
                key=key,
                fingerprint=digest,
                status_code=status,
                response=body,
                created_at=self.now,
            )
        )

    # --- changes ----------------------------------------------------------------

    def reserve(self, name: str, count: int) -> int:
        """Take `count` numbers of counter `name` (`change_seq`, `incident_no`); the last one."""
        counter = schema.counters
        value = self.conn.scalar(
            update(counter)
            .where(counter.c.name == name)
            .values(value=counter.c.value + count)
            .returning(counter.c.value)
        )
        return int(value)

    def _next(self, name: str) -> int:
        return self.reserve(name, 1)

    def _event(
        self,
        incident_id: str,
        actor: Actor,
        kind: EventKind,
        message: str = "",
        at: datetime | None = None,
        **data: Any,
    ) -> TimelineEvent:
        row = {
            "incident_id": incident_id,
            "at": at or self.now,
            "actor": actor.name,
            "kind": kind.value,
            "data": data,
            "message": message,
        }
        seq = self.conn.execute(insert(schema.timeline).values(**row)).inserted_primary_key
        assert seq is not None
        return TimelineEvent.model_validate({**row, "seq": seq[0]})

    def _save(self, before: Incident, at: datetime | None = None, **changes: Any) -> Incident:
        """Write changes to an incident with a new version and change number."""
        when = at or self.now
        values = {
            **changes,
            "version": before.version + 1,
            "updated_at": when,
            "change_seq": self._next("change_seq"),
        }
        self.conn.execute(
            update(schema.incidents).where(schema.incidents.c.id == before.id).values(**values)
        )
        values.pop("change_seq")
        return before.model_copy(update=values)

    def get(self, incident_id: str) -> Incident:
        """An incident as this transaction sees it, or NotFound."""
        return rows.load_incident(self.conn, incident_id)

    def create(
        self, body: IncidentCreate, actor: Actor, *, created_at: datetime | None = None
    ) -> Incident:
        """Open a new incident (`RR-<n>`) with its `created` event.

        An analyst may leave it free or assign it to themselves, and may set a
        deadline sooner than the SLA but not a later one.
        """
        when = created_at or self.now
        incident = opened(body, actor, self._next("incident_no"), when, self.sla)
        self.conn.execute(
            insert(schema.incidents).values(
                **incident.model_dump(), change_seq=self._next("change_seq")
            )
        )
        self._event(incident.id, actor, EventKind.CREATED, at=when, **created_event(body))
        return incident

    def patch(
        self,
        incident_id: str,
        body: IncidentPatch,
        actor: Actor,
        expected_version: int,
        *,
        at: datetime | None = None,
    ) -> Incident:
        """Change severity, status and/or assignee if `expected_version` is current.

        Each field that changes writes its own timeline event with the reason.
        A patch that changes nothing is answered with the incident as it is.
        """
        current = self.get(incident_id)
        if current.version != expected_version:
            raise VersionConflict(current, expected_version)
        when = at or self.now
        changes: dict[str, Any] = {}
        events: list[tuple[EventKind, str, dict[str, Any]]] = []
        reason = body.reason
        lead = actor.role is Role.LEAD
        mine_or_free = current.assignee in (None, actor.name)

        if body.severity is not None and body.severity is not current.severity:
            if body.severity.rank > current.severity.rank and not lead:
                raise Forbidden(
                    f"only a lead may lower {current.id} from {current.severity} "
                    f"to {body.severity}; an analyst may only raise severity"
                )
            changes["severity"] = body.severity
            changes["due_at"] = current.created_at + self.sla[body.severity]
            data: dict[str, Any] = {
                "from": current.severity.value,
                "to": body.severity.value,
                "reason": reason,
            }
            events.append((EventKind.SEVERITY_CHANGED, reason, data))

        if body.status is not None and body.status is not current.status:
            if not lead and not mine_or_free:
                raise Forbidden(
                    f"{current.id} is assigned to {current.assignee}; only they or a lead "
                    f"may set it {body.status}"
                )
            kind = _status_kind(current.status, body.status)
            changes["status"] = body.status
            if body.status is Status.RESOLVED:
                changes["resolved_at"] = when
            elif current.status is Status.RESOLVED:
                changes["resolved_at"] = None
            if body.status is not Status.NEW and current.acknowledged_at is None:
                changes["acknowledged_at"] = when
            data = {"from": current.status.value, "to": body.status.value, "reason": reason}
            events.append((kind, reason, data))

        if body.sets_assignee and body.assignee != current.assignee:
            if not lead and not mine_or_free:
                raise Forbidden(
                    f"{current.id} is assigned to {current.assignee}; "
                    "only a lead may reassign someone else's incident"
                )
            if not lead and current.assignee is None and body.assignee != actor.name:
                # Nobody but a lead could undo it: another analyst may not touch it then.
                raise Forbidden(
                    f"{current.id} is free: take it yourself, or ask a lead to assign it "
                    f"to {body.assignee}"
                )
            changes["assignee"] = body.assignee
            data = {"from": current.assignee, "to": body.assignee, "reason": reason}
            events.append((EventKind.ASSIGNED, reason, data))

        if not changes:
            return current
        updated = self._save(current, at=when, **changes)
        for kind, message, data in events:
            self._event(current.id, actor, kind, message, at=when, **data)
        return updated

    def add_note(
        self, incident_id: str, text: str, actor: Actor, *, at: datetime | None = None
    ) -> NoteResult:
        """Append a note; the incident's version moves so pollers refetch its timeline."""
        current = self.get(incident_id)
        updated = self._save(current, at=at)
        event = self._event(current.id, actor, EventKind.NOTE, text, at=at)
        return NoteResult(event=event, incident=updated)

    def escalate(
        self,
        incident_id: str,
        body: EscalationCreate,
        actor: Actor,
        *,
        at: datetime | None = None,
    ) -> EscalationResult:
        """Record an escalation to directory contacts and mark the incident escalated."""
        current = self.get(incident_id)
        if current.status is Status.RESOLVED:
            raise Unprocessable(
                f"{current.id} is resolved; reopen it before escalating", code="invalid_state"
            )
        targets = list(dict.fromkeys(body.targets))
        known = set(
            self.conn.scalars(select(schema.contacts.c.id).where(schema.contacts.c.id.in_(targets)))
        )
        unknown = [target for target in targets if target not in known]
        if unknown:
            raise Unprocessable(
                f"unknown contact ids: {', '.join(unknown)}", code="unknown_contact"
            )
        when = at or self.now
        changes: dict[str, Any] = {
            "escalated_to": list(dict.fromkeys([*current.escalated_to, *targets]))
        }
        if current.status in (Status.NEW, Status.ACKNOWLEDGED):
            changes["status"] = Status.ESCALATED
        if current.acknowledged_at is None:
            changes["acknowledged_at"] = when
        updated = self._save(current, at=when, **changes)
        row = {
            "incident_id": current.id,
            "targets": targets,
            "note": body.note,
            "actor": actor.name,
            "at": when,
        }
        key = self.conn.execute(insert(schema.escalations).values(**row)).inserted_primary_key
        assert key is not None
        self._event(
            current.id,
            actor,
            EventKind.ESCALATED,
            body.note,
            at=when,
            targets=targets,
            escalation_id=key[0],
            **(
                {"from": current.status.value, "to": Status.ESCALATED.value}
                if "status" in changes
                else {}
            ),
        )
        escalation = Escalation.model_validate({**row, "id": key[0]})
        return EscalationResult(escalation=escalation, incident=updated)


def opened(
    body: IncidentCreate,
    actor: Actor,
    number: int,
    when: datetime,
    sla: Mapping[Severity, timedelta],
) -> Incident:
    """The new incident `RR-<number>` opened by `actor` at `when`, if the role allows it.

    An analyst may leave it free or assign it to themselves, and may set a
    deadline sooner than the SLA but not a later one. Shared by `Tx.create` and
    `bulk.create_many`, so a bulk-seeded incident is the one the API would open.
    """
    sla_due = when + sla[body.severity]
    if actor.role is not Role.LEAD:
        if body.assignee not in (None, actor.name):
            raise Forbidden(
                f"only a lead may open an incident assigned to {body.assignee}; "
                "leave it free or assign it to yourself"
            )
        if body.due_at is not None and body.due_at > sla_due:
            raise Forbidden(
                f"only a lead may set a deadline later than the {body.severity} SLA "
                f"({sla_due:%Y-%m-%d %H:%M} UTC)"
            )
    return Incident(
        id=f"RR-{number}",
        title=body.title,
        summary=body.summary,
        severity=body.severity,
        status=Status.NEW,
        category=body.category,
        region=body.region,
        source=body.source,
        assignee=body.assignee,
        escalated_to=[],
        sensitive=body.sensitive,
        created_at=when,
        updated_at=when,
        due_at=body.due_at or sla_due,
        version=1,
        tags=body.tags,
        links=body.links,
    )


def created_event(body: IncidentCreate) -> dict[str, Any]:
    """The message and data of a new incident's `created` timeline event."""
    return {
        "message": f"opened from {body.source.value.replace('_', ' ')}",
        "severity": body.severity.value,
        "source": body.source.value,
        "region": body.region,
        "category": body.category,
        "assignee": body.assignee,
    }


def _status_kind(before: Status, after: Status) -> EventKind:
    if after is Status.RESOLVED:
        return EventKind.RESOLVED
    if before is Status.RESOLVED:
        return EventKind.REOPENED
    if after is Status.ACKNOWLEDGED:
        return EventKind.ACKNOWLEDGED
    return EventKind.STATUS_CHANGED
