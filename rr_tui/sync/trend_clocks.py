"""Legal clocks for trends computed client-side: each incident's clock states, or none.

A backend with an analytics endpoint (the rr server) counts clocks met and missed in
its database. One without (PagerDuty) may still keep clocks: PagerDuty's live in the
profile's local clock file, so asking for one incident's clocks is a read of that
file, not a network call. `clock_states` asks for those of the incidents opened in
the window and hands `models.trends_from` their states as of the window's end.

When the backend keeps no clocks, or one read fails, the answer is None: the trends
then say "not available" rather than count zero clocks that were never read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from rr_tui.backends.base import BackendError
from rr_tui.models import Incident
from rr_tui.sync.clock_desk import ClockBackend

log = logging.getLogger(__name__)


async def clock_states(
    backend: object, incidents: Iterable[Incident], *, since: datetime, until: datetime
) -> dict[str, list[str]] | None:
    """Per incident opened in [since, until), its clocks' states at `until`; None: unknown."""
    if not isinstance(backend, ClockBackend):
        return None
    states: dict[str, list[str]] = {}
    for incident in incidents:
        if not since <= incident.created_at < until:
            continue
        try:
            held = await backend.clocks(incident.id)
        except BackendError as error:
            log.warning("trends: clocks of %s unreadable: %s", incident.id, error.message)
            return None
        if held:
            states[incident.id] = [clock.state_at(until).value for clock in held]
    return states
