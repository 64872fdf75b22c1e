"""Open many incidents in one write transaction, a few statements in all (benchmarks, load tests).

`Tx.create` runs four statements an incident (two counter bumps, the row, its
`created` event), each built and cache-keyed by SQLAlchemy anew: 100,000
incidents took about ten minutes, nearly all of it building statements.
`create_many` takes the numbers for a whole batch in two counter updates and
inserts the rows and events with one `executemany` each. The incidents and
events are built by the same functions `Tx.create` uses (`transaction.opened`,
`transaction.created_event`), so the store holds exactly what as many
`Tx.create` calls would have written (`tests/test_bulk.py` compares the two).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert

from rr_tui.models import EventKind, Incident, IncidentCreate
from rr_tui.server import schema
from rr_tui.server.transaction import Actor, Tx, created_event, opened


def create_many(tx: Tx, bodies: Sequence[IncidentCreate], actor: Actor) -> list[Incident]:
    """Open one incident per body at `tx.now`, in order, as `tx.create` would one by one."""
    count = len(bodies)
    if not count:
        return []
    first_no = tx.reserve("incident_no", count) - count + 1
    first_seq = tx.reserve("change_seq", count) - count + 1
    made = [opened(body, actor, first_no + n, tx.now, tx.sla) for n, body in enumerate(bodies)]
    tx.conn.execute(
        insert(schema.incidents),
        [{**incident.model_dump(), "change_seq": first_seq + n} for n, incident in enumerate(made)],
    )
    events = []
    for incident, body in zip(made, bodies, strict=True):
        data = created_event(body)
        message = data.pop("message")
        events.append(
            {
                "incident_id": incident.id,
                "at": tx.now,
                "actor": actor.name,
                "kind": EventKind.CREATED.value,
                "data": data,
                "message": message,
            }
        )
    tx.conn.execute(insert(schema.timeline), events)
    return made
