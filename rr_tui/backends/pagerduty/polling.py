"""The PagerDuty queue: a snapshot of the open incidents, then deltas from the log entries.

The first poll, and a safety-net poll every `full_refresh` seconds, is a
snapshot of every open incident (`triggered`, `acknowledged`), 100 a page.
Between snapshots, `GET /log_entries?since=…&include[]=incidents` says what
changed and carries the incidents, which are applied as they are (an entry
without its incident costs a `GET /incidents/{id}`). More than 1,000 entries,
or more than 25 incidents to fetch, start a snapshot instead. A change
PagerDuty writes no log entry for (a priority change, in the published schema)
shows at the next snapshot.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from rr_tui.backends.base import ChangeSet, NotFoundError
from rr_tui.backends.pagerduty.client import (
    MAX_OFFSET,
    PAGE_LIMIT,
    Clock,
    PdClient,
    iso,
    server_time,
)
from rr_tui.backends.pagerduty.cursor import Cursor
from rr_tui.backends.pagerduty.incidents import PdIncidents
from rr_tui.backends.pagerduty.wire import PdIncident, PdLogEntry
from rr_tui.backends.records import valid

log = logging.getLogger(__name__)

LOG_PAGES = 10
"""Pages of log entries read per poll before a snapshot is cheaper."""
REFETCH_LIMIT = 25
"""Incidents fetched one by one per poll before a snapshot is cheaper."""
OVERLAP = timedelta(seconds=30)
"""Log entries are read from this long before the newest one seen, so late writes are not
missed; entries already applied are recognised by id."""
FULL_REFRESH = 300.0
"""Seconds between safety-net snapshots."""


class PdPolling:
    """Answers `changes(cursor)`; remembers the log entries already applied.

    Args:
        http: the PagerDuty connection.
        incidents: maps and versions what the polls read.
        service_ids: show only incidents on these services.
        team_ids: show only incidents of these teams.
        full_refresh: seconds between safety-net snapshots.
        clock: the current time.
    """

    def __init__(
        self,
        http: PdClient,
        incidents: PdIncidents,
        *,
        service_ids: tuple[str, ...],
        team_ids: tuple[str, ...],
        full_refresh: float,
        clock: Clock,
    ) -> None:
        self.http = http
        self.incidents = incidents
        self.service_ids = service_ids
        self.team_ids = team_ids
        self.full_refresh = timedelta(seconds=full_refresh)
        self.clock = clock
        self._seen_entries: dict[str, datetime] = {}

    async def changes(self, cursor: str | None) -> ChangeSet:
        """A snapshot for None (and every `full_refresh`), else what the log entries say changed."""
        now = self.clock()
        state = Cursor.decode(cursor) if cursor else None
        if state is None or now - state.full_at >= self.full_refresh:
            return await self._snapshot(now)
        return await self._delta(state, now)

    async def _snapshot(self, now: datetime) -> ChangeSet:
        await self.incidents.load_priorities()
        params: dict[str, Any] = {
            "statuses[]": ["triggered", "acknowledged"],
            "date_range": "all",
            "include[]": ["assignees"],
            "time_zone": "UTC",
        }
        if self.service_ids:
            params["service_ids[]"] = list(self.service_ids)
        if self.team_ids:
            params["team_ids[]"] = list(self.team_ids)
        paged = await self.http.paged("/incidents", "incidents", params, MAX_OFFSET // PAGE_LIMIT)
        # Log entries are read from when the snapshot started, by the server's clock.
        started = server_time(paged.first) or now
        skipped: list[str] = []
        pds = valid(PdIncident, paged.items, skipped)
        if paged.truncated:
            skipped.append(
                f"more than {len(paged.items)} open incidents: PagerDuty's pages stop at "
                f"{MAX_OFFSET}; narrow the service or team filters"
            )
        items = await self.incidents.map_all(pds, skipped)
        self.incidents.keep_only({incident.id for incident in items})
        cursor = Cursor(started, now)
        return ChangeSet(items, cursor.encode(), reset=True, server_time=started, skipped=skipped)

    async def _delta(self, state: Cursor, now: datetime) -> ChangeSet:
        params: dict[str, Any] = {
            "since": iso(state.since - OVERLAP),
            "include[]": ["incidents"],
            "is_overview": "false",
            "time_zone": "UTC",
        }
        if self.team_ids:
            params["team_ids[]"] = list(self.team_ids)
        paged = await self.http.paged("/log_entries", "log_entries", params, LOG_PAGES)
        if paged.truncated:
            log.info("%s: too many log entries since the last poll: snapshot", self.http.name)
            return await self._snapshot(now)
        skipped: list[str] = []
        entries = valid(PdLogEntry, paged.items, skipped)
        fresh = sorted(
            (entry for entry in entries if entry.id not in self._seen_entries),
            key=lambda entry: entry.created_at,
        )
        if not fresh:
            return ChangeSet([], state.encode(), not_modified=True, skipped=skipped)
        latest: dict[str, PdIncident | None] = {}
        touched: set[str] = set()
        for entry in fresh:
            raw = entry.incident
            if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
                continue
            incident_id = raw["id"]
            if entry.type != "notify_log_entry":
                # A change (a note, an assignment...) moves the version even when the
                # incident looks the same and PagerDuty's second-resolution time did not
                # move: the dashboard then reloads its timeline.
                self.incidents.versions.moved(incident_id, entry.created_at)
                if entry.created_at >= state.since:
                    touched.add(incident_id)
            try:
                latest[incident_id] = PdIncident.model_validate(raw)
            except ValidationError:
                latest.setdefault(incident_id, None)  # a reference: fetched below
        missing = [incident_id for incident_id, pd in latest.items() if pd is None]
        if len(missing) > REFETCH_LIMIT:
            return await self._snapshot(now)
        await self.incidents.priorities()
        for incident_id in missing:
            try:
                latest[incident_id], _ = await self.incidents.fetch(incident_id)
            except NotFoundError:
                continue
        pds = [pd for pd in latest.values() if pd is not None and self._wanted(pd)]
        items = await self.incidents.map_all(pds, skipped, newer=touched)
        since = max(state.since, fresh[-1].created_at)
        for entry in entries:
            self._seen_entries[entry.id] = entry.created_at
        horizon = since - 2 * OVERLAP
        for entry_id in [key for key, at in self._seen_entries.items() if at < horizon]:
            del self._seen_entries[entry_id]
        cursor = Cursor(since, state.full_at)
        return ChangeSet(items, cursor.encode(), server_time=since, skipped=skipped)

    def _wanted(self, pd: PdIncident) -> bool:
        """Whether an incident passes the service filter (`/log_entries` cannot filter by it)."""
        if not self.service_ids:
            return True
        return pd.service is not None and pd.service.id in self.service_ids
