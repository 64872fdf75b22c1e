"""Versions for PagerDuty incidents, which have none, and what was handed out at each.

An incident's version is the millisecond time of its last known change (its
own timestamps, and the log entries seen for it), raised by one when its
content changed within the same millisecond, so while the adapter runs a
version only grows and a change always shows. The last few incidents handed
out are remembered by version, so a write can tell a real conflict from a
version that moved without any change the user could have seen.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Mapping, Set
from datetime import datetime
from typing import Any

from rr_tui.backends.pagerduty.mapping import millis
from rr_tui.models import Incident

HISTORY = 16
"""Versions remembered per incident (a write made against an older one is a conflict)."""


class Versions:
    """The version last handed out per incident, the floor writes set, and recent history."""

    def __init__(self) -> None:
        self._issued: dict[str, tuple[str, int]] = {}
        self._history: defaultdict[str, deque[tuple[int, Incident]]] = defaultdict(
            lambda: deque(maxlen=HISTORY)
        )
        self._floors: dict[str, int] = {}

    def issue(self, fields: Mapping[str, Any], changed_at: datetime, *, newer: bool) -> Incident:
        """The incident for mapped `fields` (all but `version`), at the version it earns.

        `newer` forces a version above any handed out (an answer to our own write).
        """
        incident_id = str(fields["id"])
        fingerprint = json.dumps(fields, sort_keys=True, default=str)
        version = max(millis(changed_at), self._floors.get(incident_id, 0), 1)
        previous = self._issued.get(incident_id)
        if previous is not None:
            seen_print, seen_version = previous
            if newer:
                version = max(version, seen_version + 1)
            elif fingerprint == seen_print:
                version = max(version, seen_version)
            elif version <= seen_version:
                version = seen_version + 1
        incident = Incident.model_validate({**fields, "version": version})
        self._issued[incident_id] = (fingerprint, version)
        history = self._history[incident_id]
        if not history or history[-1][0] != version:
            history.append((version, incident))
        return incident

    def seen_at(self, incident_id: str, version: int) -> Incident | None:
        """The incident as this adapter handed it out at `version`, if it remembers."""
        for seen_version, incident in self._history.get(incident_id, ()):
            if seen_version == version:
                return incident
        return None

    def moved(self, incident_id: str, at: datetime) -> None:
        """Something was written to the incident at `at` (server time): its version moves."""
        self._floors[incident_id] = max(self._floors.get(incident_id, 0), millis(at))

    def keep_only(self, incident_ids: Set[str]) -> None:
        """Forget every incident not in `incident_ids` (after a snapshot: the rest closed)."""
        for table in (self._issued, self._floors, self._history):
            for incident_id in [key for key in table if key not in incident_ids]:
                del table[incident_id]
