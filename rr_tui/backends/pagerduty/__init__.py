"""PagerDuty REST API v2 behind the Backend protocol.

Follows PagerDuty's published OpenAPI description (`PagerDuty/api-schema`,
`reference/REST/openapiv3.json`). The parts:

- `wire`: the PagerDuty records the adapter reads, as pydantic models.
- `mapping`: how they become incidents, and how users are named (pure).
- `priorities`: priorities and urgency as severities, both ways (pure).
- `log_entries`: log entries as timeline events, in time order (pure).
- `contacts`: on-call users as directory contacts (pure).
- `client`: HTTP: headers, rate limits, errors, pages.
- `cursor`: the opaque poll cursor.
- `users`: the PagerDuty users met so far: lookups and names.
- `versions`: derived incident versions and what was handed out at each.
- `incidents`: the priority scale; every incident mapped and versioned.
- `polling`: snapshots and log-entry deltas (`changes`).
- `timeline`: log entries and notes merged into one timeline.
- `oncall`: the local directory merged with who is on call.
- `capabilities`: what PagerDuty can express, and why not.
- `writes`: changes, notes, escalation, bulk status, safe to retry.
- `backend`: `PagerDutyBackend`, composed of the above, and `from_settings`.

Layer rule: nothing here imports Textual.
"""

from rr_tui.backends.pagerduty.backend import PagerDutyBackend, from_settings
from rr_tui.backends.pagerduty.capabilities import CAPABILITIES, Capability
from rr_tui.backends.pagerduty.client import DEFAULT_URL, PAGE_LIMIT
from rr_tui.backends.pagerduty.priorities import DEFAULT_URGENCY, SeverityMap
from rr_tui.backends.pagerduty.writes import BULK_LIMIT, BulkOutcome

__all__ = [
    "BULK_LIMIT",
    "CAPABILITIES",
    "DEFAULT_URGENCY",
    "DEFAULT_URL",
    "PAGE_LIMIT",
    "BulkOutcome",
    "Capability",
    "PagerDutyBackend",
    "SeverityMap",
    "from_settings",
]
