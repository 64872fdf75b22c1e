"""PagerDuty REST API v2 behind the Backend protocol.

Follows PagerDuty's published OpenAPI description (`PagerDuty/api-schema`,
`reference/REST/openapiv3.json`). The parts:

- `wire`: the PagerDuty records the adapter reads, as pydantic models.
- `mapping`: how they become incidents, timeline events and contacts (pure).
- `client`: HTTP: headers, rate limits, errors, pages.
- `reader`: the queue, live updates, timeline, stakeholders, versions.
- `backend`: the actions, what PagerDuty cannot express, and `from_settings`.

Layer rule: nothing here imports Textual.
"""

from rr_tui.backends.pagerduty.backend import (
    BULK_LIMIT,
    CAPABILITIES,
    BulkOutcome,
    Capability,
    PagerDutyBackend,
    from_settings,
)
from rr_tui.backends.pagerduty.client import DEFAULT_URL, PAGE_LIMIT
from rr_tui.backends.pagerduty.mapping import DEFAULT_SLA, DEFAULT_URGENCY, SeverityMap

__all__ = [
    "BULK_LIMIT",
    "CAPABILITIES",
    "DEFAULT_SLA",
    "DEFAULT_URGENCY",
    "DEFAULT_URL",
    "PAGE_LIMIT",
    "BulkOutcome",
    "Capability",
    "PagerDutyBackend",
    "SeverityMap",
    "from_settings",
]
