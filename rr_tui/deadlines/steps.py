"""One clock step from its request body: which engine function, and the word for what it did.

A keeper of clocks (the PagerDuty adapter's local store) turns a `ClockStep`
into the engine's call here, so the rules of a step (a reason where one is
needed, an amount to extend by, "met late" past the due time) are written once
below every keeper. Who may take a step is the keeper's to decide before.
"""

from __future__ import annotations

from datetime import datetime

from rr_tui.deadlines.clocks import (
    Clock,
    ClockError,
    ClockState,
    cancel,
    extend,
    meet,
    pause,
    resume,
)
from rr_tui.deadlines.wire import ClockStep
from rr_tui.models import Role

NEEDS_REASON = frozenset({"pause", "resume", "extend", "cancel"})
"""The steps that are refused without a reason."""

PAST = {"pause": "paused", "resume": "resumed", "extend": "extended", "cancel": "cancelled"}
"""What a step did, in the words of a timeline (met has its own: met or met late)."""


def take(clock: Clock, body: ClockStep, *, now: datetime, by: str, role: Role) -> tuple[Clock, str]:
    """The clock after `body`, and what happened in words (`paused`, `met late`...).

    Raises:
        ClockError: the step is not allowed (the message says why).
    """
    if body.step in NEEDS_REASON and not body.reason.strip():
        raise ClockError(f"say why ({body.step} needs a reason)")
    if body.step == "pause":
        changed = pause(clock, now=now, by=by, reason=body.reason)
    elif body.step == "resume":
        changed = resume(clock, now=now, by=by, reason=body.reason)
    elif body.step == "extend":
        if body.amount is None:
            raise ClockError("give the amount to extend by, e.g. 2h")
        changed = extend(clock, now=now, by=by, role=role, amount=body.amount, reason=body.reason)
    elif body.step == "met":
        changed = meet(clock, now=now, by=by, evidence=body.evidence, deliverable=body.deliverable)
        return changed, "met" if changed.state is ClockState.MET else "met late"
    else:
        changed = cancel(clock, now=now, by=by, reason=body.reason)
    return changed, PAST[body.step]
