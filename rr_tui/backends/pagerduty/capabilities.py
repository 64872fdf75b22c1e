"""What PagerDuty can express of rr-tui's actions, and why not when it cannot.

PagerDuty has three statuses (triggered, acknowledged, resolved), cannot leave
an incident unassigned, and sets severity through the account's priorities: a
change outside that is refused before anything is sent, with a reason the UI
can show beforehand.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from rr_tui.backends.pagerduty.priorities import PriorityScale
from rr_tui.models import IncidentPatch, Severity, Status


class Capability(StrEnum):
    """What a caller may ask `PagerDutyBackend.supports` about."""

    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    SEVERITY = "severity"
    """Reprioritize (a specific level: ask `severity:SEV3`)."""
    ASSIGN = "assign"
    NOTE = "note"
    ESCALATE = "escalate"
    """PagerDuty users are paged (escalation level or reassignment); others are recorded."""
    ESCALATE_LEVEL = "escalate_level"
    BULK_STATUS = "bulk_status"
    UNASSIGN = "unassign"
    STATUS_NEW = "status:new"
    STATUS_ESCALATED = "status:escalated"
    STATUS_MITIGATED = "status:mitigated"


CAPABILITIES: frozenset[str] = frozenset(
    {
        Capability.ACKNOWLEDGE,
        Capability.RESOLVE,
        Capability.REOPEN,
        Capability.SEVERITY,
        Capability.ASSIGN,
        Capability.NOTE,
        Capability.ESCALATE,
        Capability.ESCALATE_LEVEL,
        Capability.BULK_STATUS,
    }
)
"""What PagerDuty can express. Not in it: unassigning, and the statuses new, escalated
and mitigated (PagerDuty has triggered, acknowledged and resolved only)."""

UNSUPPORTED_STATUS: Mapping[Status, str] = {
    Status.NEW: "PagerDuty cannot set an incident back to triggered",
    Status.ESCALATED: "PagerDuty has no 'escalated' status: escalate to someone instead",
    Status.MITIGATED: "PagerDuty has no 'mitigated' status",
}
"""Why each status PagerDuty lacks cannot be set."""

_ALIASES: Mapping[str, str] = {
    "status:acknowledged": Capability.ACKNOWLEDGE,
    "status:resolved": Capability.RESOLVE,
}


def supports(what: str, scale: PriorityScale | None) -> bool:
    """Whether PagerDuty can do `what`: a `Capability` value, or `severity:SEV3`.

    `severity:SEVn` is True when a priority maps to that severity (and, while
    `scale` is None because the priorities are not loaded yet, True).
    """
    if what.startswith("severity:"):
        try:
            severity = Severity(what.removeprefix("severity:"))
        except ValueError:
            return False
        return scale is None or scale.priority_for(severity) is not None
    return _ALIASES.get(what, what) in CAPABILITIES


def no_priority(severity: Severity, scale: PriorityScale | None) -> str:
    """Why an incident cannot be set to `severity`: no priority maps to it."""
    covered = ", ".join(s.value for s in scale.covered()) if scale else ""
    where = f"priorities cover {covered}" if covered else "the account has no priorities"
    return f"no PagerDuty priority maps to {severity.value} ({where})"


def unsupported_reason(change: IncidentPatch, scale: PriorityScale | None) -> str | None:
    """Why PagerDuty cannot make this change, in words; None if it can (as far as known)."""
    if change.status is not None and change.status in UNSUPPORTED_STATUS:
        return UNSUPPORTED_STATUS[change.status]
    if change.sets_assignee and change.assignee is None:
        return "PagerDuty cannot leave an incident unassigned: assign it to someone"
    if (
        change.severity is not None
        and scale is not None
        and scale.priority_for(change.severity) is None
    ):
        return no_priority(change.severity, scale)
    return None
