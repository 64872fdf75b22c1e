"""How PagerDuty's log entries become timeline events, in time order.

Pure, like `mapping`: which kind of event each log entry is (or none: notes
come from the notes endpoint), and the order of entries that share a second.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

from rr_tui.backends.pagerduty.wire import PdLogEntry
from rr_tui.models import EventKind

_FROM_TO = re.compile(r"from\s+(\S+)\s+to\s+(\S+?)\.?$", re.IGNORECASE)


def event_of(entry: PdLogEntry, first_trigger: bool) -> tuple[EventKind, dict[str, Any]] | None:
    """The timeline kind and data for a log entry, or None to leave it out.

    `annotate_log_entry` is left out: every note is read from the notes endpoint,
    which carries its full text, and would otherwise show twice.
    """
    kind = entry.type.removesuffix("_reference")
    data: dict[str, Any] = {"pd_type": kind}
    if kind == "trigger_log_entry":
        return (EventKind.CREATED if first_trigger else EventKind.REOPENED), data
    if kind in ("acknowledge_log_entry", "acknowledgement_log_entry"):
        return EventKind.ACKNOWLEDGED, data
    if kind == "resolve_log_entry":
        return EventKind.RESOLVED, data
    if kind == "annotate_log_entry":
        return None
    if kind == "unacknowledge_log_entry":
        data.update({"from": "acknowledged", "to": "new"})
        return EventKind.STATUS_CHANGED, data
    if kind == "assign_log_entry":
        return EventKind.ASSIGNED, data
    if kind == "escalate_log_entry":
        return EventKind.ESCALATED, data
    if "priority" in kind or kind == "urgency_change_log_entry":
        # The published schema has no priority log entry; one that appears
        # (and urgency changes) reads "... from X to Y" in its summary.
        match = _FROM_TO.search((entry.summary or "").strip())
        if match:
            data.update({"from": match.group(1), "to": match.group(2)})
            return EventKind.SEVERITY_CHANGED, data
    # notify, snooze, delegate, exhaust/repeat escalation path, limits, field
    # changes: shown as a note carrying PagerDuty's own summary.
    return EventKind.NOTE, data


def in_time_order(entries: Sequence[PdLogEntry]) -> list[PdLogEntry]:
    """Log entries oldest first, keeping PagerDuty's own order within a second.

    PagerDuty's timestamps are whole seconds, so the order of the list is the
    only order within one. Its direction shows where two timestamps differ;
    where none do, newest first (PagerDuty's timeline order) is assumed.
    """
    ordered = list(entries)
    newest_first = next(
        (
            a.created_at > b.created_at
            for a, b in itertools.pairwise(ordered)
            if a.created_at != b.created_at
        ),
        True,
    )
    if newest_first:
        ordered.reverse()
    return sorted(ordered, key=lambda entry: entry.created_at)  # stable: ties keep their order
