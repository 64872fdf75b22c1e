"""Protocols (playbooks): named checklists a team runs on an incident, and their progress.

A `ProtocolRule` is what the catalogue writes (`[protocols.<id>]`, beside the
clock rules): which incidents it applies to and its ordered steps, each of
which may start a clock rule. A `ProtocolRun` is one protocol activated on one
incident; it carries a copy of the protocol, like a clock carries its rule, so a
later edit of the catalogue never changes a checklist half worked through.
`activate`, `tick` and `untick` are pure functions over a given time: nothing
here reads the real time, the store or the network.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from rr_tui.deadlines.rules import RULE_ID_PATTERN, RuleId
from rr_tui.models import Category, Region, UtcDatetime

EXAMPLE = "example — adapt to your team"
"""Marks the label of every shipped protocol: a starting point, not a team's procedure."""

StepId = Annotated[str, StringConstraints(pattern=RULE_ID_PATTERN)]
"""A step's id within its protocol: `gifct-activate`."""

MAX_STEPS = 30
"""A checklist longer than this is not read during a crisis."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProtocolStep(_Strict):
    """One line of the checklist."""

    id: StepId
    """Set from the table name (`[protocols.<id>.steps.<step>]`); written only by code."""
    label: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    """What to do, as the dashboard lists it."""
    hint: Annotated[str, StringConstraints(max_length=500)] = ""
    """How, or where to find it (a runbook link, a contact), in words."""
    starts: RuleId | None = None
    """A clock rule that ticking this step starts (when the rule covers the incident)."""


class ProtocolRule(_Strict):
    """One protocol of the catalogue."""

    id: RuleId
    """Set from the table name (`[protocols.<id>]`); written only by code."""
    label: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    """What the dashboard shows: shipped protocols say "example — adapt to your team"."""
    short: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,9}$")]
    """The queue's name for it, ten characters at most: `GIFCT` shows as `GIFCT 2/5`."""
    markets: list[Region | Literal["*"]] = Field(min_length=1)
    """The markets it applies to (incident `region`); `"*"`: every market."""
    categories: list[Category] = []
    """The categories it applies to; empty: every category."""
    steps: dict[StepId, ProtocolStep] = Field(min_length=1, max_length=MAX_STEPS)
    """The checklist in order (`[protocols.<id>.steps.<step>]` tables, as written)."""

    @model_validator(mode="before")
    @classmethod
    def _step_ids(cls, data: object) -> object:
        # A step's id is its table's name, as a rule's is: filled in before validation.
        if isinstance(data, dict) and isinstance(data.get("steps"), dict):
            steps = {
                key: {**value, "id": key} if isinstance(value, dict) else value
                for key, value in data["steps"].items()
            }
            return {**data, "steps": steps}
        return data

    def applies_to(self, region: str, category: str) -> bool:
        """Whether an incident in `region` and `category` is one this protocol covers."""
        in_market = region in self.markets or "*" in self.markets
        return in_market and (not self.categories or category in self.categories)

    def step(self, step_id: str) -> ProtocolStep | None:
        """The step with this id, or None."""
        return self.steps.get(step_id)


class ProtocolError(ValueError):
    """A tick the run does not allow; the message says why."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class StepTick(_Record):
    """A step done: when, by whom, with what note, and the clock it started (if any)."""

    step: str
    at: UtcDatetime
    by: str
    note: str = ""
    clock_id: int | None = None


class ProtocolRun(_Record):
    """One protocol activated on one incident, and the steps ticked so far."""

    id: int = 0
    """The server's number for it (0 before it is stored)."""
    incident_id: str
    protocol: ProtocolRule
    """The protocol as it was when it was activated."""
    activated_by: str
    activated_at: UtcDatetime
    ticks: list[StepTick] = []
    """The steps done, in the order they were ticked."""

    def ticked(self, step_id: str) -> StepTick | None:
        """The tick of this step, or None while it is still to do."""
        return next((tick for tick in self.ticks if tick.step == step_id), None)

    @property
    def done(self) -> int:
        """How many of the steps are ticked."""
        return len({tick.step for tick in self.ticks} & set(self.protocol.steps))

    @property
    def complete(self) -> bool:
        """Every step ticked."""
        return self.done == len(self.protocol.steps)

    @property
    def progress(self) -> str:
        """`GIFCT 2/5`: the queue's words for it."""
        return f"{self.protocol.short} {self.done}/{len(self.protocol.steps)}"


def activate(protocol: ProtocolRule, incident_id: str, *, now: datetime, by: str) -> ProtocolRun:
    """A new run of `protocol` on the incident, nothing ticked."""
    return ProtocolRun(
        incident_id=incident_id, protocol=protocol, activated_by=by, activated_at=now
    )


def _step(run: ProtocolRun, step_id: str) -> ProtocolStep:
    step = run.protocol.step(step_id)
    if step is None:
        raise ProtocolError(f"{run.protocol.id} has no step {step_id!r}")
    return step


def tick(
    run: ProtocolRun,
    step_id: str,
    *,
    now: datetime,
    by: str,
    note: str = "",
    clock_id: int | None = None,
) -> ProtocolRun:
    """Mark a step done; a step already ticked is refused (untick it first)."""
    _step(run, step_id)
    done = run.ticked(step_id)
    if done is not None:
        raise ProtocolError(f"{step_id} was ticked by {done.by} at {done.at:%H:%M} UTC")
    mark = StepTick(step=step_id, at=now, by=by, note=note, clock_id=clock_id)
    return run.model_copy(update={"ticks": [*run.ticks, mark]})


def untick(run: ProtocolRun, step_id: str) -> ProtocolRun:
    """Mark a ticked step as not done; a clock it started keeps running (`L` ends it)."""
    _step(run, step_id)
    if run.ticked(step_id) is None:
        raise ProtocolError(f"{step_id} is not ticked")
    return run.model_copy(update={"ticks": [t for t in run.ticks if t.step != step_id]})


def progress(runs: list[ProtocolRun]) -> str | None:
    """The incident's protocol progress for the queue: the latest run, `+N` for more."""
    if not runs:
        return None
    latest = max(runs, key=lambda run: (run.activated_at, run.id))
    more = f" +{len(runs) - 1}" if len(runs) > 1 else ""
    return f"{latest.progress}{more}"
