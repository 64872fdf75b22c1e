"""`bulk.create_many` writes what as many `Tx.create` calls would (the fast seeding path)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from rr_tui.models import Role
from rr_tui.server import schema, seed_data
from rr_tui.server.bulk import create_many
from rr_tui.server.errors import Forbidden
from rr_tui.server.store import Actor, Store
from tests.conftest import store_url

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
LEAD = Actor("lead", Role.LEAD)


def _tables(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every incident, timeline and counter row, in key order."""
    out = {}
    with store.engine.connect() as conn:
        for table, key in (
            (schema.incidents, schema.incidents.c.id),
            (schema.timeline, schema.timeline.c.seq),
            (schema.counters, schema.counters.c.name),
        ):
            out[table.name] = [
                dict(row) for row in conn.execute(select(table).order_by(key)).mappings()
            ]
    return out


def test_create_many_writes_what_create_writes_one_by_one(tmp_path: Path) -> None:
    rng = random.Random(9)
    bodies = [seed_data.random_incident(rng) for _ in range(30)]
    with store_url(tmp_path, "one.db") as one_url, store_url(tmp_path, "many.db") as many_url:
        one = Store.open(one_url, clock=lambda: NOW)
        many = Store.open(many_url, clock=lambda: NOW)
        try:
            with one.write() as tx:
                created = [tx.create(body, LEAD) for body in bodies]
            with many.write() as tx:
                made = create_many(tx, bodies[:10], LEAD) + create_many(tx, bodies[10:], LEAD)
            assert made == created
            assert _tables(many) == _tables(one)
            assert [i.id for i in many.changes(None, 100).items] == [i.id for i in created]
        finally:
            one.close()
            many.close()


def test_create_many_keeps_the_role_rules(store: Store) -> None:
    body = seed_data.random_incident(random.Random(2)).model_copy(update={"assignee": "someone"})
    analyst = Actor("ana", Role.ANALYST)
    with pytest.raises(Forbidden), store.write() as tx:
        create_many(tx, [body], analyst)
    assert store.count() == 0
