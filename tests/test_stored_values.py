"""What the store holds reads back as it was written, over every value the API accepts (issue 11).

Each stored type is checked over its whole accepted range with hypothesis, through
the real server on loopback, and what cannot be stored must be refused (422), never
stored to fail every later read. The tests run on the store named by
`RR_TEST_STORE_URL` (any SQLAlchemy URL, e.g. a PostgreSQL database made for the
run) and on a fresh SQLite file without it: `make test` runs them on both, on a
PostgreSQL it starts itself (`scripts/pg.sh`). On PostgreSQL every test gets a
schema of its own, dropped after it, so each starts on empty tables as on SQLite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    insert,
    select,
    text,
    update,
)

from rr_tui.models import TIME_MAX, TIME_MIN
from rr_tui.server import schema, seed_data
from rr_tui.server.api import create_app
from rr_tui.server.runner import ServerThread
from rr_tui.server.store import Store
from tests.conftest import LEAD, TEST_USERS, RunningServer
from tests.conftest import store_url as store_url  # re-exported: modules import it from here

EXAMPLES = settings(
    max_examples=int(os.environ.get("RR_SOAK_EXAMPLES", "40")),
    derandomize=not os.environ.get("RR_SOAK_EXAMPLES"),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

INTAKE = {
    "title": "Coordinated doxxing of poll workers",
    "severity": "SEV2",
    "category": "privacy_doxxing",
    "region": "PH",
    "source": "trusted_flagger",
}

# Every UTC offset a real time zone has had, to the minute.
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@pytest.fixture
def any_store(tmp_path: Path) -> Iterator[RunningServer]:
    """The reference server over the store under test, with the demo directory."""
    with store_url(tmp_path) as url:
        store = Store.open(url, sqlite_sync="normal")
        store.replace_contacts(seed_data.demo_contacts())
        with ServerThread(create_app(store, TEST_USERS)) as thread:
            yield RunningServer(thread.url, store)
        store.close()


@pytest.fixture
def client(any_store: RunningServer) -> Iterator[httpx.Client]:
    """A lead's client on the store under test."""
    with any_store.client(LEAD) as lead:
        yield lead


def list_still_works(client: httpx.Client) -> None:
    """Every client's poll still gets its page: nothing stored poisons the read side."""
    assert client.get("/incidents").status_code == 200


# --- times ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "due_at",
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
)
def test_go_zero_time_and_the_ends_of_time_are_refused_not_poison(
    client: httpx.Client, due_at: str
) -> None:
    response = client.post("/incidents", json={**INTAKE, "due_at": due_at})
    assert response.status_code == 422, response.text
    assert "due_at" in response.json()["error"]["message"]
    list_still_works(client)


@EXAMPLES
@given(moment=st.datetimes(timezones=OFFSETS))
def test_any_due_at_is_stored_exactly_or_refused(client: httpx.Client, moment: datetime) -> None:
    """Over every time Python can write, at every offset: 201 inside the window, else 422."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = None  # its UTC instant is outside year 1..9999: it cannot be stored anywhere
    response = client.post("/incidents", json={**INTAKE, "due_at": moment.isoformat()})
    if utc is not None and TIME_MIN <= utc < TIME_MAX:
        assert response.status_code == 201, response.text
        stored = client.get(f"/incidents/{response.json()['id']}").json()
        assert datetime.fromisoformat(stored["due_at"]) == moment
    else:
        assert response.status_code == 422, response.text
    list_still_works(client)


def test_a_time_written_by_the_old_code_still_reads(
    any_store: RunningServer, client: httpx.Client
) -> None:
    """A store poisoned before the fix (an unpadded year) serves its lists again."""
    created = client.post("/incidents", json=INTAKE).json()
    with any_store.store.engine.begin() as conn:
        conn.execute(
            update(schema.incidents)
            .where(schema.incidents.c.id == created["id"])
            .values(due_at=text("'1-01-01T00:00:00.000000Z'"))
        )
    list_still_works(client)
    assert client.get(f"/incidents/{created['id']}").json()["due_at"] == "0001-01-01T00:00:00Z"


_times = MetaData()
_probe = Table(
    "time_probe",
    _times,
    Column("id", Integer, primary_key=True),
    Column("at", schema.UtcDateTime, nullable=False),
)

EVERY_UTC_TIME = st.datetimes(timezones=st.just(UTC))


@EXAMPLES
@given(first=EVERY_UTC_TIME, second=EVERY_UTC_TIME)
def test_the_time_column_holds_every_time_in_order(
    any_store: RunningServer, first: datetime, second: datetime
) -> None:
    """Years 1..9999 all read back, and the text order is the time order (cursors rely on it)."""
    engine = any_store.store.engine
    _times.create_all(engine)
    with engine.begin() as conn:
        conn.execute(_probe.delete())
        conn.execute(insert(_probe), [{"id": 1, "at": first}, {"id": 2, "at": second}])
        assert list(conn.scalars(select(_probe.c.at).order_by(_probe.c.id))) == [first, second]
        ordered = list(conn.scalars(select(_probe.c.id).order_by(_probe.c.at, _probe.c.id)))
    assert ordered == ([1, 2] if first <= second else [2, 1])
