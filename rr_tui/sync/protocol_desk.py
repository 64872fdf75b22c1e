"""The dashboard's side of protocols (playbooks): the catalogue, each incident's runs, ticks.

A `ProtocolDesk` holds the keeper's protocols (fetched once) and the runs of the
incidents shown, by incident version, so showing an incident again asks for
nothing. An activation or a tick is an outbox action
(`ActionKind.PROTOCOL_ACTIVATE`, `PROTOCOL_TICK`) made against the incident's
version, like a clock step (`clock_desk`): on disk before it is sent, sent once
with its id as the idempotency key (`send_protocol`, from the outbox's
sender), kept across an outage and a restart, a stale version a conflict for
the user (`C`). Its answer (the incident at its new version) comes into the
store through the one update path. A step is never shown done until the
keeper has recorded it: the row carries its pending mark meanwhile.

`ProtocolKeeping` is all the desk needs from whoever keeps protocols: the rr
API adapter, and a PagerDuty profile's local keeper (`pd_protocols`). A
backend without the four calls gets `supported` False.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from rr_tui.deadlines import ProtocolRule, ProtocolRun
from rr_tui.deadlines.protocol_wire import ProtocolActivate, ProtocolResult, ProtocolTick
from rr_tui.models import Incident
from rr_tui.sync.action_record import Action, ActionKind
from rr_tui.sync.outcomes import Submitted
from rr_tui.sync.triage import TriageService


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


class ProtocolDesk:
    """Protocols and their runs for one dashboard."""

    def __init__(
        self,
        keeper: object,
        triage: TriageService,
        *,
        failures: tuple[type[Exception], ...] = (),
    ) -> None:
        self.keeper = keeper if isinstance(keeper, ProtocolKeeping) else None
        self.triage = triage
        """The outbox's front door: activations and ticks go through it like every action."""
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

    def activate(self, incident: Incident, protocol: ProtocolRule) -> Queued:
        """Activate a protocol on the incident: stored in the outbox, then sent."""
        body = ProtocolActivate(protocol=protocol.id, note="from the dashboard")
        return self._submit(
            ActionKind.PROTOCOL_ACTIVATE,
            incident,
            {"body": body.model_dump(mode="json")},
            f"{protocol.short} activated",
        )

    def tick(self, incident: Incident, run: ProtocolRun, body: ProtocolTick, label: str) -> Queued:
        """Tick (or untick) one step of a run on the incident, via the outbox."""
        payload = {"run_id": run.id, "body": body.model_dump(mode="json")}
        return self._submit(ActionKind.PROTOCOL_TICK, incident, payload, label)

    def _submit(
        self, kind: ActionKind, incident: Incident, payload: dict[str, object], label: str
    ) -> Queued:
        if self.keeper is None:
            refused = ((incident.id, "this backend keeps no protocols"),)
            return Queued(Submitted(refused=refused), "")
        action = Action(kind, incident.id, payload, base_version=incident.version, label=label)
        return Queued(self.triage.submit([action]), action.id)


@dataclass(frozen=True)
class Queued:
    """A protocol write handed to the outbox: what the submission did, and the action's id
    (its answer comes back as a triage event for that id)."""

    submitted: Submitted
    action_id: str


async def send_protocol(keeper: object, action: Action) -> ProtocolResult | str:
    """Send a protocol action with its id as the idempotency key; a str says why it cannot be.

    The keeper's errors are the caller's to turn into an outcome (`sync/actions.py`).
    """
    if not isinstance(keeper, ProtocolKeeping):
        return "this backend keeps no protocols"
    version = int(action.base_version or 0)
    try:
        if action.kind is ActionKind.PROTOCOL_ACTIVATE:
            activate = ProtocolActivate.model_validate(action.payload["body"])
        else:
            tick = ProtocolTick.model_validate(action.payload["body"])
            run_id = int(action.payload["run_id"])
    except (KeyError, TypeError, ValueError) as error:
        # Damaged in the outbox file: it cannot mean what the user meant; refused, not retried.
        return f"the stored protocol action is damaged: {error!s:.200}"
    if action.kind is ActionKind.PROTOCOL_ACTIVATE:
        return await keeper.activate_protocol(action.incident_id, activate, version, action.id)
    return await keeper.tick_protocol(action.incident_id, run_id, tick, version, action.id)
