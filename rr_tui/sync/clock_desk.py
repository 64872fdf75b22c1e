"""The dashboard's side of legal clocks: the rules, each incident's clocks, and every step.

A `ClockDesk` holds the backend's rules (fetched once) and the clocks of the
incidents shown, by incident version, so showing an incident again asks for
nothing. A step goes to the backend at once with the incident's version and a
fresh idempotency key, and its answer (the incident at its new version) goes
into the store, so the queue and the detail show it through the one update
path. Steps are not queued offline like triage actions: a legal deadline is
never shown as met until the backend has recorded it.

Both backends keep clocks: the rr API on its server, a PagerDuty profile in a
local file with each step also noted on the PagerDuty incident. When a step
holds but its copy elsewhere failed (that note), `Done.warning` says so, and the
keys show it as a warning rather than as a step not taken. A backend without
the clock calls gets `supported` False, and the keys say so instead of sending.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from rr_tui.deadlines import Clock, ClockRule
from rr_tui.deadlines.wire import ClockResult, ClockStart, ClockStep
from rr_tui.models import Incident
from rr_tui.sync.store import IncidentStore, StoreChange


@runtime_checkable
class ClockBackend(Protocol):
    """A backend that keeps clocks (`RrHttpBackend`, `PagerDutyBackend`)."""

    async def clock_rules(self) -> list[ClockRule]:
        """The backend's clock rules."""
        ...

    async def clocks(self, incident_id: str) -> list[Clock]:
        """An incident's clocks."""
        ...

    async def start_clock(
        self, incident_id: str, body: ClockStart, version: int, key: str
    ) -> ClockResult:
        """Start a clock against `version`."""
        ...

    async def step_clock(
        self, incident_id: str, clock_id: int, body: ClockStep, version: int, key: str
    ) -> ClockResult:
        """Take a step on a clock against `version`."""
        ...


@dataclass(frozen=True)
class Done:
    """What a step did: the store's change, the incident's clocks now, or what went wrong."""

    change: StoreChange
    clocks: tuple[Clock, ...]
    error: str | None = None
    warning: str = ""
    """The step holds, but part of it was not recorded (a PagerDuty note), in words."""


class ClockDesk:
    """Rules and clocks for one dashboard."""

    def __init__(
        self,
        backend: object,
        store: IncidentStore,
        *,
        failures: tuple[type[Exception], ...] = (),
    ) -> None:
        self.backend = backend if isinstance(backend, ClockBackend) else None
        self.store = store
        self.failures = failures
        """What the backend raises when it says no or cannot be reached (the app's to know:
        the screens that use the desk never import a backend)."""
        self.rules: list[ClockRule] | None = None
        self._held: dict[str, tuple[int, tuple[Clock, ...]]] = {}

    @property
    def supported(self) -> bool:
        """Whether this backend keeps clocks at all."""
        return self.backend is not None

    def held(self, incident: Incident) -> tuple[Clock, ...] | None:
        """The clocks known for this version of the incident (None: fetch them)."""
        kept = self._held.get(incident.id)
        return kept[1] if kept is not None and kept[0] >= incident.version else None

    def last_known(self, incident_id: str) -> tuple[Clock, ...]:
        """The clocks last fetched for an incident, whatever its version since."""
        kept = self._held.get(incident_id)
        return kept[1] if kept is not None else ()

    async def load(self, incident: Incident) -> tuple[Clock, ...] | str:
        """The incident's clocks from the backend (held for its version), or what went wrong."""
        if self.backend is None:
            return ()
        try:
            clocks = tuple(await self.backend.clocks(incident.id))
        except self.failures as error:
            return str(error)
        self._held[incident.id] = (incident.version, clocks)
        return clocks

    async def applying(self, incident: Incident) -> list[ClockRule] | str:
        """The rules that cover the incident's market and category, shortest first."""
        if self.backend is None:
            return []
        if self.rules is None:
            try:
                self.rules = await self.backend.clock_rules()
            except self.failures as error:
                return str(error)
        found = [rule for rule in self.rules if rule.applies_to(incident.region, incident.category)]
        return sorted(found, key=lambda rule: (rule.duration, rule.id))

    async def start(self, incident: Incident, body: ClockStart) -> Done:
        """Start a rule's clock on the incident."""
        if self.backend is None:
            return Done(StoreChange(), (), "this backend keeps no legal clocks")
        try:
            result = await self.backend.start_clock(
                incident.id, body, incident.version, uuid.uuid4().hex
            )
        except self.failures as error:
            return Done(StoreChange(), self.last_known(incident.id), str(error))
        return await self._answered(result)

    async def step(self, incident: Incident, clock_id: int, body: ClockStep) -> Done:
        """Pause, resume, extend, meet or cancel one of the incident's clocks."""
        if self.backend is None:
            return Done(StoreChange(), (), "this backend keeps no legal clocks")
        try:
            result = await self.backend.step_clock(
                incident.id, clock_id, body, incident.version, uuid.uuid4().hex
            )
        except self.failures as error:
            return Done(StoreChange(), self.last_known(incident.id), str(error))
        return await self._answered(result)

    async def _answered(self, result: ClockResult) -> Done:
        change = self.store.apply([result.incident])
        loaded = await self.load(result.incident)
        if isinstance(loaded, str):
            others = [c for c in self.last_known(result.incident.id) if c.id != result.clock.id]
            loaded = (*others, result.clock)
        return Done(change, loaded, warning=result.not_recorded)
