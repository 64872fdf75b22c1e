"""How each legal or protocol clock of an incident went, read from its timeline.

The milestones' answer to "were the legal deadlines met, and by how much". The
server writes one `clock` event per step (`server/clock_steps`): the clock's id, its
rule, the step (`started`, `paused`, `resumed`, `extended`, `met`, `met late`,
`cancelled`), the stored state and due time after it, and, for an extension, its
amount. The rules, as the clock engine (`deadlines.clocks`) has them:

- **running** until due; past due it is **missed** by itself, by how long so far.
- **paused** is never missed: the clock is not counting. Its stored due time is the
  one it had when it paused, so the margin shown is the wall-clock time it had left
  then (plus what an extension during the pause added).
- **met** on time: the margin is the time to spare (met while paused: the time it
  had left). **Met late** is missed, by how late.
- **cancelled** is neither met nor missed.
- pauses and extensions are counted and summed; an extension written without its
  amount (older events) counts what it moved the due time.

Event data comes from a backend: an event that does not parse is skipped, never fatal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from rr_tui.models.incidents import TimelineEvent
from rr_tui.models.vocabulary import EventKind

STATES = frozenset({"running", "paused", "met", "missed", "cancelled"})
"""The states a clock event may record (`deadlines.ClockState`'s values)."""


@dataclass(frozen=True)
class ClockOutcome:
    """Where one clock stands, as of the moment the milestones were read."""

    clock_id: int
    rule: str
    started: datetime
    due_at: datetime
    """The due time last recorded (while paused: the one it had when it paused)."""
    state: str
    """running, paused, met, missed or cancelled."""
    done_at: datetime | None
    """When it was met (on time or late) or cancelled."""
    margin: timedelta | None
    """Time to spare (met), left (running, paused), or how late (negative, missed);
    None when cancelled."""
    pauses: int = 0
    paused: timedelta = timedelta(0)
    """Time spent paused, the current pause included."""
    extensions: int = 0
    extended_by: timedelta = timedelta(0)

    @property
    def missed_by(self) -> timedelta | None:
        """How late it was, or is so far (None: not missed)."""
        if self.state != "missed" or self.margin is None:
            return None
        return -self.margin


@dataclass
class _Reading:
    """A clock as its events are read, oldest first."""

    clock_id: int
    rule: str
    started: datetime
    due_at: datetime
    state: str = "running"
    done_at: datetime | None = None
    paused_at: datetime | None = None
    left: timedelta | None = None
    """While paused: the wall-clock time left at the pause."""
    pauses: int = 0
    paused: timedelta = timedelta(0)
    extensions: int = 0
    extended_by: timedelta = timedelta(0)

    def step(
        self, at: datetime, step: str, state: str, due: datetime, data: Mapping[str, object]
    ) -> None:
        """Apply one step's event."""
        if step == "paused" and self.paused_at is None:
            self.paused_at, self.left = at, self.due_at - at
            self.pauses += 1
        elif step == "extended":
            self.extensions += 1
            amount = data.get("amount_seconds")
            if isinstance(amount, int | float) and not isinstance(amount, bool):
                extra = timedelta(seconds=amount)
            else:
                extra = max(due - self.due_at, timedelta(0))
            self.extended_by += extra
            if self.left is not None:
                self.left += extra
        if step in ("resumed", "met", "met late", "cancelled") and self.paused_at is not None:
            self.paused += at - self.paused_at
            self.paused_at = None
            if step == "resumed":
                self.left = None
        if step in ("met", "met late", "cancelled"):
            self.done_at = at
        self.due_at, self.state = due, state

    def outcome(self, now: datetime) -> ClockOutcome:
        """Where it stands at `now`."""
        paused = self.paused + (
            now - self.paused_at if self.paused_at is not None else timedelta(0)
        )
        state, margin = self.state, self._margin(now)
        if state == "running" and now >= self.due_at:
            state = "missed"
        return ClockOutcome(
            clock_id=self.clock_id,
            rule=self.rule,
            started=self.started,
            due_at=self.due_at,
            state=state,
            done_at=self.done_at,
            margin=margin,
            pauses=self.pauses,
            paused=paused,
            extensions=self.extensions,
            extended_by=self.extended_by,
        )

    def _margin(self, now: datetime) -> timedelta | None:
        if self.state == "cancelled":
            return None
        if self.state == "paused" or (self.state == "met" and self.left is not None):
            return self.left
        return self.due_at - (self.done_at or now)


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def clock_outcomes(events: Iterable[TimelineEvent], now: datetime) -> tuple[ClockOutcome, ...]:
    """Every clock the timeline records, in the order they started, as of `now`."""
    readings: dict[int, _Reading] = {}
    for event in sorted(events, key=lambda event: (event.at, event.seq)):
        if event.kind is not EventKind.CLOCK:
            continue
        data = event.data
        clock_id, due = data.get("clock_id"), _moment(data.get("due_at"))
        step, state = data.get("step"), data.get("state")
        if not isinstance(clock_id, int) or isinstance(clock_id, bool) or due is None:
            continue
        if not isinstance(step, str) or state not in STATES:
            continue
        reading = readings.get(clock_id)
        if reading is None:
            rule = data.get("rule")
            readings[clock_id] = _Reading(
                clock_id, str(rule) if rule else "?", event.at, due, state
            )
        else:
            reading.step(event.at, step, state, due, data)
    return tuple(reading.outcome(now) for reading in readings.values())
