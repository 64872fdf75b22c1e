"""The no-change poll answers from a head read moments ago on PostgreSQL (`HeadReader.recent`).

What it may not do: miss a write of its own process at the next poll, keep a
read that began before such a write, or lose, skip or repeat a change committed
through another process (that one may be answered "nothing yet" for at most
`RECENT` seconds). The server tests run on the database under test; on SQLite
nothing is kept, and they hold all the same.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, event

from rr_tui.models import Role
from rr_tui.server import seed_data
from rr_tui.server.head import RECENT, HeadReader
from rr_tui.server.store import Actor, Store
from tests.conftest import STORE_URL, RunningServer

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


def _counting_reads(engine: Engine, gate: threading.Event | None = None) -> list[int]:
    """Count the head reads run on `engine`; with `gate`, each waits for it to open."""
    reads: list[int] = []

    @event.listens_for(engine, "before_cursor_execute")
    def counted(*args: object) -> None:
        if " ".join(str(args[2]).split()).startswith("SELECT counters.value FROM counters"):
            reads.append(1)
            if gate is not None:
                gate.wait(10)

    return reads


def _counting_read_calls(
    reader: HeadReader, gate: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> list[int]:
    """Count `reader`'s reads of the database, each waiting for `gate` to open.

    At the reader, not the engine: on SQLite the head is read on a bare
    connection of the reader's own (`sqlite_head`), which no engine event sees.
    """
    reads: list[int] = []
    read = reader._read

    def counted() -> int:
        reads.append(1)
        gate.wait(10)
        return read()

    monkeypatch.setattr(reader, "_read", counted)
    return reads


def test_polls_that_miss_the_kept_head_at_once_share_one_read(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sixteen polls at the moment the kept head expired made sixteen reads on PostgreSQL.

    Each took a connection: past the pool's size every one was a new connection,
    opened and closed, and one process answered 0.6x SQLite's polls (issue 13).
    """
    head = store.head().seq
    reader = HeadReader(store.engine, recent=10.0, clock=Ticks())
    gate = threading.Event()
    reads = _counting_read_calls(reader, gate, monkeypatch)

    async def polls() -> list[int]:
        waiting = [asyncio.ensure_future(reader.read_shared()) for _ in range(16)]
        await asyncio.sleep(0)  # every poll has asked before the read can answer
        gate.set()
        return await asyncio.gather(*waiting)

    assert asyncio.run(polls()) == [head] * 16
    assert len(reads) == 1


def test_a_poll_after_a_commit_of_ours_does_not_join_a_read_begun_before_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shared read keeps `forget`'s promise: our own write is seen by the next poll."""
    reader = HeadReader(store.engine, recent=10.0, clock=Ticks())
    gate = threading.Event()
    reads = _counting_read_calls(reader, gate, monkeypatch)

    async def polls() -> tuple[int, int]:
        before = asyncio.ensure_future(reader.read_shared())
        await asyncio.sleep(0)
        _add(store)
        reader.forget()  # as Store.write does once the commit is visible
        after = asyncio.ensure_future(reader.read_shared())
        await asyncio.sleep(0)
        gate.set()
        return await before, await after

    _, after = asyncio.run(polls())
    assert len(reads) == 2
    assert after == store.head().seq


def test_a_failed_shared_read_fails_every_poll_that_joined_it_and_not_the_next(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = HeadReader(store.engine, recent=0.0, clock=Ticks())
    read = reader._read
    failures = [RuntimeError("database gone")]

    def flaky() -> int:
        if failures:
            raise failures.pop()
        return read()

    monkeypatch.setattr(reader, "_read", flaky)

    async def polls() -> list[int | BaseException]:
        return await asyncio.gather(
            *(reader.read_shared() for _ in range(3)), return_exceptions=True
        )

    assert all(isinstance(answer, RuntimeError) for answer in asyncio.run(polls()))
    assert asyncio.run(reader.read_shared()) == store.head().seq


@pytest.mark.skipif(
    not STORE_URL.startswith("postgresql"),
    reason="SQLite's head is a local read on the event loop, one per poll by design",
)
def test_a_burst_of_polls_reads_the_head_at_most_once_per_recent(server: RunningServer) -> None:
    """Each poll in flight when the kept head expired made its own read (issue 13).

    With the read shared, a new one starts only when none is under way and the
    last began `RECENT` ago or more: the bound below holds however fast or
    slow the polls run.
    """
    reads = _counting_reads(server.store._head.engine)
    with server.client() as client:
        etag = client.get("/incidents").headers["ETag"]
    cursor = etag.strip('"')

    def polls() -> set[int]:
        with server.client() as client:
            return {
                client.get(
                    "/incidents", params={"since": cursor}, headers={"If-None-Match": etag}
                ).status_code
                for _ in range(25)
            }

    reads.clear()
    began = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        statuses = set().union(*pool.map(lambda _: polls(), range(16)))
    elapsed = time.monotonic() - began
    assert statuses == {304}
    assert len(reads) <= elapsed / RECENT + 2, (len(reads), elapsed)
