"""The store's schema comes from its Alembic migrations (issue 13, item 2).

The migrations must build exactly what `schema.metadata` describes (so a table
added to the metadata without a revision fails here), a database made by
`create_all` before migrations is stamped and kept, and servers started at once
on one empty database migrate and seed it once. Each test runs on SQLite and, under
`make pytest-pg`, on the PostgreSQL named by `RR_TEST_STORE_URL` as well.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, select, text

from rr_tui.models import IncidentCreate
from rr_tui.server import migrate, schema, seed_data
from rr_tui.server.seed import seed_demo
from rr_tui.server.simulator import SIMULATOR
from rr_tui.server.store import Store
from tests.test_stored_values import store_url

SERVERS = 4


@pytest.fixture(params=["sqlite", "under-test"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or the store under test (`RR_TEST_STORE_URL`)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with store_url(tmp_path) as url:
        if url.startswith("sqlite"):
            pytest.skip("no RR_TEST_STORE_URL: the SQLite case covers it")
        yield url


def test_the_migrations_build_what_the_metadata_describes(empty_url: str) -> None:
    store = Store.open(empty_url, sqlite_sync="normal")
    try:
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
            head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
            assert MigrationContext.configure(conn).get_current_revision() == head
        assert diff == [], "schema.py changed without a migration: write the next revision"
    finally:
        store.close()


BEFORE = ("contacts", "counters", "escalations", "idempotency", "incidents", "meta", "timeline")
"""The tables `create_all` made before migrations (what revision 0001 describes)."""
LATER_INDEXES = ("ix_timeline_kind",)
"""Indexes on those tables that a later revision added (0005)."""


def test_a_database_made_before_migrations_is_stamped_and_kept(empty_url: str) -> None:
    """What `create_all` made (no `alembic_version`) is taken as the first revision."""
    engine = schema.make_engine(empty_url)
    with engine.begin() as conn:
        # The tables of that day (revision 0001), not every table the metadata has now.
        schema.metadata.create_all(conn, tables=[schema.metadata.tables[n] for n in BEFORE])
        for index in LATER_INDEXES:  # added to those tables by a later revision
            conn.execute(text(f"DROP INDEX {index}"))
        conn.execute(insert(schema.meta).values(key="epoch", value="0ldepoch"))
        conn.execute(
            insert(schema.counters),
            [{"name": "change_seq", "value": 0}, {"name": "incident_no", "value": 1000}],
        )
    engine.dispose()
    first = Store.open(empty_url, sqlite_sync="normal")
    with first.write() as tx:
        tx.create(seed_data.random_incident(random.Random(1)), SIMULATOR)
    first.close()
    again = Store.open(empty_url, sqlite_sync="normal")
    try:
        assert again.epoch == "0ldepoch"  # cursors handed out before the upgrade stay valid
        assert again.count() == 1
        with again.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() is not None
            assert (
                conn.scalar(
                    select(schema.counters.c.value).where(schema.counters.c.name == "incident_no")
                )
                == 1001
            )
    finally:
        again.close()


def _open_seed_and_write(url: str, start: threading.Barrier) -> tuple[str, int]:
    start.wait()
    store = Store.open(url, sqlite_sync="normal")
    try:
        added = seed_demo(store)
        with store.write() as tx:
            body = IncidentCreate.model_validate(
                {
                    "title": "started",
                    "severity": "SEV3",
                    "category": "harassment",
                    "region": "SG",
                    "source": "employee",
                }
            )
            tx.create(body, SIMULATOR)
        return store.epoch, added
    finally:
        store.close()


def test_servers_started_at_once_on_an_empty_database_migrate_and_seed_once(
    empty_url: str,
) -> None:
    """Issue 13: of four processes opening an empty PostgreSQL at once, most crashed
    (`DuplicateTable "counters"`, unique violations), and two `--seed` seeded twice."""
    start = threading.Barrier(SERVERS)
    with ThreadPoolExecutor(SERVERS) as pool:
        done = list(pool.map(lambda _: _open_seed_and_write(empty_url, start), range(SERVERS)))
    expected = len(seed_data.demo_incidents(random.Random(2041)))
    assert len({epoch for epoch, _ in done}) == 1  # one database, one epoch
    assert sorted(added for _, added in done) == [0] * (SERVERS - 1) + [expected]
    store = Store.open(empty_url, sqlite_sync="normal")
    try:
        assert store.count(open_only=False) == expected + SERVERS
        assert len(store.contacts()[0]) == len(seed_data.demo_contacts())
    finally:
        store.close()
