"""A clock on an incident, and every step it can take: pure functions over a frozen time.

A clock is started from a rule (at intake, or by hand with a trigger time that
may be in the past) and carries a copy of the rule, so a later edit of the
catalogue never moves a deadline already running. Each step takes the clock,
the time and who acts, and returns the new clock or raises `ClockError` with
words for the person who tried; nothing here reads the real time.

A running clock whose due time passes becomes missed by itself: `state_at`
derives it, so nobody has to write it and every reader agrees.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from rr_tui.deadlines.calendar import add_working, working_between
from rr_tui.deadlines.rules import ClockRule, Deliverable
from rr_tui.models import Duration, Role, UtcDatetime


class ClockState(StrEnum):
    """Where a clock is: running or paused until it ends met, missed or cancelled."""

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    MISSED = "missed"
    CANCELLED = "cancelled"


class ClockError(ValueError):
    """A step the clock (or its rule, or the user's role) does not allow; the message says why."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Pause(_Record):
    """One pause: when, why, by whom, and when it ended (none while still paused)."""

    at: UtcDatetime
    by: str
    reason: str
    until: UtcDatetime | None = None
    resume_reason: str = ""


class Extension(_Record):
    """One extension of the due time."""

    at: UtcDatetime
    by: str
    amount: Duration
    reason: str


class Outcome(_Record):
    """How the clock ended: met (deliverable and evidence) or cancelled (reason)."""

    at: UtcDatetime
    by: str
    kind: Literal["met", "cancelled"]
    deliverable: Deliverable | None = None
    note: str
    keep_evidence_until: UtcDatetime | None = None


class Clock(_Record):
    """A deadline running on one incident."""

    id: int = 0
    """The server's number for it (0 before it is stored)."""
    incident_id: str
    rule: ClockRule
    """The rule as it was when the clock started."""
    started_by: str
    started_via: Literal["intake", "manual"]
    trigger_at: UtcDatetime
    """When the trigger happened (order received, ...), which may be before it was typed in."""
    due_at: UtcDatetime
    """When it is due; while paused, when it would be due if resumed now."""
    state: ClockState = ClockState.RUNNING
    """The stored state; `state_at` adds missed."""
    left_at_pause: timedelta | None = None
    """While paused: the counted time that was left when it paused."""
    pauses: list[Pause] = []
    extensions: list[Extension] = []
    outcome: Outcome | None = None

    def state_at(self, now: datetime) -> ClockState:
        """The state at `now`: a running clock past its due time is missed."""
        if self.state is ClockState.RUNNING and now >= self.due_at:
            return ClockState.MISSED
        return self.state

    def left(self, now: datetime) -> timedelta:
        """Wall-clock time to the due time (negative once past); fixed while paused."""
        if self.state is ClockState.PAUSED and self.left_at_pause is not None:
            return self.left_at_pause
        return self.due_at - now

    @property
    def is_open(self) -> bool:
        """Running or paused: a clock still to be met."""
        return self.state in (ClockState.RUNNING, ClockState.PAUSED)


def _after(rule: ClockRule, start: datetime, amount: timedelta) -> datetime:
    if rule.counting == "working_hours" and rule.calendar is not None:
        return add_working(rule.calendar, start, amount)
    return start + amount


def _counted(rule: ClockRule, start: datetime, end: datetime) -> timedelta:
    if rule.counting == "working_hours" and rule.calendar is not None:
        return working_between(rule.calendar, start, end)
    return max(end - start, timedelta(0))


def start(
    rule: ClockRule,
    incident_id: str,
    *,
    trigger_at: datetime,
    now: datetime,
    by: str,
    via: Literal["intake", "manual"] = "manual",
) -> Clock:
    """A new clock from `rule`, due `rule.duration` (counted its way) after `trigger_at`."""
    if trigger_at > now:
        raise ClockError("the trigger time is in the future: give when it happened")
    return Clock(
        incident_id=incident_id,
        rule=rule,
        started_by=by,
        started_via=via,
        trigger_at=trigger_at,
        due_at=_after(rule, trigger_at, rule.duration),
    )


def _open_at(clock: Clock, now: datetime, step: str) -> ClockState:
    state = clock.state_at(now)
    if state is ClockState.MISSED and step != "met":
        raise ClockError(f"the clock was missed at {clock.due_at:%Y-%m-%d %H:%M} UTC")
    if state in (ClockState.MET, ClockState.CANCELLED):
        raise ClockError(f"the clock is {state.value}: it cannot be {step}")
    return state


def pause(clock: Clock, *, now: datetime, by: str, reason: str) -> Clock:
    """Stop counting, if the rule allows it; the time left is kept for the resume."""
    if _open_at(clock, now, "paused") is ClockState.PAUSED:
        raise ClockError("the clock is already paused")
    if not clock.rule.pausable:
        raise ClockError(f"{clock.rule.id} cannot be paused (its rule does not allow it)")
    return clock.model_copy(
        update={
            "state": ClockState.PAUSED,
            "left_at_pause": _counted(clock.rule, now, clock.due_at),
            "pauses": [*clock.pauses, Pause(at=now, by=by, reason=reason)],
        }
    )


def resume(clock: Clock, *, now: datetime, by: str, reason: str) -> Clock:
    """Count again from `now` with the time that was left at the pause."""
    if _open_at(clock, now, "resumed") is not ClockState.PAUSED or clock.left_at_pause is None:
        raise ClockError("the clock is not paused")
    last = clock.pauses[-1].model_copy(update={"until": now, "resume_reason": reason})
    return clock.model_copy(
        update={
            "state": ClockState.RUNNING,
            "due_at": _after(clock.rule, now, clock.left_at_pause),
            "left_at_pause": None,
            "pauses": [*clock.pauses[:-1], last],
        }
    )


def extend(
    clock: Clock, *, now: datetime, by: str, role: Role, amount: timedelta, reason: str
) -> Clock:
    """Move the due time later by `amount` (counted the rule's way), if `role` may."""
    _open_at(clock, now, "extended")
    rule = clock.rule
    if not rule.extendable_by:
        raise ClockError(f"{rule.id} cannot be extended (its rule does not allow it)")
    if role not in rule.extendable_by:
        allowed = ", ".join(sorted(role.value for role in rule.extendable_by))
        raise ClockError(f"only a {allowed} may extend {rule.id}")
    if amount <= timedelta(0):
        raise ClockError("an extension must be longer than zero")
    total = sum((extension.amount for extension in clock.extensions), timedelta(0)) + amount
    if rule.max_extension is not None and total > rule.max_extension:
        raise ClockError(f"{rule.id} may be extended by {rule.max_extension} in all, not more")
    update: dict[str, object] = {
        "extensions": [*clock.extensions, Extension(at=now, by=by, amount=amount, reason=reason)]
    }
    if clock.state is ClockState.PAUSED and clock.left_at_pause is not None:
        update["left_at_pause"] = clock.left_at_pause + amount
    else:
        update["due_at"] = _after(rule, clock.due_at, amount)
    return clock.model_copy(update=update)


def meet(
    clock: Clock, *, now: datetime, by: str, evidence: str, deliverable: Deliverable | None = None
) -> Clock:
    """Record the deliverable done, with an evidence note; past the due time it stays missed."""
    state = _open_at(clock, now, "met")
    if not evidence.strip():
        raise ClockError("say what evidence shows it was done (an evidence note)")
    retention = clock.rule.evidence_retention
    outcome = Outcome(
        at=now,
        by=by,
        kind="met",
        deliverable=deliverable or clock.rule.deliverable,
        note=evidence,
        keep_evidence_until=now + retention if retention is not None else None,
    )
    ended = ClockState.MISSED if state is ClockState.MISSED else ClockState.MET
    return clock.model_copy(update={"state": ended, "left_at_pause": None, "outcome": outcome})


def cancel(clock: Clock, *, now: datetime, by: str, reason: str) -> Clock:
    """End the clock without meeting it (started in error, order withdrawn), with a reason."""
    _open_at(clock, now, "cancelled")
    if not reason.strip():
        raise ClockError("say why the clock is cancelled")
    outcome = Outcome(at=now, by=by, kind="cancelled", note=reason)
    return clock.model_copy(
        update={"state": ClockState.CANCELLED, "left_at_pause": None, "outcome": outcome}
    )


def soonest(clocks: list[Clock], now: datetime) -> Clock | None:
    """The open clock due first (a paused one by the time it had left), or None."""
    running = [clock for clock in clocks if clock.is_open]
    return min(running, key=lambda clock: now + clock.left(now), default=None)
