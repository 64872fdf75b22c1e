"""The PagerDuty backend: settings checked once, and the parts that do the work.

`PagerDutyBackend` holds one of each part and delegates the `Backend`
protocol to them; the parts share the connection and the users met so far:

- `users` (`PdUsers`): users by id and email, lookups, how they are named.
- `incidents` (`PdIncidents`): the priority scale, mapping and versions.
- `polling` (`PdPolling`): snapshots and log-entry deltas (`changes`).
- `timelines` (`PdTimeline`): log entries and notes merged (`timeline`).
- `oncall` (`PdOnCall`): the local directory merged with who is on call.
- `writes` (`PdWrites`): patch, notes, escalation, bulk status; retries.
- `legal` (`PdClocks`): legal clocks in the profile's local file, each step a note.
- `playbooks` (`PdProtocols`): protocols in the same file, each activation and tick a note.

What PagerDuty cannot express (the statuses new, escalated and mitigated;
unassigning; a severity no priority maps to) is refused before anything is
sent, with `Rejected(code="unsupported")`; `supports()` and
`unsupported_reason()` let the UI show it unavailable beforehand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from rr_tui.backends.base import ChangeSet
from rr_tui.backends.pagerduty.capabilities import supports, unsupported_reason
from rr_tui.backends.pagerduty.client import DEFAULT_URL, Clock, PdClient
from rr_tui.backends.pagerduty.incidents import PdIncidents
from rr_tui.backends.pagerduty.local_clocks import LocalClocks
from rr_tui.backends.pagerduty.local_protocols import LocalProtocols
from rr_tui.backends.pagerduty.mapping import DEFAULT_CATEGORY, DEFAULT_REGION, Placement
from rr_tui.backends.pagerduty.oncall import PdOnCall
from rr_tui.backends.pagerduty.pd_clocks import PdClocks
from rr_tui.backends.pagerduty.pd_protocols import PdProtocols
from rr_tui.backends.pagerduty.polling import FULL_REFRESH, PdPolling
from rr_tui.backends.pagerduty.priorities import SeverityMap
from rr_tui.backends.pagerduty.timeline import PdTimeline
from rr_tui.backends.pagerduty.users import PdUsers
from rr_tui.backends.pagerduty.writes import BulkOutcome, PdWrites
from rr_tui.deadlines import Catalogue, ClockRule, ProtocolRule, ProtocolRun
from rr_tui.deadlines import Clock as LegalClock
from rr_tui.deadlines import load as load_catalogue
from rr_tui.deadlines.protocol_wire import ProtocolActivate, ProtocolResult, ProtocolTick
from rr_tui.deadlines.wire import ClockResult, ClockStart, ClockStep
from rr_tui.models import (
    DEFAULT_SLA,
    Contact,
    EscalationCreate,
    EscalationResult,
    Incident,
    IncidentPatch,
    Me,
    NoteResult,
    Role,
    Severity,
    Status,
    Team,
    TimelineEvent,
    utcnow,
)


class PagerDutyBackend:
    """PagerDuty REST API v2 behind the `Backend` protocol.

    Args:
        token: a PagerDuty REST API key (account or user), never logged.
        from_email: the PagerDuty user the dashboard acts as: the `From` header
            of every write, and who `me()` says we are.
        url: the API's base URL.
        service_ids: show only incidents on these services.
        team_ids: show only incidents of these teams.
        severity_map: overrides of the priority and urgency → severity defaults.
        contacts: the local stakeholder directory (Legal, Policy, partners who
            are not in PagerDuty), merged with PagerDuty's on-call users.
        service_regions: market code by service id (else `default_region`).
        service_categories: category slug by service id (else `default_category`).
        service_sources: intake source by service id (else internal detection): what
            starts a rule's clock at intake.
        default_region: the market of incidents on other services.
        default_category: the category of incidents on other services.
        sla: time to the SLA breach by severity (default: `models.DEFAULT_SLA`).
        oncall_team: the directory team PagerDuty on-call users belong to.
        full_refresh: seconds between safety-net snapshots.
        timeout: seconds to wait for an answer.
        clock: the current time (tests freeze it).
        transport: an httpx transport (tests).
        name: the status-bar label (default `PagerDuty <host>`).
        clock_file: the profile's legal clocks file (`locations.pd_clocks_path`); None
            keeps them in memory, for this adapter alone.
        catalogue: the clock rules (default: the shipped catalogue).

    Raises:
        ValueError: a setting is not valid (the message names it).
        ClockFileError: the clock file cannot be used (the message names it).
    """

    def __init__(
        self,
        token: str,
        from_email: str,
        *,
        url: str = DEFAULT_URL,
        service_ids: Iterable[str] = (),
        team_ids: Iterable[str] = (),
        severity_map: SeverityMap | Mapping[str, Any] | None = None,
        contacts: Iterable[Contact] = (),
        service_regions: Mapping[str, str] | None = None,
        service_categories: Mapping[str, str] | None = None,
        service_sources: Mapping[str, str] | None = None,
        default_region: str = DEFAULT_REGION,
        default_category: str = DEFAULT_CATEGORY,
        sla: Mapping[Severity, timedelta] | None = None,
        oncall_team: Team = Team.TRUST_SAFETY,
        full_refresh: float = FULL_REFRESH,
        timeout: float = 10.0,
        clock: Clock = utcnow,
        transport: httpx.AsyncBaseTransport | None = None,
        name: str | None = None,
        clock_file: Path | None = None,
        catalogue: Catalogue | None = None,
    ) -> None:
        if not token or any(c in token for c in "\r\n"):
            raise ValueError("token: a PagerDuty API token is required")
        address = from_email.strip()
        if "@" not in address or any(c in address for c in "\r\n "):
            raise ValueError(f"from_email: {from_email!r} is not an email address")
        base = (url or DEFAULT_URL).rstrip("/")
        self.name = name or f"PagerDuty {urlsplit(base).netloc}"
        """A short label for the status bar."""
        self.from_email = address
        """Who the dashboard acts as (the `From` header of every write)."""
        self.service_ids = tuple(dict.fromkeys(service_ids))
        self.team_ids = tuple(dict.fromkeys(team_ids))
        placement = Placement(
            default_category=default_category,
            default_region=default_region,
            service_categories=dict(service_categories or {}),
            service_regions=dict(service_regions or {}),
            service_sources=dict(service_sources or {}),
            sla={**DEFAULT_SLA, **(sla or {})},
        )
        self.http = PdClient(
            base, token, address, name=self.name, timeout=timeout, clock=clock, transport=transport
        )
        self.users = PdUsers(self.http, address)
        self.incidents = PdIncidents(
            self.http, self.users, SeverityMap.parse(severity_map), placement
        )
        self.polling = PdPolling(
            self.http,
            self.incidents,
            service_ids=self.service_ids,
            team_ids=self.team_ids,
            full_refresh=full_refresh,
            clock=clock,
        )
        self.timelines = PdTimeline(self.http, self.users)
        self.oncall = PdOnCall(self.http, self.users, contacts, oncall_team, clock)
        self.writes = PdWrites(self.http, self.incidents, self.users, self.oncall, clock)
        keeper = LocalClocks(clock_file, catalogue or load_catalogue(), clock())
        self.legal = PdClocks(keeper, self.incidents, self.writes, self.users, clock)
        self.playbooks = PdProtocols(LocalProtocols(keeper), self.legal)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()
        self.legal.keeper.close()

    # --- reading ------------------------------------------------------------------------

    async def changes(self, cursor: str | None) -> ChangeSet:
        """A snapshot for None (and every `full_refresh`), else what the log entries say changed."""
        self.legal.before_poll()
        return await self.legal.after_poll(await self.polling.changes(cursor))

    async def timeline(self, incident_id: str, after: int = 0) -> list[TimelineEvent]:
        """Log entries and notes, oldest first; events that break the model are left out."""
        return await self.timelines.timeline(incident_id, after)

    async def contacts(self) -> list[Contact] | None:
        """The local directory merged with who is on call now; None if unchanged since last time."""
        return await self.oncall.contacts()

    async def me(self) -> Me:
        """The `from_email` user, as role `lead`: PagerDuty enforces its own permissions."""
        return Me(name=await self.users.my_name(), role=Role.LEAD)

    async def assignable(self) -> list[str]:
        """The account's users, named as rr-tui names them (their email)."""
        return await self.users.everyone()

    # --- what PagerDuty can do ----------------------------------------------------------

    def supports(self, what: str) -> bool:
        """Whether PagerDuty can do `what`: a `Capability` value, or `severity:SEV3`.

        `severity:SEVn` is True when a priority maps to that severity (and,
        before the first poll has loaded the priorities, True).
        """
        return supports(what, self.incidents.scale)

    def unsupported_reason(self, change: IncidentPatch) -> str | None:
        """Why PagerDuty cannot make this change, in words; None if it can (as far as known)."""
        return unsupported_reason(change, self.incidents.scale)

    # --- legal clocks (kept on this machine, each step a note: see `pd_clocks`) ------------

    async def clock_rules(self) -> list[ClockRule]:
        """The clock rules this profile works to."""
        return await self.legal.clock_rules()

    async def clocks(self, incident_id: str) -> list[LegalClock]:
        """An incident's clocks, from the profile's clock file."""
        return await self.legal.clocks(incident_id)

    async def start_clock(
        self, incident_id: str, body: ClockStart, version: int, key: str
    ) -> ClockResult:
        """Start a rule's clock by hand, and note it on the incident."""
        return await self.legal.start_clock(incident_id, body, version, key)

    async def step_clock(
        self, incident_id: str, clock_id: int, body: ClockStep, version: int, key: str
    ) -> ClockResult:
        """Take a step on a clock, and note it on the incident."""
        return await self.legal.step_clock(incident_id, clock_id, body, version, key)

    # --- protocols (kept in the same file, each activation and tick a note) -------------------

    async def protocols(self) -> list[ProtocolRule]:
        """The protocols this profile works to."""
        return await self.playbooks.protocols()

    async def protocol_runs(self, incident_id: str) -> list[ProtocolRun]:
        """The protocols activated on an incident, from the profile's clock file."""
        return await self.playbooks.protocol_runs(incident_id)

    async def activate_protocol(
        self, incident_id: str, body: ProtocolActivate, version: int, key: str
    ) -> ProtocolResult:
        """Activate a protocol, and note it on the incident."""
        return await self.playbooks.activate_protocol(incident_id, body, version, key)

    async def tick_protocol(
        self, incident_id: str, run_id: int, body: ProtocolTick, version: int, key: str
    ) -> ProtocolResult:
        """Tick or untick a step (a step may start its clock), and note it on the incident."""
        return await self.playbooks.tick_protocol(incident_id, run_id, body, version, key)

    # --- writing ------------------------------------------------------------------------

    async def patch(
        self, incident_id: str, change: IncidentPatch, version: int, key: str
    ) -> Incident:
        """Acknowledge, resolve, reopen, reprioritize or reassign (see `PdWrites.patch`)."""
        return await self.writes.patch(incident_id, change, version, key)

    async def add_note(self, incident_id: str, text: str, key: str) -> NoteResult:
        """`POST /incidents/{id}/notes` (posted once per key within a session)."""
        return await self.writes.add_note(incident_id, text, key)

    async def escalate(
        self, incident_id: str, body: EscalationCreate, key: str
    ) -> EscalationResult:
        """Page the PagerDuty users among the targets; record the rest (see `PdWrites`)."""
        return await self.writes.escalate(incident_id, body, key)

    async def escalate_to_level(
        self, incident_id: str, level: int, version: int | None = None
    ) -> Incident:
        """Page whoever is on call at `level` of the incident's escalation policy."""
        return await self.writes.escalate_to_level(incident_id, level, version)

    async def bulk_status(
        self, incident_ids: Sequence[str], status: Status, resolution: str = ""
    ) -> BulkOutcome:
        """Acknowledge or resolve many incidents, at most 250 a request."""
        return await self.writes.bulk_status(incident_ids, status, resolution)


def from_settings(
    url: str,
    token: str,
    from_email: str,
    *,
    service_ids: Iterable[str] = (),
    team_ids: Iterable[str] = (),
    severity_map: SeverityMap | Mapping[str, Any] | None = None,
    contacts: Iterable[Contact] = (),
    service_regions: Mapping[str, str] | None = None,
    service_categories: Mapping[str, str] | None = None,
    service_sources: Mapping[str, str] | None = None,
    sla: Mapping[Severity, timedelta] | None = None,
    clock_file: Path | None = None,
    catalogue: Catalogue | None = None,
) -> PagerDutyBackend:
    """A PagerDuty backend from a configuration profile (`kind = "pagerduty"`).

    Args:
        url: the API base URL; empty for https://api.pagerduty.com.
        token: the REST API key.
        from_email: the PagerDuty user the dashboard acts as.
        service_ids: only incidents on these services (empty: all).
        team_ids: only incidents of these teams (empty: all).
        severity_map: `{"priorities": {"P1": "SEV0", ...}, "urgency": {"high": "SEV2",
            "low": "SEV4"}}`, each part optional, overriding the defaults.
        contacts: the local stakeholder directory.
        service_regions: market code by service id.
        service_categories: category slug by service id.
        service_sources: intake source by service id (what starts clocks at intake).
        sla: SLA target by severity (e.g. `Settings.sla_targets()`).
        clock_file: the profile's legal clocks file (None: in memory).
        catalogue: the clock rules (default: the shipped catalogue).

    Raises:
        ValueError: a setting is not valid (the message names it).
    """
    return PagerDutyBackend(
        token,
        from_email,
        url=url or DEFAULT_URL,
        service_ids=service_ids,
        team_ids=team_ids,
        severity_map=severity_map,
        contacts=contacts,
        service_regions=service_regions,
        service_categories=service_categories,
        service_sources=service_sources,
        sla=sla,
        clock_file=clock_file,
        catalogue=catalogue,
    )
