"""Legal and protocol deadlines: the clock rules catalogue and the clock engine.

Shared by the reference server (which stores clocks and starts them at intake)
and the dashboard (which lists the rules that apply and counts down), so it sits
below both and imports only `models`. Plain Python: no Textual, HTTP or SQL.

- `rules`: a clock rule, as the catalogue writes it.
- `catalogue`: the shipped catalogue, a team's override, and their errors.
- `calendar`: working-hours arithmetic across weekends and DST changes.
- `clocks`: a clock on an incident and every step it can take.
- `protocols`: protocols (playbooks) in the same catalogue, and their runs on incidents.
"""

from rr_tui.deadlines.catalogue import Catalogue, CatalogueError, load, parse
from rr_tui.deadlines.clocks import (
    Clock,
    ClockError,
    ClockState,
    Extension,
    Outcome,
    Pause,
    cancel,
    extend,
    meet,
    pause,
    resume,
    soonest,
    start,
)
from rr_tui.deadlines.protocols import (
    EXAMPLE,
    ProtocolError,
    ProtocolRule,
    ProtocolRun,
    ProtocolStep,
    StepTick,
)
from rr_tui.deadlines.rules import (
    AS_PUBLISHED,
    Calendar,
    ClockRule,
    Deliverable,
    RuleSource,
)

__all__ = [
    "AS_PUBLISHED",
    "EXAMPLE",
    "Calendar",
    "Catalogue",
    "CatalogueError",
    "Clock",
    "ClockError",
    "ClockRule",
    "ClockState",
    "Deliverable",
    "Extension",
    "Outcome",
    "Pause",
    "ProtocolError",
    "ProtocolRule",
    "ProtocolRun",
    "ProtocolStep",
    "RuleSource",
    "StepTick",
    "cancel",
    "extend",
    "load",
    "meet",
    "parse",
    "pause",
    "resume",
    "soonest",
    "start",
]
