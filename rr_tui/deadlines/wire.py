"""What crosses the rr API for clocks: the request bodies and the answers.

Requests forbid unknown fields and NUL in any text, like every other body of
the API (`rr_tui.models.base`); answers ignore fields they do not know, so an
older dashboard reads a newer server.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from rr_tui.deadlines.clocks import Clock
from rr_tui.deadlines.rules import RULE_ID_PATTERN, ClockRule, Deliverable
from rr_tui.models import ClientDatetime, Duration, Incident

# The API's own request base (unknown fields and NUL refused), shared on purpose.
from rr_tui.models.base import _Request

Words = Annotated[str, StringConstraints(max_length=1_000)]
"""A reason or an evidence note."""


class ClockStart(_Request):
    """`POST /incidents/{id}/clocks`: start a rule's clock by hand."""

    rule: Annotated[str, StringConstraints(pattern=RULE_ID_PATTERN)]
    """The id of a rule in the server's catalogue that applies to the incident."""
    trigger_at: ClientDatetime | None = None
    """When the trigger happened (order received, ...); none: now. Never in the future."""
    note: Words = ""
    """Why, in words (goes on the timeline)."""


Step = Literal["pause", "resume", "extend", "met", "cancel"]
"""The steps a clock can take after it started."""


class ClockStep(_Request):
    """`POST /incidents/{id}/clocks/{clock_id}/steps`: pause, resume, extend, met or cancel."""

    step: Step
    reason: Words = ""
    """Why (required to pause, resume, extend and cancel)."""
    amount: Duration | None = None
    """How much later an extension makes it due (extend only)."""
    evidence: Words = ""
    """What shows it was done (met only: required)."""
    deliverable: Deliverable | None = None
    """What was delivered (met only; none: the rule's deliverable)."""


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ClockList(_Answer):
    """`GET /incidents/{id}/clocks`: every clock of the incident, state as of `server_time`."""

    items: list[Clock]


class ClockResult(_Answer):
    """The answer to a clock write: the clock and the incident's new version."""

    clock: Clock
    incident: Incident
    not_recorded: str = ""
    """A step kept by the dashboard's own store whose copy elsewhere failed (a PagerDuty
    profile's note on the incident), in words; empty: all recorded. The rr API never sets it."""


class RuleList(_Answer):
    """`GET /clock-rules`: the server's catalogue (shipped and the team's)."""

    items: list[ClockRule]
