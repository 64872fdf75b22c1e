"""The reading half of the PagerDuty adapter: queue, live updates, timeline, stakeholders.

- **Queue.** The first poll, and a safety-net poll every `full_refresh`
  seconds, is a snapshot of every open incident (`triggered`, `acknowledged`),
  100 a page. Between snapshots, `GET /log_entries?since=…&include[]=incidents`
  says what changed and carries the incidents, which are applied as they are
  (an entry without its incident costs a `GET /incidents/{id}`). More than
  1,000 entries, or more than 25 incidents to fetch, start a snapshot instead.
  A change PagerDuty writes no log entry for (a priority change, in the
  published schema) shows at the next snapshot.
- **Versions.** PagerDuty has none. An incident's version is the millisecond
  time of its last known change (its own timestamps, and the log entries seen
  for it), raised by one when its content changed within the same
  millisecond, so while the adapter runs a version only grows and a change
  always shows.
- **Timeline.** `GET /incidents/{id}/log_entries` and `/notes`, merged in time
  order; `seq` is the event's millisecond time (raised by one on a tie), so it
  is stable from one call to the next and `after` works.
- **Stakeholders.** Who is on call (`GET /oncalls`) with their contact methods
  (`GET /users/{id}/contact_methods`, kept 15 minutes), merged with the local
  directory given to the constructor.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

import httpx
from pydantic import ValidationError

from rr_tui.backends.base import ChangeSet, NotAllowed, NotFoundError, Rejected
from rr_tui.backends.pagerduty.client import (
    DEFAULT_URL,
    MAX_OFFSET,
    PAGE_LIMIT,
    Clock,
    PdClient,
    describe,
    iso,
    server_time,
    valid,
)
from rr_tui.backends.pagerduty.mapping import (
    DEFAULT_CATEGORY,
    DEFAULT_REGION,
    DEFAULT_SLA,
    OnCall,
    Placement,
    PriorityScale,
    SeverityMap,
    actor_slug,
    event_of,
    in_time_order,
    incident_fields,
    millis,
    oncall_contact,
    referenced_users,
    user_name,
)
from rr_tui.backends.pagerduty.wire import (
    PdContactMethod,
    PdIncident,
    PdLogEntry,
    PdNote,
    PdOncall,
    PdPriority,
    PdRef,
    PdUser,
)
from rr_tui.models import (
    Contact,
    EventKind,
    Incident,
    Me,
    Role,
    Severity,
    Team,
    TimelineEvent,
    utcnow,
)

log = logging.getLogger(__name__)

LOG_PAGES = 10
"""Pages of log entries read per poll before a snapshot is cheaper."""
REFETCH_LIMIT = 25
"""Incidents fetched one by one per poll before a snapshot is cheaper."""
ONCALL_USERS = 200
"""On-call users looked up per directory refresh (each costs a contact-methods request)."""
OVERLAP = timedelta(seconds=30)
"""Log entries are read from this long before the newest one seen, so late writes are not
missed; entries already applied are recognised by id."""
FULL_REFRESH = 300.0
"""Seconds between safety-net snapshots."""
CONTACT_METHODS_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class Cursor:
    """What `changes` needs to go on: opaque to callers (`pd1.` + base64 JSON)."""

    since: datetime
    """Server time of the newest log entry seen (or of the snapshot's start)."""
    full_at: datetime
    """Local time of the last snapshot."""

    def encode(self) -> str:
        """The cursor as a string."""
        raw = json.dumps({"s": self.since.isoformat(), "f": self.full_at.isoformat()})
        return "pd1." + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        """A cursor from `encode`, or None for anything else (which starts a snapshot)."""
        if not text.startswith("pd1."):
            return None
        body = text[4:]
        try:
            raw = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            since, full_at = datetime.fromisoformat(raw["s"]), datetime.fromisoformat(raw["f"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if since.tzinfo is None or full_at.tzinfo is None:
            return None
        return cls(since, full_at)


class _Row(NamedTuple):
    """A timeline event before it has its seq: sorted by (order_at, position)."""

    order_at: datetime
    position: int
    at: datetime
    kind: EventKind
    actor: str
    data: dict[str, Any]
    message: str


class PdReader:
    """Reads PagerDuty into rr-tui's model; `PagerDutyBackend` adds the actions.

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
        sla: time to the SLA breach by severity (default 30m/2h/8h/1d/3d).
        oncall_team: the directory team PagerDuty on-call users belong to.
        full_refresh: seconds between safety-net snapshots.
        clock: the current time (tests freeze it).
        transport: an httpx transport (tests).

    Raises:
        ValueError: a setting is not valid (the message names it).
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
        default_region: str = DEFAULT_REGION,
        default_category: str = DEFAULT_CATEGORY,
        sla: Mapping[Severity, timedelta] | None = None,
        oncall_team: Team = Team.TRUST_SAFETY,
        full_refresh: float = FULL_REFRESH,
        timeout: float = 10.0,
        clock: Clock = utcnow,
        transport: httpx.AsyncBaseTransport | None = None,
        name: str | None = None,
    ) -> None:
        if not token or any(c in token for c in "\r\n"):
            raise ValueError("token: a PagerDuty API token is required")
        address = from_email.strip()
        if "@" not in address or any(c in address for c in "\r\n "):
            raise ValueError(f"from_email: {from_email!r} is not an email address")
        base = (url or DEFAULT_URL).rstrip("/")
        self.name = name or f"PagerDuty {urlsplit(base).netloc}"
        self.from_email = address
        self.service_ids = tuple(dict.fromkeys(service_ids))
        self.team_ids = tuple(dict.fromkeys(team_ids))
        self.severity_map = SeverityMap.parse(severity_map)
        self.placement = Placement(
            default_category=default_category,
            default_region=default_region,
            service_categories=dict(service_categories or {}),
            service_regions=dict(service_regions or {}),
            sla={**DEFAULT_SLA, **(sla or {})},
        )
        self.local_contacts = list(contacts)
        self.oncall_team = oncall_team
        self.full_refresh = timedelta(seconds=full_refresh)
        self.clock = clock
        self.http = PdClient(
            base,
            token,
            address,
            name=self.name,
            timeout=timeout,
            clock=clock,
            transport=transport,
        )
        self.scale: PriorityScale | None = None
        """The account's priorities on SEV0..SEV4 (loaded by the first snapshot or write)."""
        self._users: dict[str, PdUser] = {}
        self._emails: dict[str, str] = {}
        self._by_email: dict[str, str] = {}
        self._looked_up: set[str] = set()
        self._me: PdUser | None = None
        self._issued: dict[str, tuple[str, int]] = {}
        self._history: defaultdict[str, deque[tuple[int, Incident]]] = defaultdict(
            lambda: deque(maxlen=16)
        )
        self._floors: dict[str, int] = {}
        self._seen_entries: dict[str, datetime] = {}
        self._methods: dict[str, tuple[datetime, list[PdContactMethod]]] = {}
        self._contact_users: dict[str, str] = {}
        self._oncall_levels: dict[str, dict[str, int]] = {}
        self._directory: dict[str, Contact] | None = None
        self._last_contacts: list[Contact] | None = None
        # Kept for PagerDutyBackend's writes: how far a write got, and when a
        # note was first tried, by key (so a retry neither repeats nor loses a step).
        self._progress: dict[str, Any] = {}
        self._note_attempts: dict[str, datetime] = {}

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    # --- users ----------------------------------------------------------------------------

    def _remember(self, user: PdUser) -> None:
        if user.email:
            self._users[user.id] = user
            self._emails[user.id] = user.email
            self._by_email[user.email.strip().lower()] = user.id
        else:
            self._users.setdefault(user.id, user)

    async def _resolve_users(self, user_ids: Iterable[str]) -> None:
        """Look up users known only by reference (for their email), once each."""
        for user_id in sorted(set(user_ids) - self._emails.keys() - self._looked_up):
            try:
                response = await self.http.request("GET", f"/users/{quote(user_id, safe='')}")
            except (NotFoundError, NotAllowed):
                self._looked_up.add(user_id)
                continue
            self._looked_up.add(user_id)
            try:
                self._remember(PdUser.model_validate(self.http.json_object(response).get("user")))
            except ValidationError:
                continue

    def _name_of(self, ref: PdRef) -> str:
        user = self._users.get(ref.id) or PdUser(id=ref.id, summary=ref.summary)
        return user_name(user, self._emails.get(ref.id)) or actor_slug(ref.summary)

    async def find_user(self, who: str) -> PdUser:
        """A PagerDuty user by email (exact), by id, or by `first.last` (email local part or name).

        Raises:
            Rejected: code `unknown_user` if nobody matches, `ambiguous_user` if several do.
        """
        key = who.strip().lower()
        if key in self._by_email:
            return self._users[self._by_email[key]]
        if who in self._emails:
            return self._users[who]
        response = await self.http.request(
            "GET", "/users", params={"query": who, "limit": PAGE_LIMIT}
        )
        users = valid(PdUser, self.http.json_list(response, "users"), None)
        for user in users:
            self._remember(user)
        exact = [u for u in users if (u.email or "").strip().lower() == key or u.id == who]
        if not exact and "@" not in key:
            exact = [
                u
                for u in users
                if (u.email or "").lower().split("@")[0] == key
                or (u.name or "").strip().lower().replace(" ", ".") == key
            ]
        if len(exact) == 1:
            return exact[0]
        if not exact:
            raise Rejected(f"no PagerDuty user matches {who!r}", 422, "unknown_user")
        raise Rejected(
            f"{who!r} matches {len(exact)} PagerDuty users: use their email", 422, "ambiguous_user"
        )

    async def me_user(self) -> PdUser:
        """The `from_email` user (looked up once)."""
        if self._me is None:
            try:
                self._me = await self.find_user(self.from_email)
            except Rejected as error:
                if error.code != "unknown_user":
                    raise
                raise Rejected(
                    f"from_email {self.from_email} is not a user of this PagerDuty account",
                    422,
                    "unknown_user",
                ) from None
        return self._me

    async def me(self) -> Me:
        """The `from_email` user, as role `lead`: PagerDuty enforces its own permissions."""
        user = await self.me_user()
        return Me(name=user_name(user) or user.id, role=Role.LEAD)

    # --- priorities, incidents, versions --------------------------------------------------------

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
        assert self.scale is not None
        fields = incident_fields(pd, self.scale, self.placement, self._emails)
        fingerprint = json.dumps(fields, sort_keys=True, default=str)
        version = max(millis(pd.changed_at), self._floors.get(pd.id, 0), 1)
        previous = self._issued.get(pd.id)
        if previous is not None:
            seen_print, seen_version = previous
            if newer:
                version = max(version, seen_version + 1)
            elif fingerprint == seen_print:
                version = max(version, seen_version)
            elif version <= seen_version:
                version = seen_version + 1
        incident = Incident.model_validate({**fields, "version": version})
        self._issued[pd.id] = (fingerprint, version)
        history = self._history[pd.id]
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

    async def _incidents(
        self, pds: Sequence[PdIncident], skipped: list[str], newer: Set[str] = frozenset()
    ) -> list[Incident]:
        """Map incidents (those in `newer` at a version above any handed out)."""
        for pd in pds:
            for assignment in pd.assignments:
                self._remember(assignment.assignee)
        await self._resolve_users(referenced_users(pds))
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
            self._remember(assignment.assignee)
        await self._resolve_users(referenced_users([pd]))
        return pd, self.to_incident(pd)

    async def answered(self, response: httpx.Response) -> tuple[PdIncident, Incident]:
        """The incident a write answered with, at a version above any handed out."""
        pd = self.http.json_one(PdIncident, response, "incident")
        await self._resolve_users(referenced_users([pd]))
        return pd, self.to_incident(pd, newer=True)

    # --- polling ------------------------------------------------------------------------

    async def changes(self, cursor: str | None) -> ChangeSet:
        """A snapshot for None (and every `full_refresh`), else what the log entries say changed."""
        now = self.clock()
        state = Cursor.decode(cursor) if cursor else None
        if state is None or now - state.full_at >= self.full_refresh:
            return await self._snapshot(now)
        return await self._delta(state, now)

    async def _snapshot(self, now: datetime) -> ChangeSet:
        await self.load_priorities()
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
        items = await self._incidents(pds, skipped)
        keep = {incident.id for incident in items}
        for table in (self._issued, self._floors, self._history):
            for incident_id in [key for key in table if key not in keep]:
                del table[incident_id]
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
            log.info("%s: too many log entries since the last poll: snapshot", self.name)
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
                self.moved(incident_id, entry.created_at)
                if entry.created_at >= state.since:
                    touched.add(incident_id)
            try:
                latest[incident_id] = PdIncident.model_validate(raw)
            except ValidationError:
                latest.setdefault(incident_id, None)  # a reference: fetched below
        missing = [incident_id for incident_id, pd in latest.items() if pd is None]
        if len(missing) > REFETCH_LIMIT:
            return await self._snapshot(now)
        await self.priorities()
        for incident_id in missing:
            try:
                latest[incident_id], _ = await self.fetch(incident_id)
            except NotFoundError:
                continue
        pds = [pd for pd in latest.values() if pd is not None and self._wanted(pd)]
        items = await self._incidents(pds, skipped, newer=touched)
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

    # --- timeline -------------------------------------------------------------------------

    def _actor(self, agent: PdRef | None) -> str:
        if agent is None:
            return "pagerduty"
        if agent.type in ("user", "user_reference"):
            return self._name_of(agent)
        return actor_slug(agent.summary)

    def _note_row(self, note: PdNote, order_at: datetime, position: int) -> _Row:
        data: dict[str, Any] = {"pd_type": "note"}
        actor = self._actor(note.user)
        return _Row(order_at, position, note.created_at, EventKind.NOTE, actor, data, note.content)

    async def timeline(self, incident_id: str, after: int = 0) -> list[TimelineEvent]:
        """Log entries and notes, oldest first; events that break the model are left out.

        Each note takes the place of its `annotate_log_entry` (they pair up in
        order), so a note shows once, with its full text, where it happened.
        """
        path = f"/incidents/{quote(incident_id, safe='')}"
        paged = await self.http.paged(
            path + "/log_entries", "log_entries", {"is_overview": "false", "time_zone": "UTC"}, 10
        )
        entries = in_time_order(valid(PdLogEntry, paged.items, None))
        response = await self.http.request("GET", path + "/notes")
        notes = sorted(
            valid(PdNote, self.http.json_list(response, "notes"), None), key=lambda n: n.created_at
        )
        refs = [
            *(entry.agent for entry in entries if entry.agent),
            *(ref for entry in entries for ref in entry.assignees),
            *(note.user for note in notes if note.user),
        ]
        await self._resolve_users(r.id for r in refs if r.type in ("user", "user_reference"))
        rows: list[_Row] = []
        waiting = deque(notes)
        triggered = False
        for position, entry in enumerate(entries):
            if entry.type == "annotate_log_entry":
                # The note's place in the log; its full text and author come from /notes.
                if waiting:
                    note = waiting.popleft()
                    rows.append(self._note_row(note, entry.created_at, position))
                continue
            mapped = event_of(entry, first_trigger=not triggered)
            triggered = triggered or entry.type == "trigger_log_entry"
            if mapped is None:
                continue
            kind, data = mapped
            if kind is EventKind.ASSIGNED:
                data["to"] = ", ".join(self._name_of(ref) for ref in entry.assignees) or "nobody"
            elif kind is EventKind.ESCALATED:
                data["targets"] = [self._name_of(ref) for ref in entry.assignees]
            message = entry.note or entry.summary or ""
            actor = self._actor(entry.agent)
            rows.append(
                _Row(entry.created_at, position, entry.created_at, kind, actor, data, message)
            )
        for extra, note in enumerate(waiting):  # notes the log has no entry for
            rows.append(self._note_row(note, note.created_at, len(entries) + extra))
        rows.sort(key=lambda row: (row.order_at, row.position))
        events = []
        seq = 0
        for row in rows:
            seq = max(millis(row.at), seq + 1)
            if seq <= after:
                continue
            try:
                events.append(
                    TimelineEvent(
                        seq=seq,
                        incident_id=incident_id,
                        at=row.at,
                        actor=row.actor,
                        kind=row.kind,
                        data=row.data,
                        message=row.message[:10_000],
                    )
                )
            except ValidationError:
                continue
        return events

    # --- stakeholders ---------------------------------------------------------------------

    async def _contact_methods(self, user_id: str) -> list[PdContactMethod]:
        now = self.clock()
        cached = self._methods.get(user_id)
        if cached is not None and now - cached[0] < CONTACT_METHODS_TTL:
            return cached[1]
        try:
            response = await self.http.request(
                "GET", f"/users/{quote(user_id, safe='')}/contact_methods"
            )
            methods = valid(PdContactMethod, self.http.json_list(response, "contact_methods"), None)
        except (NotFoundError, NotAllowed):
            methods = []
        self._methods[user_id] = (now, methods)
        return methods

    async def contacts(self) -> list[Contact] | None:
        """The local directory merged with who is on call now; None if unchanged since last time.

        A local contact whose email is a PagerDuty on-call user's is the same
        person: the local entry (team, markets, hours) is kept, marked on call,
        and given the PagerDuty phone if it has none.
        """
        merged = await self.directory()
        if merged == self._last_contacts:
            return None
        self._last_contacts = merged
        return merged

    async def directory(self) -> list[Contact]:
        """The merged directory now (what `contacts` returns, without the 'unchanged' answer)."""
        paged = await self.http.paged(
            "/oncalls", "oncalls", {"include[]": ["users"], "time_zone": "UTC"}, 10
        )
        by_user: dict[str, OnCall] = {}
        for oncall in valid(PdOncall, paged.items, None):
            if oncall.user is None:
                continue
            self._remember(oncall.user)
            entry = by_user.setdefault(oncall.user.id, OnCall(oncall.user))
            policy, level = oncall.escalation_policy, oncall.escalation_level
            if policy is not None and level is not None:
                entry.levels[policy.id] = min(entry.levels.get(policy.id, level), level)
                entry.policies[policy.id] = policy.summary or policy.id
            if oncall.end is not None and (entry.until is None or oncall.end < entry.until):
                entry.until = oncall.end
        await self._resolve_users(by_user)
        found: list[tuple[str, set[str], Contact]] = []
        for user_id, who in list(by_user.items())[:ONCALL_USERS]:
            who.user = self._users.get(user_id, who.user)
            methods = await self._contact_methods(user_id)
            try:
                contact = oncall_contact(who, methods, self.oncall_team)
            except ValidationError:
                continue
            emails = {
                m.address.strip().lower() for m in methods if m.type == "email_contact_method"
            }
            if who.user.email:
                emails.add(who.user.email.strip().lower())
            found.append((user_id, emails, contact))
        self._oncall_levels = {user_id: dict(who.levels) for user_id, who in by_user.items()}
        return self._merge(found)

    def _merge(self, found: list[tuple[str, set[str], Contact]]) -> list[Contact]:
        result: list[Contact] = []
        used: set[str] = set()
        for local in self.local_contacts:
            address = local.email.strip().lower()
            match = next(((u, c) for u, emails, c in found if address and address in emails), None)
            if match is None:
                result.append(local)
                continue
            user_id, contact = match
            used.add(user_id)
            self._contact_users[local.id] = user_id
            notes = "\n".join(part for part in (local.notes, contact.notes) if part)[:2_000]
            update = {"on_call": True, "phone": local.phone or contact.phone, "notes": notes}
            result.append(local.model_copy(update=update))
        ids = {contact.id for contact in result}
        for user_id, _, contact in found:
            if user_id not in used and contact.id not in ids:
                self._contact_users[contact.id] = user_id
                result.append(contact)
        self._directory = {contact.id: contact for contact in result}
        return result
