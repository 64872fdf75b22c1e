"""The dashboard's side of legal clocks: the rules, each incident's clocks, and every step.

A `ClockDesk` holds the backend's rules (fetched once) and the clocks of the
incidents shown, by incident version, so showing an incident again asks for
nothing. A start or a step is an outbox action (`ActionKind.CLOCK_START`,
`CLOCK_STEP`) made against the incident's version: on disk before it is sent,
sent once with its id as the idempotency key, kept across an outage and a
restart, and never sent to another backend or user (the triage service's
guarantees, `sync/triage.py`). A stale version is a conflict the user decides
(`C`), never re-applied silently: a second extension is not harmless. Nothing
is shown as done before the backend answers: the row carries its pending mark
and the clocks pane keeps the backend's copy, so a legal deadline is never
shown as met until the backend has recorded it.

It also says which deadlines each incident runs (`deadlines`), for the clock
alerts (`sync/clock_alerts.py`): its clocks when held for the incident's
version, else the queue's soonest deadline with the rule's duration.

Backends without clocks (PagerDuty today) get `supported` False, and the keys
say so instead of sending.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from rr_tui.deadlines import Clock, ClockRule
from rr_tui.deadlines.wire import ClockResult, ClockStart, ClockStep
from rr_tui.models import Incident
from rr_tui.sync.action_record import Action, ActionKind
from rr_tui.sync.clock_alerts import Deadline, deadlines_of
from rr_tui.sync.outcomes import Submitted
from rr_tui.sync.triage import TriageService


@runtime_checkable
class ClockBackend(Protocol):
    """A backend that keeps clocks (the rr API: `RrHttpBackend`)."""

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


class ClockDesk:
    """Rules and clocks for one dashboard."""

    def __init__(
        self,
        backend: object,
        triage: TriageService,
        *,
        failures: tuple[type[Exception], ...] = (),
    ) -> None:
        self.backend = backend if isinstance(backend, ClockBackend) else None
        self.triage = triage
        """The outbox's front door: starts and steps go through it like every action."""
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

    async def load_rules(self) -> bool:
        """Fetch the rules if not yet held (for alerts on clocks never opened): whether held."""
        if self.backend is None:
            return False
        if self.rules is None:
            try:
                self.rules = await self.backend.clock_rules()
            except self.failures:
                return False
        return True

    def deadlines(self, incident: Incident) -> list[Deadline]:
        """The incident's running deadlines as alerts see them (see `sync/clock_alerts.py`)."""
        if self.backend is None or (incident.deadline_at is None and incident.id not in self._held):
            return []  # most incidents: no clock running, none ever fetched
        rules = {rule.id: rule for rule in self.rules or ()}
        return deadlines_of(incident, self.held(incident), rules)

    def start(self, incident: Incident, body: ClockStart) -> Submitted:
        """Start a rule's clock on the incident: stored in the outbox, then sent."""
        if self.backend is None:
            return Submitted(refused=((incident.id, "this backend keeps no legal clocks"),))
        action = Action(
            ActionKind.CLOCK_START,
            incident.id,
            {"body": body.model_dump(mode="json", exclude_none=True)},
            base_version=incident.version,
            label=f"{body.rule} started",
        )
        return self.triage.submit([action])

    def step(self, incident: Incident, clock: Clock, body: ClockStep) -> Submitted:
        """Pause, resume, extend, meet or cancel one of the incident's clocks, via the outbox."""
        if self.backend is None:
            return Submitted(refused=((incident.id, "this backend keeps no legal clocks"),))
        action = Action(
            ActionKind.CLOCK_STEP,
            incident.id,
            {"clock_id": clock.id, "body": body.model_dump(mode="json", exclude_none=True)},
            base_version=incident.version,
            label=f"{clock.rule.id} {body.step}",
        )
        return self.triage.submit([action])


async def send_clock(backend: object, action: Action) -> ClockResult | str:
    """Send a clock action with its id as the idempotency key; a str says why it cannot be.

    The backend's errors are the caller's to turn into an outcome (`sync/actions.py`).
    """
    if not isinstance(backend, ClockBackend):
        return "this backend keeps no legal clocks"
    try:
        version = int(action.base_version or 0)
        if action.kind is ActionKind.CLOCK_START:
            start = ClockStart.model_validate(action.payload["body"])
        else:
            step = ClockStep.model_validate(action.payload["body"])
            clock_id = int(action.payload["clock_id"])
    except (KeyError, TypeError, ValueError) as error:
        # Kept damaged by the outbox file (pydantic's errors are ValueErrors): it cannot
        # mean what the user meant, so it is refused in words, never retried.
        return f"the stored clock action is damaged: {error!s:.200}"
    if action.kind is ActionKind.CLOCK_START:
        return await backend.start_clock(action.incident_id, start, version, action.id)
    return await backend.step_clock(action.incident_id, clock_id, step, version, action.id)
