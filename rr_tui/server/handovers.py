"""Shift handover records on the reference server: written by a lead, acknowledged by another.

Rules, checked inside the writing transaction: only a lead writes or acknowledges
a handover; the author cannot acknowledge their own (the point is that someone
else has read it); an acknowledgement names the version it read, so a handover
edited or acknowledged meanwhile answers 409 with the current record. Retries are
made safe by `Keyed` (the `Idempotency-Key`), like every other change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from rr_tui.models import Handover, HandoverAck, HandoverCreate, Role
from rr_tui.server import schema
from rr_tui.server.errors import ApiError, Forbidden, NotFound, Unprocessable
from rr_tui.server.transaction import Actor


class HandoverConflict(ApiError):
    """The acknowledgement named a version that is no longer current."""

    status = 409
    code = "version_conflict"


def _lead(actor: Actor, what: str) -> None:
    if actor.role is not Role.LEAD:
        raise Forbidden(f"only a lead may {what} a shift handover")


def load(conn: Connection, handover_id: int) -> Handover:
    """One handover, or 404."""
    row = (
        conn.execute(select(schema.handovers).where(schema.handovers.c.id == handover_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no handover {handover_id}")
    return Handover.model_validate(dict(row))


def listed(conn: Connection, *, pending: bool, limit: int) -> list[Handover]:
    """Handovers newest first; only those still waiting for acknowledgement if `pending`."""
    table = schema.handovers
    query = select(table).order_by(table.c.id.desc()).limit(limit)
    if pending:
        query = query.where(table.c.acknowledged_at.is_(None))
    return [Handover.model_validate(dict(row)) for row in conn.execute(query).mappings()]


def create(conn: Connection, body: HandoverCreate, actor: Actor, now: datetime) -> Handover:
    """Store the outgoing lead's note."""
    _lead(actor, "write")
    row: dict[str, Any] = {
        "version": 1,
        "author": actor.name,
        "note": body.note,
        # A client whose clock runs ahead must not store a shift that starts later.
        "since": min(body.since, now),
        "created_at": now,
        "reply": "",
    }
    key = conn.execute(insert(schema.handovers).values(**row)).inserted_primary_key
    assert key is not None
    return load(conn, int(key[0]))


def acknowledge(
    conn: Connection,
    handover_id: int,
    body: HandoverAck,
    actor: Actor,
    expected_version: int,
    now: datetime,
) -> Handover:
    """Mark a handover read by the incoming lead, if `expected_version` is current."""
    _lead(actor, "acknowledge")
    current = load(conn, handover_id)
    if current.author == actor.name:
        raise Unprocessable(
            "you wrote this handover: the incoming lead acknowledges it", code="own_handover"
        )
    if current.version != expected_version or not current.pending:
        raise HandoverConflict(
            f"handover {handover_id} is at version {current.version}"
            + (f", acknowledged by {current.acknowledged_by}" if not current.pending else "")
        )
    conn.execute(
        update(schema.handovers)
        .where(schema.handovers.c.id == handover_id)
        .values(
            version=current.version + 1,
            acknowledged_by=actor.name,
            acknowledged_at=now,
            reply=body.reply,
        )
    )
    return load(conn, handover_id)
