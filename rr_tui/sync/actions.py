"""Sending an outbox action: the backend's answer turned into an `Outcome` value.

`send` turns the backend's answer into one of four outcomes (see
`sync/outcomes.py`): applied, refused (with the reason in words), stale
(someone else changed the incident) or retry (the backend could not answer).
`Drainer` sends what the outbox holds, in order, through a `TriageService`,
after asking the backend who we are (so nothing goes to another instance or
user than it was made for) and taking the outbox's sender lock (so two
dashboards on one HOME send each action once).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable

from rr_tui.backends.base import (
    Backend,
    BackendError,
    Conflict,
    NotAllowed,
    NotFoundError,
    PartlyApplied,
    Rejected,
    Unauthorized,
    Unavailable,
)
from rr_tui.sync.action_record import CLOCK_KINDS, PROTOCOL_KINDS
from rr_tui.sync.clock_desk import send_clock
from rr_tui.sync.outbox import Action, ActionKind
from rr_tui.sync.outcomes import Applied, Outcome, Refused, Retry, Stale, Submitted, TriageEvent
from rr_tui.sync.poller import Backoff
from rr_tui.sync.protocol_desk import send_protocol
from rr_tui.sync.triage import TriageService


async def send(backend: Backend, action: Action) -> Outcome:
    """Send one action with its id as the idempotency key."""
    try:
        if action.kind is ActionKind.PATCH:
            assert action.base_version is not None
            incident = await backend.patch(
                action.incident_id, action.patch, action.base_version, action.id
            )
            return Applied(incident)
        if action.kind is ActionKind.NOTE:
            text = str(action.payload["text"])
            note = await backend.add_note(action.incident_id, text, action.id)
            return Applied(note.incident)
        if action.kind in CLOCK_KINDS:
            clocked = await send_clock(backend, action)
            if isinstance(clocked, str):
                return Refused(clocked)
            # A step kept by the backend whose copy elsewhere failed (a PagerDuty profile's
            # note): applied, never resent, and said as such.
            return Applied(clocked.incident, partly=clocked.not_recorded)
        if action.kind in PROTOCOL_KINDS:
            ticked = await send_protocol(backend, action)
            if isinstance(ticked, str):
                return Refused(ticked)
            return Applied(ticked.incident, partly=ticked.not_recorded)
        result = await backend.escalate(action.incident_id, action.escalation, action.id)
        return Applied(result.incident)
    except PartlyApplied as error:
        # Kept as applied (finished, never resent): a retry would repeat the part that was.
        return Applied(error.incident, partly=error.message)
    except Unavailable as error:
        return Retry(error.message, error.retry_after)
    except Conflict as error:
        return Stale(error.current)
    except Unauthorized as error:
        # A token that stopped working is not the action's fault: keep it.
        return Retry(error.message)
    except (NotAllowed, NotFoundError, Rejected) as error:
        return Refused(in_words(error))


def in_words(error: Rejected) -> str:
    """A refusal as a person would say it."""
    if isinstance(error, NotAllowed):
        return f"not permitted: {error.message}"
    if isinstance(error, NotFoundError):
        return f"no longer exists: {error.message}"
    return f"refused ({error.code}): {error.message}"


SEND_WINDOW = 8
"""Sends in flight at once, each on a different incident: a bulk drains at the server's
write rate instead of one round trip at a time (2,000 actions: 49 s one by one)."""

OTHER_SENDER_RETRY = 5.0
"""Seconds between looks at the outbox while another dashboard sends our actions."""

OUTBOX_FAULT_RETRY = 30.0
"""Seconds before sending again after the outbox could not record an answer (disk full)."""


class Drainer:
    """Sends what the outbox holds until it is empty or the backend does not answer.

    Up to `window` sends are in flight at once, never two on one incident, so
    changes to one incident reach the backend in the order the user made them.
    One drain at a time: `run` called while a drain is under way returns at once
    (the running one picks up what was added, since it asks the outbox before
    every send). On no answer it stops and says how long to wait before the next
    try (capped exponential backoff with full jitter, or the backend's Retry-After).
    """

    def __init__(
        self,
        backend: Backend,
        triage: TriageService,
        backoff: Backoff | None = None,
        window: int = SEND_WINDOW,
    ):
        self.backend = backend
        self.window = window
        self.triage = triage
        self.backoff = backoff or Backoff(base=1.0, cap=30.0)
        self.running = False
        self.failures = 0

    async def run(self, report: Callable[[TriageEvent], None]) -> float | None:
        """Drain; each answer's events go to `report`. Returns the retry delay, or None."""
        if self.running:
            return None
        self.running = True
        try:
            return await self._drain(report)
        except sqlite3.Error as error:
            # The answer could not be recorded: the action stays waiting and is sent
            # again later with the same key, which the backend answers without repeating.
            note = f"The outbox cannot be written ({error}); sending paused, nothing lost."
            report(Submitted(note=note))
            return OUTBOX_FAULT_RETRY
        finally:
            self.running = False

    async def _drain(self, report: Callable[[TriageEvent], None]) -> float | None:
        try:
            me = await self.backend.me()
        except BackendError as error:
            self.failures += 1
            return max(self.backoff.delay(self.failures), getattr(error, "retry_after", 0) or 0)
        held = self.triage.identify(me)
        if held is not None:
            report(held)
        if not self.triage.outbox.claim(self.triage.origin):
            # Another dashboard sends; look again (it may quit) while anything waits.
            report(self.triage.reconcile())
            return OTHER_SENDER_RETRY if self.triage.outbox.count_waiting() else None
        return await self._send_all(report)

    async def _send_all(self, report: Callable[[TriageEvent], None]) -> float | None:
        """Up to `window` sends in flight, never two on one incident (the outbox's order)."""
        flying: dict[asyncio.Task[Outcome], Action] = {}
        delay: float | None = None
        try:
            while True:
                while delay is None and len(flying) < self.window:
                    action = self.triage.next_waiting(skip=[a.id for a in flying.values()])
                    if action is None:
                        break
                    flying[asyncio.ensure_future(send(self.backend, action))] = action
                if not flying:
                    return delay
                done, _ = await asyncio.wait(flying, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    action, outcome = flying.pop(task), task.result()
                    if isinstance(outcome, Retry):
                        # No answer: send nothing new, let the others land, then back off.
                        self.triage.attempted(action, outcome.error)
                        self.failures += 1
                        wait = max(self.backoff.delay(self.failures), outcome.retry_after or 0)
                        delay = max(delay or 0, wait)
                        continue
                    self.failures = 0
                    for event in self.triage.settle(action, outcome):
                        report(event)
        finally:
            for task in flying:
                task.cancel()
