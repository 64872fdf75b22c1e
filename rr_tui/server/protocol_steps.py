"""Protocols in the store: activate one on an incident and tick its steps, inside a `Tx`.

Each write checks the incident's version (`If-Match`), applies the change with
the pure engine (`rr_tui.deadlines.protocols`), stores the run, writes the
incident's protocol progress with a new version and change number (so
dashboards see it in the next delta) and one `protocol` timeline event by
whom, all in the caller's transaction. A ticked step that starts a clock starts
it in that same transaction (through `clock_steps`, with its own `clock` event).

Roles follow the clocks' (see `clock_steps`): activating a protocol, like
starting a clock, makes the incident more urgent, so anyone may; ticking a
step records work done on the incident, like meeting a clock, so it is its
assignee's (or anyone's while it is free) or a lead's; unticking undoes
recorded work, like cancelling a clock, so it is a lead's.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, insert, select, update

from rr_tui import deadlines
from rr_tui.deadlines import Catalogue, Clock, ProtocolError, ProtocolRun
from rr_tui.deadlines import protocols as engine
from rr_tui.deadlines.protocol_wire import ProtocolActivate, ProtocolResult, ProtocolTick
from rr_tui.models import EventKind, Incident, Role
from rr_tui.server import clock_steps, rows, schema
from rr_tui.server.errors import Forbidden, Unprocessable
from rr_tui.server.transaction import Actor, Tx

_RUNS = TypeAdapter(list[ProtocolRun])


def stored(conn: Connection, incident_id: str) -> list[ProtocolRun]:
    """The protocols activated on the incident, oldest first."""
    docs = conn.scalars(
        select(schema.protocol_runs.c.doc)
        .where(schema.protocol_runs.c.incident_id == incident_id)
        .order_by(schema.protocol_runs.c.id)
    )
    return _RUNS.validate_python(list(docs))


def _store(tx: Tx, run: ProtocolRun) -> ProtocolRun:
    if run.id == 0:
        values = {"incident_id": run.incident_id, "protocol_id": run.protocol.id, "doc": {}}
        key = tx.conn.execute(insert(schema.protocol_runs).values(**values)).inserted_primary_key
        assert key is not None
        run = run.model_copy(update={"id": int(key[0])})
    tx.conn.execute(
        update(schema.protocol_runs)
        .where(schema.protocol_runs.c.id == run.id)
        .values(doc=run.model_dump(mode="json"))
    )
    return run


def _record(
    tx: Tx,
    incident: Incident,
    run: ProtocolRun,
    actor: Actor,
    message: str,
    data: dict[str, str | bool | None],
    clock: Clock | None = None,
) -> ProtocolResult:
    """Store the run, write the incident's progress (new version) and the timeline event."""
    run = _store(tx, run)
    updated = tx._save(incident, protocol=engine.progress(stored(tx.conn, incident.id)))
    details: dict[str, Any] = {
        "run_id": run.id,
        "protocol": run.protocol.id,
        "progress": run.progress,
        "clock_id": clock.id if clock is not None else None,
        **data,
    }
    message = f"{run.protocol.id} {message} ({run.progress})"
    tx._event(incident.id, actor, EventKind.PROTOCOL, message, **details)
    return ProtocolResult(run=run, incident=updated, clock=clock)


def activate(
    tx: Tx,
    catalogue: Catalogue,
    incident_id: str,
    body: ProtocolActivate,
    actor: Actor,
    expected_version: int,
) -> ProtocolResult:
    """Activate a protocol that applies to the incident; one run of each protocol at most."""
    incident = clock_steps._current(tx, incident_id, expected_version)
    protocol = catalogue.protocol(body.protocol)
    if protocol is None:
        raise Unprocessable(
            f"no protocol {body.protocol!r} in this server's catalogue", code="unknown_protocol"
        )
    if not protocol.applies_to(incident.region, incident.category):
        raise Unprocessable(
            f"{protocol.id} does not apply to {incident.region} · {incident.category}",
            code="protocol_does_not_apply",
        )
    if any(run.protocol.id == protocol.id for run in stored(tx.conn, incident.id)):
        raise Unprocessable(
            f"{protocol.id} is already active on {incident.id}", code="protocol_already_active"
        )
    run = engine.activate(protocol, incident.id, now=tx.now, by=actor.name)
    words = f"activated — {body.note}" if body.note else "activated"
    return _record(tx, incident, run, actor, words, {"step": None, "note": body.note})


def _load(tx: Tx, incident_id: str, run_id: int) -> ProtocolRun:
    return ProtocolRun.model_validate(
        rows.incident_doc(tx.conn, schema.protocol_runs, run_id, incident_id, "protocol run")
    )


def _start_clock(
    tx: Tx, catalogue: Catalogue, incident: Incident, rule_id: str, step: str, actor: Actor
) -> tuple[Incident, Clock | None, str]:
    """Start the step's clock where its rule covers the incident and none of it is open."""
    rule = catalogue.get(rule_id)
    if rule is None or not rule.applies_to(incident.region, incident.category):
        return incident, None, f"{rule_id} does not cover {incident.region}: no clock started"
    running = [c for c in clock_steps.stored(tx.conn, incident.id) if c.rule.id == rule_id]
    if any(clock.is_open for clock in running):
        return incident, None, f"{rule_id} is already running"
    clock = deadlines.start(rule, incident.id, trigger_at=tx.now, now=tx.now, by=actor.name)
    result = clock_steps._record(tx, incident, clock, actor, "started", f"protocol step {step}")
    return result.incident, result.clock, f"started {rule_id}"


def tick(
    tx: Tx,
    catalogue: Catalogue,
    incident_id: str,
    run_id: int,
    body: ProtocolTick,
    actor: Actor,
    expected_version: int,
) -> ProtocolResult:
    """Tick (or untick) one step of a protocol run; a step with `starts` starts its clock."""
    incident = clock_steps._current(tx, incident_id, expected_version)
    run = _load(tx, incident.id, run_id)
    lead = actor.role is Role.LEAD
    if not body.done and not lead:
        raise Forbidden(f"only a lead may untick a step: it undoes work recorded on {incident.id}")
    if body.done and not lead and incident.assignee not in (None, actor.name):
        raise Forbidden(
            f"{incident.id} is assigned to {incident.assignee}; only they or a lead may tick "
            "its protocol"
        )
    step = run.protocol.step(body.step)
    try:
        if not body.done:
            changed = engine.untick(run, body.step)
            return _record(tx, incident, changed, actor, f"{body.step} unticked", _data(body))
        engine.tick(run, body.step, now=tx.now, by=actor.name)  # refused before any clock starts
    except ProtocolError as error:
        raise Unprocessable(str(error), code="protocol_step_refused") from None
    clock: Clock | None = None
    said = ""
    if step is not None and step.starts is not None:
        incident, clock, said = _start_clock(tx, catalogue, incident, step.starts, step.id, actor)
    changed = engine.tick(
        run,
        body.step,
        now=tx.now,
        by=actor.name,
        note=body.note,
        clock_id=clock.id if clock is not None else None,
    )
    words = f"{body.step} ticked" + "".join(f" — {text}" for text in (said, body.note) if text)
    return _record(tx, incident, changed, actor, words, _data(body), clock)


def _data(body: ProtocolTick) -> dict[str, str | bool | None]:
    return {"step": body.step, "done": body.done, "note": body.note}
