"""Clocks in the store: start (at intake or by hand) and every later step, inside a `Tx`.

Each write checks the incident's version (`If-Match`), applies the step with
the pure engine (`rr_tui.deadlines`), stores the clock, bumps the incident's
version (so dashboards see it in the next delta) and writes one timeline event
by whom, all in the caller's transaction.

Who may do what follows the role matrix of `transaction`: anything that makes
an incident more urgent (start, resume) anyone may do; what makes it less
urgent (pause, cancel) is a lead's; meeting a clock decides for the incident,
so it is its assignee's (or anyone's while it is free) or a lead's; who may
extend is the rule's to say.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, insert, select, update

from rr_tui import deadlines
from rr_tui.deadlines import Catalogue, Clock, ClockError, ClockRule, ClockState
from rr_tui.deadlines.steps import NEEDS_REASON, take
from rr_tui.deadlines.wire import ClockResult, ClockStart, ClockStep
from rr_tui.models import EventKind, Incident, Role
from rr_tui.server import rows, schema
from rr_tui.server.errors import Forbidden, Unprocessable, VersionConflict
from rr_tui.server.transaction import Actor, Tx

_CLOCKS = TypeAdapter(list[Clock])


def stored(conn: Connection, incident_id: str) -> list[Clock]:
    """The incident's clocks as stored, oldest first."""
    docs = conn.scalars(
        select(schema.clocks.c.doc)
        .where(schema.clocks.c.incident_id == incident_id)
        .order_by(schema.clocks.c.id)
    )
    return _CLOCKS.validate_python(list(docs))


def read(conn: Connection, incident_id: str, now: datetime) -> list[Clock]:
    """The incident's clocks, oldest first, each in its state at `now` (missed by itself)."""
    return [
        clock.model_copy(update={"state": clock.state_at(now)})
        for clock in stored(conn, incident_id)
    ]


def _store(tx: Tx, clock: Clock) -> Clock:
    values: dict[str, Any] = {
        "incident_id": clock.incident_id,
        "rule_id": clock.rule.id,
        "state": clock.state.value,
        "due_at": clock.due_at,
    }
    if clock.id == 0:
        key = tx.conn.execute(insert(schema.clocks).values(**values, doc={})).inserted_primary_key
        assert key is not None
        clock = clock.model_copy(update={"id": int(key[0])})
    doc = clock.model_dump(mode="json")
    tx.conn.execute(
        update(schema.clocks).where(schema.clocks.c.id == clock.id).values(**values, doc=doc)
    )
    return clock


def _record(
    tx: Tx, incident: Incident, clock: Clock, actor: Actor, step: str, text: str, **more: Any
) -> ClockResult:
    """Store the clock, bump the incident's version and write the timeline event (with `more`
    in its data: an extension's amount, which a paused clock's due time does not show)."""
    clock = _store(tx, clock)
    # Stored state: a running clock past due (missed by itself) still heads the queue.
    running = [kept for kept in stored(tx.conn, incident.id) if kept.state is ClockState.RUNNING]
    soonest = min(running, key=lambda kept: kept.due_at, default=None)
    updated = tx._save(
        incident,
        deadline_at=soonest.due_at if soonest else None,
        deadline_rule=soonest.rule.id if soonest else None,
    )
    message = f"{clock.rule.id} {step}: due {clock.due_at:%Y-%m-%d %H:%M} UTC"
    tx._event(
        incident.id,
        actor,
        EventKind.CLOCK,
        f"{message} — {text}" if text else message,
        clock_id=clock.id,
        rule=clock.rule.id,
        step=step,
        state=clock.state.value,
        due_at=clock.due_at.isoformat(),
        reason=text,
        **more,
    )
    return ClockResult(clock=clock, incident=updated)


def _current(tx: Tx, incident_id: str, expected_version: int | None) -> Incident:
    incident = tx.get(incident_id)
    if expected_version is not None and incident.version != expected_version:
        raise VersionConflict(incident, expected_version)
    return incident


def _refused(error: ClockError) -> Unprocessable:
    return Unprocessable(str(error), code="clock_step_refused")


def start(
    tx: Tx,
    catalogue: Catalogue,
    incident_id: str,
    body: ClockStart,
    actor: Actor,
    expected_version: int,
) -> ClockResult:
    """Start a rule's clock by hand; the rule must apply to the incident's market and category."""
    incident = _current(tx, incident_id, expected_version)
    rule = catalogue.get(body.rule)
    if rule is None:
        raise Unprocessable(
            f"no clock rule {body.rule!r} in this server's catalogue", code="unknown_rule"
        )
    if not rule.applies_to(incident.region, incident.category):
        raise Unprocessable(
            f"{rule.id} does not apply to {incident.region} · {incident.category}",
            code="rule_does_not_apply",
        )
    try:
        clock = deadlines.start(
            rule, incident.id, trigger_at=body.trigger_at or tx.now, now=tx.now, by=actor.name
        )
    except ClockError as error:
        raise _refused(error) from None
    return _record(tx, incident, clock, actor, "started", body.note)


def at_intake(tx: Tx, catalogue: Catalogue, incident: Incident, actor: Actor) -> Incident:
    """Start every clock the intake of `incident` triggers; the incident as it is then."""
    rules: list[ClockRule] = catalogue.at_intake(
        incident.region, incident.category, incident.source.value
    )
    for rule in rules:
        clock = deadlines.start(
            rule,
            incident.id,
            trigger_at=incident.created_at,
            now=tx.now,
            by=actor.name,
            via="intake",
        )
        incident = _record(
            tx, incident, clock, actor, "started", f"at intake from {incident.source.value}"
        ).incident
    return incident


def _load(tx: Tx, incident_id: str, clock_id: int) -> Clock:
    return Clock.model_validate(
        rows.incident_doc(tx.conn, schema.clocks, clock_id, incident_id, "clock")
    )


def step(
    tx: Tx,
    incident_id: str,
    clock_id: int,
    body: ClockStep,
    actor: Actor,
    expected_version: int,
) -> ClockResult:
    """Pause, resume, extend, meet or cancel one clock of the incident."""
    incident = _current(tx, incident_id, expected_version)
    clock = _load(tx, incident.id, clock_id)
    lead = actor.role is Role.LEAD
    if body.step in ("pause", "cancel") and not lead:
        raise Forbidden(f"only a lead may {body.step} a clock: it makes {incident.id} less urgent")
    if body.step == "met" and not lead and incident.assignee not in (None, actor.name):
        raise Forbidden(
            f"{incident.id} is assigned to {incident.assignee}; only they or a lead may mark "
            "its clock met"
        )
    allowed = clock.rule.extendable_by
    if body.step == "extend" and allowed and actor.role not in allowed:
        names = ", ".join(sorted(role.value for role in allowed))
        raise Forbidden(f"only a {names} may extend {clock.rule.id}")
    if body.step in NEEDS_REASON and not body.reason.strip():
        raise Unprocessable(f"say why ({body.step} needs a reason)", code="reason_required")
    try:
        changed, word = take(clock, body, now=tx.now, by=actor.name, role=actor.role)
    except ClockError as error:
        raise _refused(error) from None
    text = body.evidence if body.step == "met" else body.reason
    more: dict[str, Any] = {}
    if body.step == "extend" and body.amount is not None:
        # A paused clock's due time does not show the extension: its amount goes on the event.
        more["amount_seconds"] = int(body.amount.total_seconds())
    return _record(tx, incident, changed, actor, word, text, **more)


def load_incident(conn: Connection, incident_id: str) -> Incident:
    """The incident, or NotFound (before reading its clocks)."""
    return rows.load_incident(conn, incident_id)
