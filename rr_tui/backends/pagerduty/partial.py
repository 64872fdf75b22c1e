"""A PagerDuty action in two steps, reported truthfully when only the first applied.

A change with a reason is a `PUT` and then a note; an escalation is a `PUT` (which
pages) and then a note naming who was escalated to. PagerDuty cannot do both at
once. When the `PUT` applied and the note is refused, the action is neither
applied nor refused: it is `PartlyApplied`, saying which part is which, with the
incident as the `PUT` left it. It is an answer, so it is never retried: a retry
would repeat the `PUT`, and for an escalation page the person a second time.
(A note that got no answer is retried as before, and only the note is sent again.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rr_tui.backends.base import PartlyApplied, Rejected
from rr_tui.models import Incident, IncidentPatch, Status


def change_words(change: IncidentPatch, before: Incident) -> str:
    """`severity SEV2 → SEV1, assigned to arjun.rao@example.com`: what a change does."""
    parts = []
    if change.severity is not None and change.severity is not before.severity:
        parts.append(f"severity {before.severity.value} → {change.severity.value}")
    if change.status is Status.ACKNOWLEDGED and before.status is Status.RESOLVED:
        parts.append("reopened")
    elif change.status is not None and change.status is not before.status:
        parts.append(f"status {before.status.value} → {change.status.value}")
    if change.sets_assignee and change.assignee != before.assignee:
        parts.append(f"assigned to {change.assignee}")
    return ", ".join(parts) or "change"


async def then_note(
    note: Awaitable[object], applied: str, what: str, incident: Callable[[], Incident]
) -> None:
    """Post the note that follows an applied `PUT`; a refusal is `PartlyApplied`, in words.

    Args:
        note: the note's post (not yet awaited).
        applied: what the `PUT` did, e.g. `severity SEV2 → SEV1` or `paged Arjun Rao (…)`.
        what: the note, as a person calls it (`the reason note`, `the escalation note`).
        incident: the incident as the `PUT` left it (asked for only on a refusal).
    """
    try:
        await note
    except Rejected as error:
        message = (
            f"applied in PagerDuty: {applied}. Not applied: {what} "
            f"({error.message}); add it again with n"
        )
        raise PartlyApplied(message, incident(), error.message) from None
