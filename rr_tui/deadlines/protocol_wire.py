"""What crosses the rr API for protocols (playbooks): the request bodies and the answers.

Requests forbid unknown fields and NUL in any text, like every other body of
the API; answers ignore fields they do not know, so an older dashboard reads a
newer server.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from rr_tui.deadlines.clocks import Clock
from rr_tui.deadlines.protocols import ProtocolRule, ProtocolRun
from rr_tui.deadlines.rules import RULE_ID_PATTERN
from rr_tui.deadlines.wire import Words
from rr_tui.models import Incident

# The API's own request base (unknown fields and NUL refused), shared on purpose.
from rr_tui.models.base import _Request

Id = Annotated[str, StringConstraints(pattern=RULE_ID_PATTERN)]


class ProtocolActivate(_Request):
    """`POST /incidents/{id}/protocols`: activate a protocol that applies to the incident."""

    protocol: Id
    """The id of a protocol in the server's catalogue."""
    note: Words = ""
    """Why, in words (goes on the timeline)."""


class ProtocolTick(_Request):
    """`POST /incidents/{id}/protocols/{run_id}/ticks`: tick (or untick) one step."""

    step: Id
    """The step's id in the protocol."""
    done: bool = True
    """False: untick a step ticked in error."""
    note: Words = ""
    """What was done, a reference number, ... (goes on the timeline)."""


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ProtocolRuleList(_Answer):
    """`GET /protocols`: the server's protocols (shipped and the team's)."""

    items: list[ProtocolRule]


class ProtocolRunList(_Answer):
    """`GET /incidents/{id}/protocols`: the protocols activated on the incident, oldest first."""

    items: list[ProtocolRun]


class ProtocolResult(_Answer):
    """The answer to a protocol write: the run, the incident's new version, a clock it started."""

    run: ProtocolRun
    incident: Incident
    clock: Clock | None = None
    """The clock a ticked step started (none: the step starts none, or it did not apply)."""
    not_recorded: str = ""
    """The write holds but part of it was not recorded elsewhere, in words (a PagerDuty
    profile: its note could not be written to the incident)."""
