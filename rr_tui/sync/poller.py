"""The poller: one poll at a time, applied to the store, with an honest connection state.

The poller does not schedule itself: the app calls `poll()` from a worker and
re-arms a one-shot timer with `delay` when it returns, so polls never overlap
and a slow backend slows the polling instead of piling requests up. On failure
the delay grows exponentially (capped) with full jitter, so a fleet of
dashboards does not hammer a recovering backend in step.

Every failed poll changes the link state, and a poll that read only part of
what there is (the adapter's page bound) is still live, but after
`BEHIND_AFTER` such polls in a row the link says it is behind: the queue may
be missing incidents.

Time is the backend's: every page carries `server_time`, and the poller holds
the offset between it and the local clock. `now()` is the local clock moved by
that offset; the app hands it to the screen and widgets, so a laptop clock 40
minutes slow does not show a breached SLA as 26 minutes left. The connection's
own times (`last_ok`, `retry_at`) are on the same corrected clock.

Each failure is told for what it is (`Problem`): no server at all, a server
failing, something that is not an rr server, a refused or missing token. A
refused token is not cured by waiting: the link says `refused`, what to do,
and polls again only after `REFUSED_RETRY` (or when the user asks).

The backoff is capped at the poll interval (`recovery_backoff`): an outage
costs no more requests than being live, jitter keeps a fleet out of step, and
the dashboard is live again within one interval of the backend answering. A
poll that neither answers nor fails is stalled after two intervals; the
client's timeout ends it later. The poll watches for that itself: a loop
callback armed when it starts, at the moment it would be stalled, tells
`on_stall`. No timer wakes the dashboard every second to ask (it did, and
that was a tenth of an idle dashboard's CPU).

A backend that pushes (its `ChangeSet.hold`: the rr server's long-polling)
is asked again as soon as it answers, and holds each request until a change
commits or its hold ends. The end of a hold is the heartbeat: a held request
unanswered `HOLD_GRACE` seconds past its hold is stalled, so a silent server
is shown not live within 5 s (`HOLD_SECONDS` + `HOLD_GRACE` + `STALL_LATE`), as
when polling. A held request answered at once with nothing new (a server releasing
its waits as it stops, or one that does not really hold) is followed by the
interval, so a misbehaving server cannot make the poller spin.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from rr_tui.backends.base import (
    Backend,
    BackendError,
    ChangeSet,
    Intercepted,
    NotAllowed,
    NoToken,
    Unauthorized,
    Unavailable,
    Unreachable,
)
from rr_tui.models import utcnow
from rr_tui.sync import heap
from rr_tui.sync.connection import Connection, LinkState, Problem
from rr_tui.sync.store import IncidentStore, StoreChange

Clock = Callable[[], datetime]

BEHIND_AFTER = 3
"""Polls in a row that left pages unread before the link says it is behind."""

REFUSED_RETRY = 300.0
"""Seconds before a refused or missing token is tried again (the retry key goes at once)."""

STALL_AFTER = 2.0
"""Poll intervals a poll may go unanswered before the link says it is stalled."""

HOLD_GRACE = 1.4
"""Seconds past its hold before a held request counts as stalled (answers take time)."""

STALL_LATE = 0.02
"""The most the stall watch fires after the moment a poll turns stalled (its re-arm step)."""

_REFUSALS = frozenset({Problem.TOKEN_REFUSED, Problem.NOT_PERMITTED, Problem.NO_TOKEN})


def problem_of(error: BackendError) -> Problem:
    """What a failed poll's error says about the link, in the status bar's words."""
    if isinstance(error, NoToken):
        return Problem.NO_TOKEN
    if isinstance(error, Unauthorized):
        return Problem.TOKEN_REFUSED
    if isinstance(error, NotAllowed):
        return Problem.NOT_PERMITTED
    if isinstance(error, Intercepted):
        return Problem.NOT_RR
    if isinstance(error, Unreachable):
        return Problem.NO_SERVER
    return Problem.SERVER_FAILING


@dataclass(frozen=True)
class PollResult:
    """What one poll did."""

    change: StoreChange | None = None
    error: BackendError | None = None
    skipped: tuple[str, ...] = ()
    """Records that broke the schema in this poll, described."""


class Backoff:
    """Capped exponential backoff with full jitter: uniform(0, min(cap, base * 2**n))."""

    def __init__(self, base: float = 1.0, cap: float = 60.0, rng: random.Random | None = None):
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()

    def delay(self, failures: int) -> float:
        """Seconds to wait after the n-th consecutive failure (n >= 1)."""
        ceiling = min(self.cap, self.base * 2 ** min(failures - 1, 30))
        # Never less than the base: a zero wait would retry in a tight loop.
        return max(self.base, self.rng.uniform(0, ceiling))


def recovery_backoff(interval: float, rng: random.Random | None = None) -> Backoff:
    """The poll's backoff: capped at the interval, so recovery is seen within one interval.

    A 60 s cap left the dashboard offline for up to a minute after the backend came back.
    """
    return Backoff(base=min(1.0, interval), cap=interval, rng=rng)


class Poller:
    """Polls a backend into an `IncidentStore`."""

    def __init__(
        self,
        backend: Backend,
        store: IncidentStore,
        *,
        interval: float = 2.0,
        clock: Clock = utcnow,
        backoff: Backoff | None = None,
        offline_after: timedelta = timedelta(seconds=30),
        on_stall: Callable[[], None] | None = None,
    ) -> None:
        self.backend = backend
        self.on_stall = on_stall
        """Called (on the event loop) when the poll under way turns stalled by itself."""
        self.store = store
        self.interval = interval
        self.clock = clock
        self.backoff = backoff or recovery_backoff(interval)
        self.offline_after = offline_after
        self.cursor: str | None = None
        self.connection = Connection()
        self.skipped_total = 0
        self.polls = 0
        self.offset = timedelta(0)
        """The backend's clock minus the local one, from the last page's `server_time`."""
        self._next_delay = 0.0
        self._started: datetime | None = None
        self.hold: float | None = None
        """How long the backend may hold the next (or the current) poll; None: it does not push."""
        self._stall_watch: asyncio.TimerHandle | None = None

    def now(self) -> datetime:
        """The backend's time: the local clock corrected by the last known offset."""
        return self.clock() + self.offset

    @property
    def delay(self) -> float:
        """Seconds until the next poll should start."""
        return self._next_delay

    async def poll(self) -> PollResult:
        """Poll once (all pages) and apply; backend errors are reported, never raised."""
        self.polls += 1
        self._started = self.now()
        self._watch_stall(self.stall_limit)
        held = self.hold
        sent = time.monotonic()
        try:
            changes = await self.backend.changes(self.cursor)
        except BackendError as error:
            self.hold = None
            self._failed(error)
            return PollResult(error=error)
        finally:
            self._started = None
            if self._stall_watch is not None:
                self._stall_watch.cancel()
                self._stall_watch = None
        self.hold = changes.hold
        if changes.server_time is not None:
            # Network latency makes this a little late: seconds, against minutes of drift.
            self.offset = changes.server_time - self.clock()
        now = self.now()
        behind = self.connection.behind + 1 if changes.more else 0
        if behind >= BEHIND_AFTER:
            self.connection = Connection(
                LinkState.BEHIND,
                last_ok=now,
                error=f"{self.backend.name} keeps saying there is more: {behind} polls behind",
                behind=behind,
                clock_offset=self.offset,
            )
        else:
            self.connection = Connection(
                LinkState.LIVE,
                last_ok=now,
                behind=behind,
                clock_offset=self.offset,
                pushed=changes.hold is not None,
            )
        self._next_delay = self._delay_after(changes, held, time.monotonic() - sent)
        if changes.not_modified:
            return PollResult(change=StoreChange())
        change = self.store.apply(changes.items, reset=changes.reset)
        # A big (full) sync: out of the collector's walks, its freed pages back (`heap`).
        heap.after_apply(len(changes.items))
        self.cursor = changes.cursor
        self.skipped_total += len(changes.skipped)
        return PollResult(change=change, skipped=tuple(changes.skipped))

    def _delay_after(self, changes: ChangeSet, held: float | None, took: float) -> float:
        """Seconds to the next poll: none when the backend pushes, else the interval.

        A held poll that came back early with nothing new waits the interval too.
        """
        if changes.hold is None:
            return self.interval
        if held is not None and not changes.items and took < held / 2:
            return self.interval
        return 0.0

    @property
    def stall_limit(self) -> float:
        """Seconds the poll under way (or the next) may go unanswered before it is stalled."""
        return STALL_AFTER * self.interval if self.hold is None else self.hold + HOLD_GRACE

    def _watch_stall(self, after: float) -> None:
        """Check for a stall `after` seconds from now, on the running loop."""
        loop = asyncio.get_running_loop()
        self._stall_watch = loop.call_later(after, self._stall_due)

    def _stall_due(self) -> None:
        started = self._started
        if started is None:
            return
        left = self.stall_limit - (self.now() - started).total_seconds()
        if left > 0:
            # The poll's clock (the backend's, or a test's) is not there yet: look again.
            self._watch_stall(max(left, STALL_LATE))
            return
        self._stall_watch = None
        if self.check_stall() and self.on_stall is not None:
            self.on_stall()

    def check_stall(self) -> bool:
        """Mark the link stalled if the poll under way has waited `stall_limit`; True if so.

        Only a link that would otherwise look fine (or about to be) turns stalled:
        offline and refused already say the data is old.
        """
        started = self._started
        if started is None or self.connection.state is LinkState.STALLED:
            return False
        if self.connection.state in (LinkState.OFFLINE, LinkState.REFUSED):
            return False
        limit = self.stall_limit
        if self.now() - started < timedelta(seconds=limit):
            return False
        self.connection = replace(
            self.connection,
            state=LinkState.STALLED,
            waiting_since=started,
            error=f"{self.backend.name} has not answered for {limit:g}s",
        )
        return True

    def fault(self, message: str) -> None:
        """A poll failed inside the dashboard, not at the backend: show it as a failure too.

        The data is no fresher than the last good poll, so the link must not say live.
        """
        self._started = None
        self.hold = None
        self._failed_with(message, None, Problem.INTERNAL)

    def _failed(self, error: BackendError) -> None:
        retry_after = error.retry_after if isinstance(error, Unavailable) else None
        self._failed_with(error.message, retry_after, problem_of(error))

    def _failed_with(self, message: str, retry_after: float | None, problem: Problem) -> None:
        now = self.now()
        before = self.connection
        failures = before.failures + 1
        failing_since = before.failing_since or now
        if problem in _REFUSALS:
            # Waiting does not fix a token: ask rarely, and say what does fix it.
            delay = REFUSED_RETRY
            state = LinkState.REFUSED
        else:
            delay = self.backoff.delay(failures)
            offline = now - failing_since >= self.offline_after or before.last_ok is None
            state = LinkState.OFFLINE if offline and failures > 1 else LinkState.RETRYING
        if retry_after is not None:
            delay = max(delay, retry_after)
        self._next_delay = delay
        self.connection = replace(
            before,
            state=state,
            failing_since=failing_since,
            retry_at=now + timedelta(seconds=delay),
            error=message,
            failures=failures,
            problem=problem,
            waiting_since=None,
        )
