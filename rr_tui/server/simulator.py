"""A traffic simulator that keeps a demo queue alive.

At a configurable rate (events per minute, Poisson-spaced) it opens new
incidents, raises severities, adds notes, acknowledges, escalates and resolves
old incidents, all through `Store.write()` and the same `Tx` methods the API
uses, as the user `simulator`. It keeps the open queue near a target size by
resolving more when the queue is long and opening more when it is short.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator

from rr_tui.models import EscalationCreate, Incident, IncidentPatch, Role, Severity, Status
from rr_tui.server import seed_data
from rr_tui.server.errors import ApiError
from rr_tui.server.store import Actor, Store

log = logging.getLogger(__name__)

SIMULATOR = Actor("simulator", Role.LEAD)


class Simulator:
    """Makes one plausible change per `step()`; `run()` steps at `rate` per minute."""

    def __init__(
        self, store: Store, rate: float, *, rng: random.Random | None = None, target_open: int = 60
    ) -> None:
        if rate <= 0:
            raise ValueError("the simulator rate must be above 0 events per minute")
        self.store = store
        self.rate = rate
        self.rng = rng or random.Random()
        self.target_open = target_open
        self.steps = 0

    def step(self) -> str:
        """Make one change; returns what it did, for logs and tests."""
        rng = self.rng
        incidents = self.store.open_incidents()
        open_share = len(incidents) / max(self.target_open, 1)
        weights = {
            "open": 3.0 / max(open_share, 0.25),
            "note": 3.0,
            "raise": 1.0,
            "ack": 1.5,
            "escalate": 1.0,
            "resolve": 2.0 * open_share,
        }
        if not incidents:
            weights = {"open": 1.0}
        action = rng.choices(list(weights), weights=list(weights.values()))[0]
        self.steps += 1
        try:
            return self._do(action, incidents)
        except ApiError as error:
            # A race with a real user (e.g. a stale version) is normal traffic.
            return f"{action} skipped: {error.message}"

    def _do(self, action: str, incidents: list[Incident]) -> str:
        rng = self.rng
        with self.store.write() as tx:
            if action == "open":
                created = tx.create(seed_data.random_incident(rng), SIMULATOR)
                return f"opened {created.id} {created.severity}"
            target = tx.get(rng.choice(incidents).id)
            if action == "note":
                tx.add_note(target.id, seed_data.random_note(rng, target.category), SIMULATOR)
                return f"noted {target.id}"
            if action == "raise" and target.severity is not Severity.SEV0:
                to = Severity.from_rank(target.severity.rank - 1)
                body = IncidentPatch(severity=to, reason=seed_data.random_reason(rng, True))
                tx.patch(target.id, body, SIMULATOR, target.version)
                return f"raised {target.id} to {to}"
            if action == "ack" and target.status is Status.NEW:
                body = IncidentPatch(
                    status=Status.ACKNOWLEDGED, assignee=rng.choice(seed_data.ANALYSTS)
                )
                tx.patch(target.id, body, SIMULATOR, target.version)
                return f"acknowledged {target.id}"
            if action == "escalate":
                contacts, _ = self.store.contacts()
                matching = [
                    c.id
                    for c in contacts
                    if (not c.regions or target.region in c.regions)
                    and (not c.categories or target.category in c.categories)
                ]
                if matching:
                    picked = rng.sample(matching, k=min(len(matching), rng.randint(1, 2)))
                    note = seed_data.random_note(rng, target.category)
                    tx.escalate(target.id, EscalationCreate(targets=picked, note=note), SIMULATOR)
                    return f"escalated {target.id} to {', '.join(picked)}"
            if action == "resolve":
                body = IncidentPatch(status=Status.RESOLVED, reason="resolved by simulator")
                tx.patch(target.id, body, SIMULATOR, target.version)
                return f"resolved {target.id}"
            tx.add_note(target.id, seed_data.random_note(rng, target.category), SIMULATOR)
            return f"noted {target.id}"

    async def run(self) -> AsyncIterator[None]:
        """Run in the background for the life of the `async with` around it."""
        task = asyncio.create_task(self._loop(), name="rr-simulator")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.rng.expovariate(self.rate / 60.0))
            try:
                done = await asyncio.to_thread(self.step)
                log.debug("simulator: %s", done)
            except Exception:  # the demo must keep running whatever one step hits
                log.exception("simulator step failed")
