"""The no-change poll answers from a head read moments ago on PostgreSQL (`HeadReader.recent`).

What it may not do: miss a write of its own process at the next poll, keep a
read that began before such a write, or lose, skip or repeat a change committed
through another process (that one may be answered "nothing yet" for at most
`RECENT` seconds). The server tests run on the database under test; on SQLite
nothing is kept, and they hold all the same.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from rr_tui.models import Role
from rr_tui.server import seed_data
from rr_tui.server.head import HeadReader
from rr_tui.server.store import Actor, Store
from tests.conftest import RunningServer

INTAKE = {"severity": "SEV1", "category": "hate_speech", "region": "TH", "source": "user_report"}
LEAD = Actor("lead", Role.LEAD)


class Ticks:
    """A monotonic clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _add(store: Store, title: str = "x") -> str:
    body = seed_data.random_incident(random.Random(title))
    with store.write() as tx:
        return tx.create(body.model_copy(update={"title": title}), LEAD).id


def test_a_read_is_kept_for_recent_seconds_only(store: Store) -> None:
    ticks = Ticks()
    reader = HeadReader(store.engine, recent=1.0, clock=ticks)
    assert reader.recent() is None
    first = reader.read()
    ticks.now += 0.9
    assert reader.recent() == first
    ticks.now += 0.1
    assert reader.recent() is None


def test_forget_drops_the_kept_read(store: Store) -> None:
    reader = HeadReader(store.engine, recent=10.0, clock=Ticks())
    reader.read()
    reader.forget()
    assert reader.recent() is None


def test_a_read_begun_before_a_commit_is_not_kept(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read saw the head before a commit of this process that forgot it meanwhile."""
    reader = HeadReader(store.engine, recent=10.0, clock=Ticks())
    read = reader._read

    def raced() -> int:
        stale = read()
        _add(store)
        reader.forget()  # as Store.write does once the commit is visible
        return stale

    monkeypatch.setattr(reader, "_read", raced)
    reader.read()
    assert reader.recent() is None


def test_a_write_through_this_process_is_seen_by_the_very_next_poll(
    server: RunningServer,
) -> None:
    """Without `forget` on commit, a poll within `RECENT` of a POST answered 304 (PostgreSQL)."""
    with server.client() as client:
        etag = client.get("/incidents").headers["ETag"]
        for n in range(15):
            cursor = etag.strip('"')
            not_modified = client.get(
                "/incidents", params={"since": cursor}, headers={"If-None-Match": etag}
            )
            assert not_modified.status_code == 304  # the head is now kept
            posted = client.post("/incidents", json={"title": f"t{n}", **INTAKE}).json()["id"]
            page = client.get(
                "/incidents", params={"since": cursor}, headers={"If-None-Match": etag}
            )
            assert page.status_code == 200, n
            assert [item["id"] for item in page.json()["items"]] == [posted]
            etag = page.headers["ETag"]


@pytest.fixture
def other_process(server: RunningServer) -> Iterator[Store]:
    """Another server process's store over the same database (its own engine and head)."""
    url = server.store.engine.url.render_as_string(hide_password=False)
    other = Store.open(url, sqlite_sync="normal")
    yield other
    other.close()


def test_a_commit_through_another_process_arrives_once(
    server: RunningServer, other_process: Store
) -> None:
    """It may be answered "nothing yet" briefly; then it comes, once, and nothing else does."""
    with server.client() as client:
        first = client.get("/incidents")
        etag, cursor = first.headers["ETag"], first.json()["cursor"]
        delivered: list[str] = []
        for n in range(5):
            made = _add(other_process, f"other {n}")
            deadline = time.monotonic() + 10
            while made not in delivered:
                assert time.monotonic() < deadline, f"{made} never came"
                page = client.get(
                    "/incidents", params={"since": cursor}, headers={"If-None-Match": etag}
                )
                if page.status_code == 304:
                    continue
                body = page.json()
                assert not body["reset"]
                delivered += [item["id"] for item in body["items"]]
                etag, cursor = page.headers["ETag"], body["cursor"]
        assert len(delivered) == len(set(delivered)) == 5


def test_a_cursor_newer_than_the_kept_head_reads_afresh(
    server: RunningServer, other_process: Store
) -> None:
    """A client that followed another process past this one's kept head is not reset."""
    with server.client() as client:
        client.get("/incidents")  # keeps this process's head
        _add(other_process)
        newer = other_process.head().encode()
        page = client.get("/incidents", params={"since": newer})
        assert page.status_code == 200
        body = page.json()
        assert body["items"] == []
        assert not body["reset"]
        assert body["cursor"] == newer
