"""Fill a store with the demo data set, or with many incidents for benchmarks.

Seeding writes through `Tx` like every other change, with back-dated times, so
seeded incidents carry the same timeline a real one would. The demo set is loaded
once per database: the check and a `seeded` marker row go in the same write
transaction as the data, so of two servers started at once on an empty database
one seeds and the other finds the marker (SQLite queues them on the write lock;
on PostgreSQL the second insert of the marker's key waits, then fails, and that
server seeds nothing).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from rr_tui.models import EscalationCreate, IncidentPatch, Status
from rr_tui.server import schema, seed_data
from rr_tui.server.bulk import create_many
from rr_tui.server.simulator import SIMULATOR
from rr_tui.server.store import Actor, Store

SEEDED = "seeded"
"""The `meta` key that says the demo data set was loaded."""


def seed_demo(store: Store, rng: random.Random | None = None) -> int:
    """Load the demo directory and incidents if the store has none; returns incidents added."""
    try:
        added = _seed_once(store, rng or random.Random(2041))
    except IntegrityError:
        return 0  # another server inserted the marker first (PostgreSQL): it seeds
    finally:
        store.forget_contacts()
    return added


def _seed_once(store: Store, rng: random.Random) -> int:
    seeds = sorted(
        (_within_sla(seed, store, rng) for seed in seed_data.demo_incidents(rng)),
        key=lambda s: s.created_ago,
        reverse=True,
    )
    with store.write() as tx:
        conn = tx.conn
        if conn.scalar(select(schema.meta.c.value).where(schema.meta.c.key == SEEDED)):
            return 0
        conn.execute(insert(schema.meta).values(key=SEEDED, value=tx.now.isoformat()))
        if not conn.scalar(select(func.count()).select_from(schema.contacts)):
            conn.execute(
                insert(schema.contacts),
                [{"id": c.id, "doc": c.model_dump(mode="json")} for c in seed_data.demo_contacts()],
            )
        if conn.scalar(select(func.count()).select_from(schema.incidents)):
            return 0  # data from before the marker (or from users): leave it
        now = tx.now
        for seed in seeds:
            opened = now - seed.created_ago
            incident = tx.create(seed.create, SIMULATOR, created_at=opened)
            # Spread the follow-ups over the incident's life so far.
            steps = len(seed.severity_changes) + len(seed.notes) + 2
            tick = seed.created_ago / (steps + 1)
            at = opened
            for severity in seed.severity_changes:
                at += tick
                raised = severity.rank < incident.severity.rank
                body = IncidentPatch(severity=severity, reason=seed_data.random_reason(rng, raised))
                incident = tx.patch(incident.id, body, SIMULATOR, incident.version, at=at)
            if seed.status is not Status.NEW:
                at += tick
                actor = Actor(seed.assignee, SIMULATOR.role) if seed.assignee else SIMULATOR
                body = IncidentPatch(status=Status.ACKNOWLEDGED, assignee=seed.assignee)
                incident = tx.patch(incident.id, body, actor, incident.version, at=at)
                if seed.escalate_to:
                    at += tick
                    note = seed_data.random_note(rng, incident.category)
                    escalation = EscalationCreate(targets=list(seed.escalate_to), note=note)
                    incident = tx.escalate(incident.id, escalation, actor, at=at).incident
            for text in seed.notes:
                at += tick
                incident = tx.add_note(incident.id, text, SIMULATOR, at=at).incident
            if seed.status not in (Status.NEW, Status.ACKNOWLEDGED, incident.status):
                at += tick
                body = IncidentPatch(status=seed.status, reason="closed out at handover")
                incident = tx.patch(incident.id, body, SIMULATOR, incident.version, at=at)
    return len(seeds)


def _within_sla(
    seed: seed_data.SeedIncident, store: Store, rng: random.Random
) -> seed_data.SeedIncident:
    """Open incidents still being worked are mostly inside their SLA, as on a healthy shift."""
    if seed.status not in (Status.NEW, Status.ACKNOWLEDGED, Status.ESCALATED):
        return seed
    final = seed.severity_changes[-1] if seed.severity_changes else seed.create.severity
    budget = store.sla[final] * rng.uniform(0.15, 1.25)
    return replace(seed, created_ago=max(min(seed.created_ago, budget), timedelta(minutes=2)))


BULK_BATCH = 5_000
"""Incidents built and inserted at a time by `seed_bulk` (bounds its memory)."""


def seed_bulk(store: Store, count: int, rng: random.Random | None = None) -> None:
    """Add `count` random open incidents in one transaction (benchmarks, load tests).

    Through `bulk.create_many`: 100,000 incidents in seconds rather than minutes.
    """
    rng = rng or random.Random(7)
    with store.write() as tx:
        for start in range(0, count, BULK_BATCH):
            batch = [seed_data.random_incident(rng) for _ in range(min(BULK_BATCH, count - start))]
            create_many(tx, batch, SIMULATOR)
