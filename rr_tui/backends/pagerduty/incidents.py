"""PagerDuty incidents as rr-tui incidents: the account's priorities, mapping and versions.

Every path that turns a PagerDuty incident into an `Incident` (a snapshot, a
delta, the answer to a write) goes through `PdIncidents`, so each one is mapped
on the same priority scale and versioned by the same `Versions`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from datetime import datetime
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from rr_tui.backends.base import NotFoundError
from rr_tui.backends.pagerduty.client import PdClient
from rr_tui.backends.pagerduty.mapping import Placement, incident_fields, referenced_users
from rr_tui.backends.pagerduty.priorities import PriorityScale, SeverityMap
from rr_tui.backends.pagerduty.users import PdUsers
from rr_tui.backends.pagerduty.versions import Versions
from rr_tui.backends.pagerduty.wire import PdIncident, PdPriority
from rr_tui.backends.records import describe, valid
from rr_tui.models import Incident


class PdIncidents:
    """Reads and maps incidents; holds the account's priority scale.

    Args:
        http: the PagerDuty connection.
        users: the users met so far (assignees are named by email).
        severity_map: overrides of the priority and urgency → severity defaults.
        placement: category, region and SLA of incidents PagerDuty has no fields for.
    """

    def __init__(
        self, http: PdClient, users: PdUsers, severity_map: SeverityMap, placement: Placement
    ) -> None:
        self.http = http
        self.users = users
        self.severity_map = severity_map
        self.placement = placement
        self.versions = Versions()
        self.scale: PriorityScale | None = None
        """The account's priorities on SEV0..SEV4 (loaded by the first snapshot or write)."""
        self.deadlines: Callable[[str], tuple[datetime, str] | None] | None = None
        """The soonest running legal clock of an incident (due, rule), from the profile's
        local clock file: mapped into `deadline_at` and `deadline_rule`."""
        self.protocols: Callable[[str], str | None] | None = None
        """The progress of an incident's latest protocol (`CRISIS 2/7`), from the same file:
        mapped into `protocol`."""
        self._last: dict[str, PdIncident] = {}

    async def load_priorities(self) -> PriorityScale:
        """Read the account's priorities (most severe first) and place them on SEV0..SEV4."""
        try:
            paged = await self.http.paged("/priorities", "priorities", {}, 5)
            priorities = valid(PdPriority, paged.items, None)
        except NotFoundError:
            priorities = []  # priorities switched off for the account: urgency alone decides
        self.scale = PriorityScale(priorities, self.severity_map)
        return self.scale

    async def priorities(self) -> PriorityScale:
        """The priority scale, loaded if it is not yet."""
        return self.scale or await self.load_priorities()

    def to_incident(self, pd: PdIncident, *, newer: bool = False) -> Incident:
        """Map and version an incident; `newer` forces a version above any handed out."""
        assert self.scale is not None, "priorities are loaded before any incident is mapped"
        fields = incident_fields(pd, self.scale, self.placement, self.users.emails)
        soonest = self.deadlines(pd.id) if self.deadlines is not None else None
        if soonest is not None:
            # In the fingerprint too: a clock step shows as a new version of the incident.
            fields["deadline_at"], fields["deadline_rule"] = soonest
        progress = self.protocols(pd.id) if self.protocols is not None else None
        if progress is not None:
            fields["protocol"] = progress  # a tick, too, shows as a new version
        self._last[pd.id] = pd
        return self.versions.issue(fields, pd.changed_at, newer=newer)

    def remap(self, incident_id: str) -> Incident | None:
        """The incident last read, mapped again above any version handed out (a clock moved)."""
        pd = self._last.get(incident_id)
        return self.to_incident(pd, newer=True) if pd is not None else None

    def keep_only(self, incident_ids: Set[str]) -> None:
        """Forget every incident not in `incident_ids` (after a snapshot: the rest closed)."""
        self.versions.keep_only(incident_ids)
        for incident_id in [key for key in self._last if key not in incident_ids]:
            del self._last[incident_id]

    async def map_all(
        self, pds: Sequence[PdIncident], skipped: list[str], newer: Set[str] = frozenset()
    ) -> list[Incident]:
        """Map incidents (those in `newer` at a version above any handed out).

        An incident that breaks the model is left out and described in `skipped`.
        """
        await self.priorities()
        for pd in pds:
            for assignment in pd.assignments:
                self.users.remember(assignment.assignee)
        await self.users.resolve(referenced_users(pds))
        items = []
        for pd in pds:
            try:
                items.append(self.to_incident(pd, newer=pd.id in newer))
            except ValidationError as error:
                skipped.append(describe(pd.model_dump(), error))
        return items

    async def fetch(self, incident_id: str) -> tuple[PdIncident, Incident]:
        """One incident, as PagerDuty has it now."""
        await self.priorities()
        response = await self.http.request(
            "GET", f"/incidents/{quote(incident_id, safe='')}", params={"include[]": ["assignees"]}
        )
        pd = self.http.json_one(PdIncident, response, "incident")
        for assignment in pd.assignments:
            self.users.remember(assignment.assignee)
        await self.users.resolve(referenced_users([pd]))
        return pd, self.to_incident(pd)

    async def answered(self, response: httpx.Response) -> tuple[PdIncident, Incident]:
        """The incident a write answered with, at a version above any handed out."""
        await self.priorities()
        pd = self.http.json_one(PdIncident, response, "incident")
        await self.users.resolve(referenced_users([pd]))
        return pd, self.to_incident(pd, newer=True)

    async def answered_all(self, response: httpx.Response, key: str) -> list[Incident]:
        """The incidents a bulk write answered with, each at a version above any handed out."""
        await self.priorities()
        pds = valid(PdIncident, self.http.json_list(response, key), None)
        await self.users.resolve(referenced_users(pds))
        return [self.to_incident(pd, newer=True) for pd in pds]
