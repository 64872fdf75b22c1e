"""Push by long-polling: a delta request may wait for the next commit, not answer "no change".

Why long-polling on the delta endpoint, not Server-Sent Events: the delta page
stays the one way data reaches a dashboard. A held request
(`GET /incidents?since=CURSOR&wait=S`) answers exactly what a poll would have
answered, only later: the normal page as soon as a change after `CURSOR`
commits, or the usual 304 when `S` seconds pass without one. Nothing new can
be lost or repeated, since every answer carries its cursor and a reconnect is a
plain poll from the last one. It needs no new dependency on either side, works
through any proxy that passes a slow answer, and an older server (or PagerDuty)
is simply polled. SSE would add a second protocol (events, ids, replay on
`Last-Event-ID`) whose correctness would have to be argued apart from the
delta's.

The server says it holds requests with the `RR-Push-Hold: <max seconds>`
header on every delta answer; a client sends `wait` only to a server that said
so. Waits are bounded (`MAX_HOLD`, the client asks for less): the end of a
wait is the heartbeat, so a client whose held request outlives its wait by a
margin knows the server stopped answering.

A held request is a coroutine waiting on an `asyncio.Event`: it holds no
threadpool thread and no database connection. One `ChangeWatch` per process
wakes them all:

- a commit in this process pokes it (an engine event, after the write
  connection is handed back, so the change is visible), and
- while anyone waits it reads the store's head, one indexed read, every
  `TICK` seconds: how a commit made by another server process over the same
  database reaches this one's waiters. That costs one read per process per
  tick whatever the number of waiters, works on SQLite and PostgreSQL alike,
  and needs no change to the write path. PostgreSQL `LISTEN/NOTIFY` would wake
  within a millisecond, but only on PostgreSQL, with a connection per process
  held for listening and a `NOTIFY` in every write transaction; a tenth of a
  second is within the latency target, so the simpler check wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from starlette.concurrency import run_in_threadpool

from rr_tui.server import schema
from rr_tui.server.cursor import Cursor

log = logging.getLogger(__name__)

MAX_HOLD = 10.0
"""The longest a request is held, in seconds (advertised in `PUSH_HEADER`)."""

PUSH_HEADER = "RR-Push-Hold"
"""Response header: this server holds delta requests with `wait` up to this many seconds."""

TICK = 0.1
"""Seconds between head reads while anyone waits: the bound on cross-process latency."""

Page = TypeVar("Page")

_COMMITTED = "rr_push_committed"
"""Connection-record flag: this connection committed a write, poke at check-in."""


class ChangeWatch:
    """Wakes the requests waiting for a change past their cursor. One per server process."""

    def __init__(self, read_head: Callable[[], Cursor], *, tick: float = TICK) -> None:
        self._read_head = read_head
        self.tick = tick
        self.head: Cursor | None = None
        """The newest head seen by the watcher (None while nobody waits)."""
        self.waiting = 0
        """Requests held now."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed = asyncio.Event()
        self._poke = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._reads: dict[Hashable, asyncio.Future[Any]] = {}

    async def wait(self, seen: Cursor, seconds: float) -> Cursor:
        """Wait up to `seconds` for a head past `seen`; the newer head, or `seen` if none came."""
        loop = asyncio.get_running_loop()
        self._bind(loop)
        deadline = loop.time() + seconds
        self.waiting += 1
        try:
            self._ensure_watching(seen)
            while not self._closed:
                changed = self._changed
                head = self.head
                if head is not None and (head.epoch != seen.epoch or head.seq > seen.seq):
                    return head
                left = deadline - loop.time()
                if left <= 0:
                    break
                try:
                    async with asyncio.timeout(left):
                        await changed.wait()
                except TimeoutError:
                    break
            return seen
        finally:
            self.waiting -= 1

    async def shared(self, key: Hashable, read: Callable[[], Awaitable[Page]]) -> Page:
        """`read()` once for every woken request that asks for the same `key` meanwhile.

        One commit wakes every waiter at once, all with the same cursor: without
        this, each would read the same page from the database (1,000 waiters took
        4.5 s to answer; see BENCHMARKS.md).
        """
        task = self._reads.get(key)
        if task is None:
            task = asyncio.ensure_future(read())
            self._reads[key] = task
            task.add_done_callback(lambda _done: self._reads.pop(key, None))
        result: Page = await asyncio.shield(task)
        return result

    def poke(self) -> None:
        """Something committed (any thread): read the head now rather than at the next tick."""
        with self._lock:
            loop = self._loop
        if loop is None or self._task is None:
            return
        # A closed loop (the server stopped) has nobody waiting.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._poke.set)

    def close(self) -> None:
        """Answer every held request now and hold none from here (any thread): the server stops.

        Without this a stopping server would keep its held requests (and its
        clients) waiting out their whole wait.
        """
        self._closed = True
        with self._lock:
            loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._publish, None)

    def reopen(self) -> None:
        """Hold requests again (a test restarting a server on the same app)."""
        self._closed = False

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Use this event loop's primitives (an app can be served again on a new loop)."""
        if self._loop is loop:
            return
        with self._lock:
            self._loop = loop
        self._changed = asyncio.Event()
        self._poke = asyncio.Event()
        self._task = None
        self.head = None
        self._reads = {}

    def _ensure_watching(self, seen: Cursor) -> None:
        if self._task is not None:
            return
        # Nobody waited: start from what this request saw, so any commit after it wakes it.
        self.head = seen
        self._task = asyncio.get_running_loop().create_task(self._watch(), name="rr-push-watch")

    def _publish(self, head: Cursor | None) -> None:
        """Wake every waiter (they compare `head` with their own cursor)."""
        if head is not None:
            self.head = head
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _watch(self) -> None:
        """Read the head every tick (sooner when poked) while anyone waits."""
        try:
            while self.waiting and not self._closed:
                try:
                    async with asyncio.timeout(self.tick):
                        await self._poke.wait()
                except TimeoutError:
                    pass
                self._poke.clear()
                try:
                    head = await run_in_threadpool(self._read_head)
                except Exception:
                    # A failed read (database busy, restarting) is retried at the next
                    # tick; the waiters' own deadlines still end their waits.
                    log.warning("push: reading the head failed", exc_info=True)
                    continue
                if self.head is None or head != self.head:
                    self._publish(head)
        finally:
            self._task = None
            self.head = None


def watch_commits(engine: Engine, watch: ChangeWatch) -> None:
    """Poke `watch` after every write transaction committed through `engine`.

    SQLAlchemy's `commit` event fires before the database has committed, so it
    only marks the connection; the poke comes when the connection goes back to
    the pool, by which time the change is visible to other connections.
    """

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Any) -> None:
        if connection.get_execution_options().get(schema.WRITE, False):
            connection.info[_COMMITTED] = True

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_COMMITTED, False):
            watch.poke()
