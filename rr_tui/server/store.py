"""The reference server's store: incidents, their timeline, contacts and idempotency keys.

Every write goes through `Store.write()`, which yields a `Tx`: one database
transaction in which a change, its timeline events, its change number and the
idempotency record that lets a retry replay it all commit together or not at
all. The API and the simulator use the same `Tx` methods, so the simulator's
traffic exercises exactly the code clients do.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import (
    Connection,
    Engine,
    Result,
    RowMapping,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from rr_tui.models import (
    DEFAULT_SLA,
    Contact,
    Escalation,
    EscalationCreate,
    EscalationResult,
    EventKind,
    Incident,
    IncidentCreate,
    IncidentPage,
    IncidentPatch,
    NoteResult,
    Role,
    Severity,
    Status,
    TimelineEvent,
    utcnow,
)
from rr_tui.server import schema
from rr_tui.server.errors import ApiError, Forbidden, NotFound, Unprocessable, VersionConflict

Clock = Callable[[], datetime]

IDEMPOTENCY_TTL = timedelta(days=7)
"""Idempotency keys older than this are forgotten when the store opens."""

FIRST_INCIDENT_NO = 1000


@dataclass(frozen=True)
class Actor:
    """Who is making a change: a user name and a role."""

    name: str
    role: Role


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in the change stream of one database.

    Serialised opaquely; the epoch tells a cursor from another database (a
    restored backup, a fresh demo) apart, and such a cursor gets a full reset.
    """

    epoch: str
    seq: int

    def encode(self) -> str:
        """The opaque string a client passes back as `since`."""
        raw = f"{self.epoch}:{self.seq}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Parse a cursor from `encode`, or raise a 400 that says what is wrong."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            epoch, _, seq = raw.partition(":")
            cursor = cls(epoch, int(seq))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ApiError(
                "since is not a cursor this server issued", code="invalid_cursor"
            ) from None
        if not epoch or cursor.seq < 0:
            raise ApiError("since is not a cursor this server issued", code="invalid_cursor")
        return cursor


def fingerprint(method: str, path: str, body: Any) -> str:
    """A digest of a request, to tell a retry (same digest) from a reused key."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Store:
    """The SQL store behind the reference server. Thread-safe."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = utcnow,
        sla: Mapping[Severity, timedelta] = DEFAULT_SLA,
        resolved_window: timedelta = timedelta(hours=24),
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.sla = dict(sla)
        self.resolved_window = resolved_window
        # SQLite serialises writers anyway; queueing them here first keeps the
        # threadpool from spinning on the database lock.
        self._write_lock = threading.Lock()
        schema.metadata.create_all(engine)
        self.epoch = self._init_counters()
        self._contacts: list[Contact] | None = None
        self._contacts_etag = ""

    @classmethod
    def open(cls, url: str, *, sqlite_sync: schema.SqliteSync = "full", **kwargs: Any) -> Store:
        """Open (and create if needed) the store at a SQLAlchemy URL."""
        return cls(schema.make_engine(url, sqlite_sync=sqlite_sync), **kwargs)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def _init_counters(self) -> str:
        with self._writing() as conn:
            epoch = conn.scalar(select(schema.meta.c.value).where(schema.meta.c.key == "epoch"))
            if epoch is None:
                epoch = secrets.token_hex(6)
                conn.execute(insert(schema.meta).values(key="epoch", value=epoch))
                conn.execute(
                    insert(schema.counters),
                    [
                        {"name": "change_seq", "value": 0},
                        {"name": "incident_no", "value": FIRST_INCIDENT_NO},
                    ],
                )
            cutoff = self.clock() - IDEMPOTENCY_TTL
            conn.execute(delete(schema.idempotency).where(schema.idempotency.c.created_at < cutoff))
        return str(epoch)

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self._write_lock, self.engine.connect() as conn:
            conn.execution_options(**{schema.WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One write transaction: everything done through the `Tx` commits together."""
        with self._writing() as conn:
            yield Tx(self, conn, self.clock())

    # --- reads ----------------------------------------------------------------

    def head(self) -> Cursor:
        """The cursor of the newest change: one indexed read, for the no-change fast path."""
        with self.engine.connect() as conn:
            seq = conn.scalar(_SEQ_QUERY)
        return Cursor(self.epoch, int(seq or 0))

    def changes(self, since: Cursor | None, limit: int) -> IncidentPage:
        """Incidents changed after `since`, oldest change first, at most `limit` of them.

        Without a usable cursor (none, another database's, or one from the
        future) the page starts a full snapshot (`reset`): every open incident
        plus those resolved within `resolved_window`.
        """
        with self.engine.connect() as conn, conn.begin():
            head = int(conn.scalar(_SEQ_QUERY) or 0)
            table = schema.incidents
            reset = since is None or since.epoch != self.epoch or since.seq > head
            query = select(table).order_by(table.c.change_seq).limit(limit + 1)
            if reset:
                cutoff = self.clock() - self.resolved_window
                query = query.where(
                    or_(table.c.status != Status.RESOLVED.value, table.c.resolved_at >= cutoff)
                )
            else:
                assert since is not None
                query = query.where(table.c.change_seq > since.seq)
            rows = _dicts(conn.execute(query))
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1]["change_seq"] if more else head
        return IncidentPage(
            items=_incidents(rows),
            cursor=Cursor(self.epoch, last).encode(),
            server_time=self.clock(),
            reset=reset,
            more=more,
        )

    def get(self, incident_id: str) -> Incident:
        """One incident, or NotFound."""
        with self.engine.connect() as conn:
            return _load(conn, incident_id)

    def timeline(self, incident_id: str, after: int = 0, limit: int = 1000) -> list[TimelineEvent]:
        """An incident's timeline events with `seq > after`, oldest first."""
        table = schema.timeline
        with self.engine.connect() as conn, conn.begin():
            _load(conn, incident_id)
            rows = conn.execute(
                select(table)
                .where(table.c.incident_id == incident_id, table.c.seq > after)
                .order_by(table.c.seq)
                .limit(limit)
            ).mappings()
            return [TimelineEvent.model_validate(dict(row)) for row in rows]

    def count(self, *, open_only: bool = True) -> int:
        """How many incidents there are (open ones only by default)."""
        query = select(func.count()).select_from(schema.incidents)
        if open_only:
            query = query.where(schema.incidents.c.status != Status.RESOLVED.value)
        with self.engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    def contacts(self) -> tuple[list[Contact], str]:
        """The stakeholder directory and its ETag (cached; the directory rarely changes)."""
        if self._contacts is None:
            with self.engine.connect() as conn:
                rows = conn.execute(select(schema.contacts.c.doc).order_by(schema.contacts.c.id))
                self._set_contacts([Contact.model_validate(doc) for (doc,) in rows])
        assert self._contacts is not None
        return self._contacts, self._contacts_etag

    def replace_contacts(self, contacts: Sequence[Contact]) -> None:
        """Replace the whole stakeholder directory."""
        with self._writing() as conn:
            conn.execute(delete(schema.contacts))
            if contacts:
                conn.execute(
                    insert(schema.contacts),
                    [{"id": c.id, "doc": c.model_dump(mode="json")} for c in contacts],
                )
        self._set_contacts(list(contacts))

    def _set_contacts(self, contacts: list[Contact]) -> None:
        digest = hashlib.sha256()
        for contact in contacts:
            digest.update(contact.model_dump_json().encode())
        self._contacts = contacts
        self._contacts_etag = f'"c-{digest.hexdigest()[:20]}"'

    def open_incidents(self) -> list[Incident]:
        """Every open incident (for the simulator's choices)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(schema.incidents).where(schema.incidents.c.status != Status.RESOLVED.value)
            ).mappings()
            return [_incident(row) for row in rows]


_SEQ_QUERY = select(schema.counters.c.value).where(schema.counters.c.name == "change_seq")


_INCIDENT_LIST = TypeAdapter(list[Incident])


def _dicts(result: Result[Any]) -> list[dict[str, Any]]:
    """Rows as plain dicts (zip with the keys once: RowMapping is slow per row)."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def _incidents(rows: list[dict[str, Any]]) -> list[Incident]:
    """Incidents from table rows, validated in one call into pydantic-core."""
    for row in rows:
        row.pop("change_seq", None)
    return _INCIDENT_LIST.validate_python(rows)


def _incident(row: RowMapping) -> Incident:
    return _incidents([dict(row)])[0]


def _load(conn: Connection, incident_id: str) -> Incident:
    row = (
        conn.execute(select(schema.incidents).where(schema.incidents.c.id == incident_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no incident {incident_id}")
    return _incident(row)


class Tx:
    """The operations of one write transaction. Get one from `Store.write()`."""

    def __init__(self, store: Store, conn: Connection, now: datetime) -> None:
        self.store = store
        self.conn = conn
        self.now = now

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

    def _next(self, name: str) -> int:
        counter = schema.counters
        value = self.conn.scalar(
            update(counter)
            .where(counter.c.name == name)
            .values(value=counter.c.value + 1)
            .returning(counter.c.value)
        )
        return int(value)

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
        return _load(self.conn, incident_id)

    def create(
        self, body: IncidentCreate, actor: Actor, *, created_at: datetime | None = None
    ) -> Incident:
        """Open a new incident (`RR-<n>`) with its `created` event."""
        when = created_at or self.now
        incident = Incident(
            id=f"RR-{self._next('incident_no')}",
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
            due_at=body.due_at or when + self.store.sla[body.severity],
            version=1,
            tags=body.tags,
            links=body.links,
        )
        self.conn.execute(
            insert(schema.incidents).values(
                **incident.model_dump(), change_seq=self._next("change_seq")
            )
        )
        self._event(
            incident.id,
            actor,
            EventKind.CREATED,
            f"opened from {body.source.value.replace('_', ' ')}",
            at=when,
            severity=body.severity.value,
            source=body.source.value,
            region=body.region,
            category=body.category,
            assignee=body.assignee,
        )
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

        if body.severity is not None and body.severity is not current.severity:
            if body.severity.rank > current.severity.rank and actor.role is not Role.LEAD:
                raise Forbidden(
                    f"only a lead may lower {current.id} from {current.severity} "
                    f"to {body.severity}; an analyst may only raise severity"
                )
            changes["severity"] = body.severity
            changes["due_at"] = current.created_at + self.store.sla[body.severity]
            data: dict[str, Any] = {
                "from": current.severity.value,
                "to": body.severity.value,
                "reason": reason,
            }
            events.append((EventKind.SEVERITY_CHANGED, reason, data))

        if body.status is not None and body.status is not current.status:
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
            mine_or_free = current.assignee in (None, actor.name)
            if actor.role is not Role.LEAD and not mine_or_free:
                raise Forbidden(
                    f"{current.id} is assigned to {current.assignee}; "
                    "only a lead may reassign someone else's incident"
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


def _status_kind(before: Status, after: Status) -> EventKind:
    if after is Status.RESOLVED:
        return EventKind.RESOLVED
    if before is Status.RESOLVED:
        return EventKind.REOPENED
    if after is Status.ACKNOWLEDGED:
        return EventKind.ACKNOWLEDGED
    return EventKind.STATUS_CHANGED
