"""A fake PagerDuty REST API v2 for tests, run on loopback with `ServerThread`.

Its answers follow PagerDuty's published OpenAPI description
(`PagerDuty/api-schema`, `reference/REST/openapiv3.json`): the same paths,
field names and shapes (`{"incidents": [...], "limit", "offset", "more",
"total"}`, references with `type: *_reference`, errors as
`{"error": {"code", "message", "errors"}}`), for the endpoints the adapter
uses. Like PagerDuty it checks the token (`Authorization: Token token=…`),
wants a `From` header naming a user on every write, refuses `limit` over 100
and `PUT /incidents` with more than 250 incidents (413), and sends
`ratelimit-*` headers; `throttle()` makes it answer 429.

As in the published schema, a priority change writes no log entry.

State lives in memory behind a lock (the server runs in its own thread);
`requests` records every request (method, path, query, headers, body) so a
test can check exactly what the adapter sent.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN = "pd-fake-token-000000000001"
API = "https://api.pagerduty.com"
WEB = "https://rr-test.pagerduty.com"

Json = dict[str, Any]


def stamp(moment: datetime) -> str:
    """A time as PagerDuty writes it: UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    """Lower-case names."""
    body: Any

    def param(self, name: str) -> list[str]:
        """Every value of a query parameter, e.g. `param("statuses[]")`."""
        return [value for key, value in self.query if key == name]


class _Failure(Exception):
    def __init__(self, status: int, code: int, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors or []

    def response(self) -> JSONResponse:
        error: Json = {"message": self.message, "code": self.code}
        if self.errors:
            error["errors"] = self.errors
        return JSONResponse({"error": error}, status_code=self.status)


class FakePagerDuty:
    """PagerDuty's incidents, log entries, priorities, notes, on-calls and users, in memory."""

    def __init__(self, token: str = TOKEN, clock: Callable[[], datetime] | None = None) -> None:
        self.token = token
        self.clock = clock or (lambda: datetime.now(UTC))
        self.lock = threading.RLock()
        self.users: dict[str, Json] = {}
        self.contact_methods: dict[str, list[Json]] = {}
        self.priorities: list[Json] = []
        self.services: dict[str, Json] = {}
        self.policies: dict[str, Json] = {}
        self.incidents: dict[str, Json] = {}
        self.log_entries: list[Json] = []
        self.notes: dict[str, list[Json]] = {}
        self.oncalls: list[Json] = []
        self.requests: list[Recorded] = []
        self.throttled = 0
        self.ratelimit_reset = 7
        self._spend_window = False
        self._ids = itertools.count(1)

    # --- ids and references ---------------------------------------------------------

    def _id(self, kind: str) -> str:
        return f"P{kind}{next(self._ids):05d}"

    def now(self) -> datetime:
        """The fake's clock, to whole seconds (as PagerDuty's timestamps are)."""
        return self.clock().astimezone(UTC).replace(microsecond=0)

    @staticmethod
    def _ref(kind: str, record: Json, summary: str) -> Json:
        return {
            "id": record["id"],
            "type": f"{kind}_reference",
            "summary": summary,
            "self": f"{API}/{kind}s/{record['id']}",
            "html_url": f"{WEB}/{kind}s/{record['id']}",
        }

    def user_ref(self, user_id: str) -> Json:
        """A `UserReference`."""
        return self._ref("user", self.users[user_id], self.users[user_id]["name"])

    # --- seeding --------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        email: str,
        *,
        time_zone: str = "Asia/Singapore",
        phone: str | None = None,
        country_code: int = 65,
        job_title: str = "Rapid Response",
    ) -> str:
        """A user with an email contact method (and a phone one if given); returns the id."""
        with self.lock:
            user_id = self._id("U")
            methods: list[Json] = [
                {
                    "id": self._id("C"),
                    "type": "email_contact_method",
                    "summary": "Work",
                    "self": f"{API}/users/{user_id}/contact_methods/x",
                    "label": "Work",
                    "address": email,
                    "send_short_email": False,
                }
            ]
            if phone:
                methods.append(
                    {
                        "id": self._id("C"),
                        "type": "phone_contact_method",
                        "summary": "Mobile",
                        "self": f"{API}/users/{user_id}/contact_methods/y",
                        "label": "Mobile",
                        "address": phone,
                        "country_code": country_code,
                        "enabled": True,
                        "blacklisted": False,
                    }
                )
            self.contact_methods[user_id] = methods
            self.users[user_id] = {
                "id": user_id,
                "type": "user",
                "summary": name,
                "self": f"{API}/users/{user_id}",
                "html_url": f"{WEB}/users/{user_id}",
                "name": name,
                "email": email,
                "time_zone": time_zone,
                "color": "green",
                "role": "user",
                "avatar_url": f"{WEB}/avatars/{user_id}.png",
                "description": None,
                "invitation_sent": False,
                "job_title": job_title,
                "teams": [],
                "contact_methods": [
                    {"id": m["id"], "type": m["type"] + "_reference", "summary": m["label"]}
                    for m in methods
                ],
                "notification_rules": [],
            }
            return user_id

    def add_priorities(self, *names: str) -> list[str]:
        """The account's priorities, most severe first; returns their ids."""
        with self.lock:
            for name in names:
                priority_id = self._id("R")
                self.priorities.append(
                    {
                        "id": priority_id,
                        "type": "priority",
                        "summary": name,
                        "self": f"{API}/priorities/{priority_id}",
                        "name": name,
                        "description": f"{name} incidents",
                    }
                )
            return [p["id"] for p in self.priorities]

    def add_service(self, name: str, policy_name: str = "Rapid Response") -> str:
        """A service and its escalation policy; returns the service id."""
        with self.lock:
            policy_id = self._id("E")
            self.policies[policy_id] = {"id": policy_id, "name": policy_name}
            service_id = self._id("S")
            self.services[service_id] = {"id": service_id, "name": name, "policy": policy_id}
            return service_id

    def add_oncall(self, user_id: str, service_id: str, level: int = 1) -> None:
        """Put a user on call at a level of a service's escalation policy (for a day)."""
        with self.lock:
            policy = self.policies[self.services[service_id]["policy"]]
            now = self.now()
            self.oncalls.append(
                {
                    "user_id": user_id,
                    "escalation_policy": self._ref("escalation_policy", policy, policy["name"]),
                    "schedule": None,
                    "escalation_level": level,
                    "start": stamp(now - timedelta(hours=4)),
                    "end": stamp(now + timedelta(hours=20)),
                }
            )

    def _priority(self, name: str | None) -> Json | None:
        if name is None:
            return None
        for priority in self.priorities:
            if priority["name"] == name or priority["id"] == name:
                return {
                    "id": priority["id"],
                    "type": "priority_reference",
                    "summary": priority["name"],
                    "self": priority["self"],
                }
        raise KeyError(name)

    def add_incident(
        self,
        title: str,
        service_id: str,
        *,
        urgency: str = "high",
        priority: str | None = None,
        assignee: str | None = None,
        created_at: datetime | None = None,
        teams: tuple[str, ...] = (),
    ) -> str:
        """A triggered incident (and its trigger log entry); returns the id."""
        with self.lock:
            incident_id = self._id("I")
            number = len(self.incidents) + 1001
            when = stamp(created_at or self.now())
            service = self.services[service_id]
            policy = self.policies[service["policy"]]
            trigger_id = self._entry_id()
            assignments = [{"at": when, "assignee": self.user_ref(assignee)}] if assignee else []
            self.incidents[incident_id] = {
                "id": incident_id,
                "type": "incident",
                "summary": f"[#{number}] {title}",
                "self": f"{API}/incidents/{incident_id}",
                "html_url": f"{WEB}/incidents/{incident_id}",
                "incident_number": number,
                "title": title,
                "created_at": when,
                "updated_at": when,
                "status": "triggered",
                "incident_key": uuid.uuid4().hex,
                "service": self._ref("service", service, service["name"]),
                "assignments": assignments,
                "assigned_via": "escalation_policy",
                "last_status_change_at": when,
                "resolved_at": None,
                "first_trigger_log_entry": {
                    "id": trigger_id,
                    "type": "trigger_log_entry_reference",
                    "summary": "Triggered through the API",
                },
                "alert_counts": {"all": 1, "triggered": 1, "resolved": 0},
                "is_mergeable": True,
                "incident_type": {"name": "incident_default"},
                "escalation_policy": self._ref("escalation_policy", policy, policy["name"]),
                "teams": [
                    {"id": team, "type": "team_reference", "summary": team} for team in teams
                ],
                "pending_actions": [],
                "acknowledgements": [],
                "alert_grouping": None,
                "last_status_change_by": self._ref("service", service, service["name"]),
                "priority": self._priority(priority),
                "resolve_reason": None,
                "incidents_responders": [],
                "responder_requests": [],
                "urgency": urgency,
            }
            self.notes[incident_id] = []
            self._log(
                incident_id,
                "trigger_log_entry",
                "Triggered through the API",
                self._ref("service", service, service["name"]),
                channel={"type": "api"},
                entry_id=trigger_id,
                at=when,
            )
            return incident_id

    # --- changes made elsewhere (by another PagerDuty user) -------------------------------

    def acknowledge(self, incident_id: str, by: str) -> None:
        """Acknowledge as `by` (a user id), as PagerDuty's web UI would."""
        with self.lock:
            self.apply_change(self.incidents[incident_id], {"status": "acknowledged"}, by)

    def resolve(self, incident_id: str, by: str, resolution: str = "") -> None:
        """Resolve as `by`."""
        with self.lock:
            fields = {"status": "resolved", "resolution": resolution}
            self.apply_change(self.incidents[incident_id], fields, by)

    def set_priority(self, incident_id: str, name: str, by: str) -> None:
        """Change the priority as `by` (no log entry: the schema has no such type)."""
        with self.lock:
            self.apply_change(self.incidents[incident_id], {"priority": name}, by)

    def note(self, incident_id: str, by: str, content: str) -> None:
        """Add a note as `by`."""
        with self.lock:
            self._add_note(incident_id, by, content)

    # --- reading the state back -------------------------------------------------------

    def incident(self, incident_id: str) -> Json:
        """An incident as stored (a copy)."""
        with self.lock:
            copy: Json = json.loads(json.dumps(self.incidents[incident_id]))
            return copy

    def priority_name(self, incident_id: str) -> str | None:
        """The name of an incident's priority."""
        priority = self.incident(incident_id)["priority"]
        return None if priority is None else str(priority["summary"])

    def sent(self, method: str, path: str) -> list[Recorded]:
        """The requests received for a method and path."""
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    def throttle(self, times: int = 1, reset: int = 7) -> None:
        """Answer the next `times` requests with 429 and `ratelimit-reset: reset`."""
        with self.lock:
            self.throttled, self.ratelimit_reset = times, reset

    def spend_window(self, reset: int = 5) -> None:
        """The next answer says `ratelimit-remaining: 0` (the window is spent)."""
        with self.lock:
            self._spend_window, self.ratelimit_reset = True, reset

    # --- writes ---------------------------------------------------------------------

    def _entry_id(self) -> str:
        return f"Q{next(self._ids):013d}"

    def _log(
        self,
        incident_id: str,
        kind: str,
        summary: str,
        agent: Json,
        *,
        channel: Json | None = None,
        note: str | None = None,
        assignees: list[Json] | None = None,
        entry_id: str | None = None,
        at: str | None = None,
    ) -> None:
        incident = self.incidents[incident_id]
        entry: Json = {
            "id": entry_id or self._entry_id(),
            "type": kind,
            "summary": summary,
            "self": f"{API}/log_entries/x?incident_id={incident_id}",
            "html_url": f"{WEB}/incidents/{incident_id}/log_entries/x",
            "created_at": at or stamp(self.now()),
            "agent": agent,
            "channel": channel or {"type": "website"},
            "service": incident["service"],
            "incident_id": incident_id,
            "teams": incident["teams"],
            "contexts": [],
            "event_details": {},
        }
        if note is not None:
            entry["note"] = note
        if assignees is not None:
            entry["assignees"] = assignees
        self.log_entries.append(entry)

    def _add_note(self, incident_id: str, user_id: str, content: str) -> Json:
        now = stamp(self.now())
        note = {
            "id": self._id("N"),
            "user": self.user_ref(user_id),
            "channel": {"summary": "The PagerDuty website or APIs"},
            "content": content,
            "created_at": now,
            "updated_at": now,
        }
        self.notes[incident_id].append(note)
        user = self.user_ref(user_id)
        self._log(incident_id, "annotate_log_entry", f"Note added: {content[:40]}", user, at=now)
        return note

    def apply_change(self, incident: Json, fields: Json, user_id: str) -> None:
        """Apply a `PUT /incidents` update (validated) as `user_id`, with its log entries."""
        now = stamp(self.now())
        agent = self.user_ref(user_id)
        changed = False
        status = fields.get("status")
        if status is not None:
            if status not in ("acknowledged", "resolved", "triggered"):
                raise _Failure(400, 2001, "Invalid Input Provided", ["Status is invalid"])
            if status == "resolved" and incident["status"] == "resolved":
                raise _Failure(400, 2001, "Invalid Input Provided", ["Incident Already Resolved"])
            if status != incident["status"]:
                reopened = incident["status"] == "resolved"
                incident["status"] = status
                incident["last_status_change_at"] = now
                incident["last_status_change_by"] = agent
                changed = True
                if status == "acknowledged":
                    incident["acknowledgements"] = [{"at": now, "acknowledger": agent}]
                    incident["resolved_at"] = None
                    if reopened:  # PagerDuty assigns a reopened incident to the user
                        incident["assignments"] = [{"at": now, "assignee": agent}]
                    self._log(incident["id"], "acknowledge_log_entry", "Acknowledged", agent)
                elif status == "resolved":
                    incident["resolved_at"] = now
                    incident["assignments"] = []
                    incident["acknowledgements"] = []
                    resolution = fields.get("resolution") or None
                    self._log(
                        incident["id"], "resolve_log_entry", "Resolved", agent, note=resolution
                    )
        if "priority" in fields:
            wanted = fields["priority"]
            name = wanted.get("id") if isinstance(wanted, dict) else wanted
            try:
                incident["priority"] = self._priority(name)
            except KeyError:
                raise _Failure(
                    400, 2001, "Invalid Input Provided", ["Priority not found"]
                ) from None
            changed = True
        if "assignments" in fields:
            users = [a.get("assignee", {}).get("id") for a in fields["assignments"]]
            if not users or any(u not in self.users for u in users):
                raise _Failure(400, 2001, "Invalid Input Provided", ["Assignee not found"])
            refs = [self.user_ref(u) for u in users]
            incident["assignments"] = [{"at": now, "assignee": ref} for ref in refs]
            incident["assigned_via"] = "direct_assignment"
            self._log(incident["id"], "assign_log_entry", "Reassigned", agent, assignees=refs)
            changed = True
        if "escalation_level" in fields:
            level = fields["escalation_level"]
            policy = incident["escalation_policy"]["id"]
            users = [
                o["user_id"]
                for o in self.oncalls
                if o["escalation_policy"]["id"] == policy and o["escalation_level"] == level
            ]
            if not users:
                raise _Failure(400, 2001, "Invalid Input Provided", ["Escalation level invalid"])
            refs = [self.user_ref(u) for u in users]
            incident["assignments"] = [{"at": now, "assignee": ref} for ref in refs]
            self._log(
                incident["id"],
                "escalate_log_entry",
                f"Escalated to level {level}",
                agent,
                assignees=refs,
            )
            changed = True
        if "urgency" in fields:
            incident["urgency"] = fields["urgency"]
            changed = True
        if changed:
            incident["updated_at"] = now

    # --- the HTTP side -----------------------------------------------------------------

    def _writer(self, headers: Mapping[str, str]) -> str:
        """The user id named by the `From` header of a write (header names: any case)."""
        sender = headers.get("from", "").strip().lower()
        for user in self.users.values():
            if user["email"].lower() == sender:
                return str(user["id"])
        why = 'You must specify a user\'s email address in the "From" header to perform this action'
        raise _Failure(400, 2001, "Invalid Input Provided", [why])

    def _incident_out(self, incident: Json, include: list[str]) -> Json:
        out: Json = json.loads(json.dumps(incident))
        if "assignees" in include:
            for assignment in out["assignments"]:
                assignment["assignee"] = dict(self.users[assignment["assignee"]["id"]])
        return out

    @staticmethod
    def _page(request: Request, items: list[Json], key: str) -> Json:
        try:
            limit = int(request.query_params.get("limit", "25"))
            offset = int(request.query_params.get("offset", "0"))
        except ValueError:
            raise _Failure(400, 2001, "Invalid Input Provided", ["limit/offset"]) from None
        if limit < 1 or limit > 100:
            raise _Failure(400, 2001, "Invalid Input Provided", ["Limit must be between 1 and 100"])
        return {
            key: items[offset : offset + limit],
            "limit": limit,
            "offset": offset,
            "more": offset + limit < len(items),
            "total": None,
        }

    def _entry_out(self, entry: Json, include: list[str]) -> Json:
        out = {k: v for k, v in entry.items() if k != "incident_id"}
        incident = self.incidents[entry["incident_id"]]
        if "incidents" in include:
            out["incident"] = self._incident_out(incident, [])
        else:
            out["incident"] = self._ref("incident", incident, incident["summary"])
        return out

    def app(self) -> FastAPI:
        """The FastAPI application (serve it with `ServerThread`)."""
        api = FastAPI()
        fake = self

        def failing(handler: Callable[..., Any]) -> Callable[..., Any]:
            async def wrapped(request: Request) -> JSONResponse:
                body = None
                if request.method in ("PUT", "POST"):
                    try:
                        body = await request.json()
                    except ValueError:
                        return _Failure(400, 2001, "Invalid Input Provided").response()
                try:
                    with fake.lock:
                        result = handler(request, body)
                except _Failure as failure:
                    return failure.response()
                return JSONResponse(result)

            return wrapped

        def include(request: Request) -> list[str]:
            return request.query_params.getlist("include[]")

        def get_incidents(request: Request, _: Any) -> Json:
            statuses = request.query_params.getlist("statuses[]")
            services = request.query_params.getlist("service_ids[]")
            teams = request.query_params.getlist("team_ids[]")
            items = [
                fake._incident_out(incident, include(request))
                for incident in fake.incidents.values()
                if (not statuses or incident["status"] in statuses)
                and (not services or incident["service"]["id"] in services)
                and (not teams or any(t["id"] in teams for t in incident["teams"]))
            ]
            return fake._page(request, items, "incidents")

        def get_incident(request: Request, _: Any) -> Json:
            incident = fake._find(request.path_params["id"])
            return {"incident": fake._incident_out(incident, include(request))}

        def put_incident(request: Request, body: Any) -> Json:
            user = fake._writer(request.headers)
            incident = fake._find(request.path_params["id"])
            fields = body.get("incident") if isinstance(body, dict) else None
            if not isinstance(fields, dict) or fields.get("type") not in (
                "incident",
                "incident_reference",
            ):
                raise _Failure(400, 2001, "Invalid Input Provided", ["incident.type"])
            fake.apply_change(incident, fields, user)
            return {"incident": fake._incident_out(incident, [])}

        def put_incidents(request: Request, body: Any) -> Json:
            user = fake._writer(request.headers)
            items = body.get("incidents") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise _Failure(400, 2001, "Invalid Input Provided", ["incidents"])
            if len(items) > 250:
                raise _Failure(413, 2001, "Request Entity Too Large", ["at most 250 incidents"])
            updated = []
            for item in items:
                incident = fake._find(str(item.get("id")))
                fake.apply_change(incident, item, user)
                updated.append(fake._incident_out(incident, []))
            return {"incidents": updated, "limit": len(updated), "offset": 0, "more": False}

        def get_incident_log(request: Request, _: Any) -> Json:
            incident = fake._find(request.path_params["id"])
            entries = [
                fake._entry_out(entry, include(request))
                for entry in reversed(fake.log_entries)
                if entry["incident_id"] == incident["id"]
            ]
            return fake._page(request, entries, "log_entries")

        def get_notes(request: Request, _: Any) -> Json:
            incident = fake._find(request.path_params["id"])
            return {"notes": list(fake.notes[incident["id"]])}

        def post_note(request: Request, body: Any) -> Json:
            user = fake._writer(request.headers)
            incident = fake._find(request.path_params["id"])
            note = body.get("note") if isinstance(body, dict) else None
            content = note.get("content") if isinstance(note, dict) else None
            if not isinstance(content, str) or not content:
                raise _Failure(400, 2001, "Invalid Input Provided", ["Note content required"])
            return {"note": fake._add_note(incident["id"], user, content)}

        def get_log_entries(request: Request, _: Any) -> Json:
            since = request.query_params.get("since")
            start = datetime.fromisoformat(since) if since else datetime.min.replace(tzinfo=UTC)
            teams = request.query_params.getlist("team_ids[]")
            entries = [
                fake._entry_out(entry, include(request))
                for entry in reversed(fake.log_entries)
                if datetime.fromisoformat(entry["created_at"]) >= start
                and (not teams or any(t["id"] in teams for t in entry["teams"]))
            ]
            return fake._page(request, entries, "log_entries")

        def get_priorities(request: Request, _: Any) -> Json:
            return fake._page(request, list(fake.priorities), "priorities")

        def get_oncalls(request: Request, _: Any) -> Json:
            full = "users" in include(request)
            items = []
            for oncall in fake.oncalls:
                user = oncall["user_id"]
                out = {k: v for k, v in oncall.items() if k != "user_id"}
                out["user"] = dict(fake.users[user]) if full else fake.user_ref(user)
                items.append(out)
            return fake._page(request, items, "oncalls")

        def get_users(request: Request, _: Any) -> Json:
            query = request.query_params.get("query", "").lower()
            users = [
                dict(user)
                for user in fake.users.values()
                if query in user["name"].lower() or query in user["email"].lower()
            ]
            return fake._page(request, users, "users")

        def get_user(request: Request, _: Any) -> Json:
            user = fake.users.get(request.path_params["id"])
            if user is None:
                raise _Failure(404, 2100, "Not Found")
            return {"user": dict(user)}

        def get_contact_methods(request: Request, _: Any) -> Json:
            user_id = request.path_params["id"]
            if user_id not in fake.users:
                raise _Failure(404, 2100, "Not Found")
            return {"contact_methods": list(fake.contact_methods[user_id])}

        routes: list[tuple[str, str, Callable[[Request, Any], Json]]] = [
            ("GET", "/incidents", get_incidents),
            ("PUT", "/incidents", put_incidents),
            ("GET", "/incidents/{id}", get_incident),
            ("PUT", "/incidents/{id}", put_incident),
            ("GET", "/incidents/{id}/log_entries", get_incident_log),
            ("GET", "/incidents/{id}/notes", get_notes),
            ("POST", "/incidents/{id}/notes", post_note),
            ("GET", "/log_entries", get_log_entries),
            ("GET", "/priorities", get_priorities),
            ("GET", "/oncalls", get_oncalls),
            ("GET", "/users", get_users),
            ("GET", "/users/{id}", get_user),
            ("GET", "/users/{id}/contact_methods", get_contact_methods),
        ]
        for method, path, handler in routes:
            api.add_api_route(path, failing(handler), methods=[method])
        api.add_middleware(_Gate, fake=self)
        return api

    def _find(self, incident_id: str) -> Json:
        incident = self.incidents.get(incident_id)
        if incident is None:
            raise _Failure(404, 2100, "Not Found", ["Incident Not Found"])
        return incident


class _Gate:
    """ASGI middleware: records each request, checks the token, throttles, adds rate headers."""

    def __init__(self, app: ASGIApp, fake: FakePagerDuty) -> None:
        self.app = app
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        fake = self.fake
        with fake.lock:
            fake.requests.append(
                Recorded(
                    scope["method"],
                    scope["path"],
                    parse_qsl(scope["query_string"].decode(), keep_blank_values=True),
                    headers,
                    body,
                )
            )
            throttled = fake.throttled > 0
            fake.throttled = max(0, fake.throttled - 1)
            spent = fake._spend_window and not throttled
            if spent:
                fake._spend_window = False
            reset = fake.ratelimit_reset
        rate = [
            (b"ratelimit-limit", b"960"),
            (b"ratelimit-remaining", b"0" if throttled or spent else b"900"),
            (b"ratelimit-reset", str(reset if throttled or spent else 60).encode()),
        ]
        if headers.get("authorization") != f"Token token={fake.token}":
            failure = _Failure(401, 2006, "Unauthorized")
            await failure.response()(scope, receive, send)
            return
        if throttled:
            response = JSONResponse(
                {"error": {"message": "Rate Limit Exceeded", "code": 2020}}, status_code=429
            )
            response.headers.update({k.decode(): v.decode() for k, v in rate})
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        async def send_with_rate(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *rate]}
            await send(message)

        await self.app(scope, replay, send_with_rate)
