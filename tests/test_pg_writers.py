"""Two stores on one PostgreSQL database, as two server processes: writers serialised (issue 13).

Each `Store` has its own engine, pool and in-process lock, as a process of its
own would. The first holds a write transaction open; the second starts the
same change; the first commits only once the database shows the second
waiting on it (a condition with a deadline, no timing), and the second must
then see the first's change: a stale `If-Match` is a conflict, a note takes
the next version, a reused `Idempotency-Key` replays the first answer.

Before `isolation.serialise_writers` the second read version 1 under READ
COMMITTED, passed its check and waited only at the change counter: it applied
the patch again, gave its note the same version, and failed on the key's
primary key (`UniqueViolation ... idempotency_pkey`, a 500). The HTTP version
of this, with two real server processes, is tests/test_multiprocess.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from rr_tui.models import EventKind, IncidentCreate, IncidentPatch, NoteResult, Role, Severity
from rr_tui.server.errors import VersionConflict
from rr_tui.server.store import Actor, Store, Tx, fingerprint
from tests.conftest import STORE_URL, store_url

pytestmark = pytest.mark.skipif(
    not STORE_URL or make_url(STORE_URL).get_backend_name() != "postgresql",
    reason="two stores on one PostgreSQL database: make pytest-pg",
)

LEAD = Actor("lee.lead", Role.LEAD)
INTAKE = IncidentCreate.model_validate(
    {
        "title": "race",
        "severity": "SEV3",
        "category": "harassment",
        "region": "TH",
        "source": "user_report",
    }
)

Change = Callable[[Tx], object]


@pytest.fixture
def two_stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """Two stores, as two processes would open them, on one empty database."""
    with store_url(tmp_path) as url:
        first, second = Store.open(url), Store.open(url)
        yield first, second
        first.close()
        second.close()


def blocked_by(store: Store, pid: int) -> bool:
    """Whether some session of the database waits on a lock the session `pid` holds."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
    with store.engine.connect() as conn:
        return bool(conn.scalar(query, {"pid": pid}))


def race(first: Store, second: Store, change: Change) -> tuple[object, object]:
    """`change` on `first`, committed once `change` on `second` waits for it: both outcomes."""
    outcome: list[object] = []

    def on_second() -> None:
        try:
            with second.write() as tx:
                outcome.append(change(tx))
        except Exception as error:  # the outcome under test
            outcome.append(error)

    thread = threading.Thread(target=on_second)
    with first.write() as tx:
        ours = change(tx)
        pid = int(tx.conn.scalar(text("SELECT pg_backend_pid()")) or 0)
        thread.start()
        deadline = time.monotonic() + 10
        while not blocked_by(first, pid) and thread.is_alive():
            assert time.monotonic() < deadline, "the second writer never waited for the first"
            time.sleep(0.005)
    thread.join(10)
    assert outcome, "the second writer did not finish"
    return ours, outcome[0]


def opened(store: Store) -> str:
    with store.write() as tx:
        return tx.create(INTAKE, LEAD).id


def test_a_stale_if_match_on_the_other_process_is_a_conflict(
    two_stores: tuple[Store, Store],
) -> None:
    first, second = two_stores
    incident_id = opened(first)
    raise_it = IncidentPatch(severity=Severity.SEV1, reason="spreading")
    _ours, theirs = race(first, second, lambda tx: tx.patch(incident_id, raise_it, LEAD, 1))
    assert isinstance(theirs, VersionConflict), theirs
    assert second.get(incident_id).version == 2
    kinds = [event.kind for event in second.timeline(incident_id)]
    assert kinds.count(EventKind.SEVERITY_CHANGED) == 1


def test_notes_on_two_processes_get_two_versions(two_stores: tuple[Store, Store]) -> None:
    first, second = two_stores
    incident_id = opened(first)
    ours, theirs = race(first, second, lambda tx: tx.add_note(incident_id, "seen", LEAD))
    assert isinstance(ours, NoteResult)
    assert isinstance(theirs, NoteResult), theirs
    assert (ours.incident.version, theirs.incident.version) == (2, 3)
    assert second.get(incident_id).version == 3


def test_one_key_on_two_processes_is_applied_once_and_replayed(
    two_stores: tuple[Store, Store],
) -> None:
    first, second = two_stores
    incident_id = opened(first)
    path = f"/api/v1/incidents/{incident_id}/notes"
    digest = fingerprint("POST", path, {"text": "seen"})

    def keyed_note(tx: Tx) -> tuple[str, str]:
        # What routes.keyed does in its transaction: replay, or change and remember.
        stored = tx.replay(LEAD, "retry-1", digest)
        if stored is not None:
            return "replayed", stored[1]
        body = tx.add_note(incident_id, "seen", LEAD).model_dump_json()
        tx.remember(LEAD, "retry-1", digest, 201, body)
        return "applied", body

    ours, theirs = race(first, second, keyed_note)
    assert isinstance(ours, tuple)
    assert ours[0] == "applied"
    assert theirs == ("replayed", ours[1])
    notes = [event for event in second.timeline(incident_id) if event.kind is EventKind.NOTE]
    assert len(notes) == 1
