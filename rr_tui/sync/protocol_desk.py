"""The dashboard's side of protocols (playbooks): the catalogue, each incident's runs, ticks.

A `ProtocolDesk` holds the keeper's protocols (fetched once) and the runs of the
incidents shown, by incident version, so showing an incident again asks for
nothing. An activation or a tick goes to the keeper at once with the incident's
version and a fresh idempotency key, and its answer (the incident at its new
version) goes into the store, so the queue and the detail show it through the
one update path. Like clock steps, ticks are not queued offline: a step is
never shown done until the keeper has recorded it.

`ProtocolKeeping` is all the desk needs from whoever keeps protocols: the rr
API adapter, and a PagerDuty profile's local keeper (`pd_protocols`). A
backend without the four calls gets `supported` False.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from rr_tui.deadlines import Clock, ProtocolRule, ProtocolRun
from rr_tui.deadlines.protocol_wire import ProtocolActivate, ProtocolResult, ProtocolTick
from rr_tui.models import Incident
from rr_tui.sync.store import IncidentStore, StoreChange


@runtime_checkable
class ProtocolKeeping(Protocol):
    """Whoever keeps protocols on incidents (`RrHttpBackend`, `PagerDutyBackend`)."""

    async def protocols(self) -> list[ProtocolRule]:
        """The protocols a team works to."""
        ...

    async def protocol_runs(self, incident_id: str) -> list[ProtocolRun]:
        """The protocols activated on an incident."""
        ...

    async def activate_protocol(
        self, incident_id: str, body: ProtocolActivate, version: int, key: str
    ) -> ProtocolResult:
        """Activate a protocol against `version`."""
        ...

    async def tick_protocol(
        self, incident_id: str, run_id: int, body: ProtocolTick, version: int, key: str
    ) -> ProtocolResult:
        """Tick or untick a step against `version`."""
        ...


@dataclass(frozen=True)
class Ticked:
    """What a write did: the store's change, the runs now, a clock it started, or an error."""

    change: StoreChange
    runs: tuple[ProtocolRun, ...]
    clock: Clock | None = None
    error: str | None = None
    partly: str = ""
    """The write holds, but its copy elsewhere failed (a PagerDuty note), in words."""


class ProtocolDesk:
    """Protocols and their runs for one dashboard."""

    def __init__(
        self,
        keeper: object,
        store: IncidentStore,
        *,
        failures: tuple[type[Exception], ...] = (),
    ) -> None:
        self.keeper = keeper if isinstance(keeper, ProtocolKeeping) else None
        self.store = store
        self.failures = failures
        """What the keeper raises when it says no or cannot be reached (the app's to know)."""
        self.protocols: list[ProtocolRule] | None = None
        self._held: dict[str, tuple[int, tuple[ProtocolRun, ...]]] = {}

    @property
    def supported(self) -> bool:
        """Whether this backend keeps protocols at all."""
        return self.keeper is not None

    def held(self, incident: Incident) -> tuple[ProtocolRun, ...] | None:
        """The runs known for this version of the incident (None: fetch them)."""
        kept = self._held.get(incident.id)
        return kept[1] if kept is not None and kept[0] >= incident.version else None

    def last_known(self, incident_id: str) -> tuple[ProtocolRun, ...]:
        """The runs last fetched for an incident, whatever its version since."""
        kept = self._held.get(incident_id)
        return kept[1] if kept is not None else ()

    async def load(self, incident: Incident) -> tuple[ProtocolRun, ...] | str:
        """The incident's runs from the keeper (held for its version), or what went wrong."""
        if self.keeper is None:
            return ()
        try:
            runs = tuple(await self.keeper.protocol_runs(incident.id))
        except self.failures as error:
            return str(error)
        self._held[incident.id] = (incident.version, runs)
        return runs

    async def applying(self, incident: Incident) -> list[ProtocolRule] | str:
        """The protocols that cover the incident's market and category, as the catalogue lists."""
        if self.keeper is None:
            return []
        if self.protocols is None:
            try:
                self.protocols = await self.keeper.protocols()
            except self.failures as error:
                return str(error)
        return [
            found
            for found in self.protocols
            if found.applies_to(incident.region, incident.category)
        ]

    async def activate(self, incident: Incident, protocol_id: str) -> Ticked:
        """Activate a protocol on the incident."""
        if self.keeper is None:
            return Ticked(StoreChange(), (), error="this backend keeps no protocols")
        body = ProtocolActivate(protocol=protocol_id, note="from the dashboard")
        try:
            result = await self.keeper.activate_protocol(
                incident.id, body, incident.version, uuid.uuid4().hex
            )
        except self.failures as error:
            return Ticked(StoreChange(), self.last_known(incident.id), error=str(error))
        return await self._answered(result)

    async def tick(self, incident: Incident, run_id: int, body: ProtocolTick) -> Ticked:
        """Tick (or untick) one step of a run on the incident."""
        if self.keeper is None:
            return Ticked(StoreChange(), (), error="this backend keeps no protocols")
        try:
            result = await self.keeper.tick_protocol(
                incident.id, run_id, body, incident.version, uuid.uuid4().hex
            )
        except self.failures as error:
            return Ticked(StoreChange(), self.last_known(incident.id), error=str(error))
        return await self._answered(result)

    async def _answered(self, result: ProtocolResult) -> Ticked:
        change = self.store.apply([result.incident])
        loaded = await self.load(result.incident)
        if isinstance(loaded, str):
            others = [r for r in self.last_known(result.incident.id) if r.id != result.run.id]
            loaded = (*others, result.run)
        return Ticked(change, loaded, result.clock, partly=result.not_recorded)
