"""The stakeholder directory on PagerDuty: the local directory merged with who is on call.

Who is on call comes from `GET /oncalls`, with each user's contact methods
(`GET /users/{id}/contact_methods`, kept 15 minutes). A local contact whose
email is an on-call user's is the same person: the local entry (team, markets,
hours) is kept, marked on call, and given the PagerDuty phone if it has none.
The escalation levels seen here are what `PdWrites.escalate` pages by.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from urllib.parse import quote

from pydantic import ValidationError

from rr_tui.backends.base import NotAllowed, NotFoundError
from rr_tui.backends.pagerduty.client import Clock, PdClient
from rr_tui.backends.pagerduty.contacts import OnCall, oncall_contact
from rr_tui.backends.pagerduty.users import PdUsers
from rr_tui.backends.pagerduty.wire import PdContactMethod, PdOncall
from rr_tui.backends.records import valid
from rr_tui.models import CONTACT_NOTES_MAX, Contact, Team

ONCALL_USERS = 200
"""On-call users looked up per directory refresh (each costs a contact-methods request)."""
CONTACT_METHODS_TTL = timedelta(minutes=15)
"""How long a user's contact methods are reused before they are read again."""


class PdOnCall:
    """The merged directory, and which PagerDuty user and levels stand behind each contact.

    Args:
        http: the PagerDuty connection.
        users: the users met so far.
        local_contacts: the local stakeholder directory (Legal, Policy, partners who
            are not in PagerDuty).
        team: the directory team PagerDuty on-call users belong to.
        clock: the current time (for the contact-methods cache).
    """

    def __init__(
        self,
        http: PdClient,
        users: PdUsers,
        local_contacts: Iterable[Contact],
        team: Team,
        clock: Clock,
    ) -> None:
        self.http = http
        self.users = users
        self.local_contacts = list(local_contacts)
        self.team = team
        self.clock = clock
        self.by_id: dict[str, Contact] | None = None
        """The merged directory by contact id, once it has been read."""
        self._methods: dict[str, tuple[datetime, list[PdContactMethod]]] = {}
        self._contact_users: dict[str, str] = {}
        self._levels: dict[str, dict[str, int]] = {}
        self._last: list[Contact] | None = None

    def user_of(self, contact_id: str) -> str | None:
        """The PagerDuty user id behind a directory contact, if the directory knows one."""
        return self._contact_users.get(contact_id)

    def levels_of(self, user_id: str) -> Mapping[str, int]:
        """The escalation levels a user was on call at, by escalation policy id."""
        return self._levels.get(user_id, {})

    async def contacts(self) -> list[Contact] | None:
        """The local directory merged with who is on call now; None if unchanged since last time."""
        merged = await self.directory()
        if merged == self._last:
            return None
        self._last = merged
        return merged

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

    async def directory(self) -> list[Contact]:
        """The merged directory now (what `contacts` returns, without the 'unchanged' answer)."""
        paged = await self.http.paged(
            "/oncalls", "oncalls", {"include[]": ["users"], "time_zone": "UTC"}, 10
        )
        by_user: dict[str, OnCall] = {}
        for oncall in valid(PdOncall, paged.items, None):
            if oncall.user is None:
                continue
            self.users.remember(oncall.user)
            entry = by_user.setdefault(oncall.user.id, OnCall(oncall.user))
            policy, level = oncall.escalation_policy, oncall.escalation_level
            if policy is not None and level is not None:
                entry.levels[policy.id] = min(entry.levels.get(policy.id, level), level)
                entry.policies[policy.id] = policy.summary or policy.id
            if oncall.end is not None and (entry.until is None or oncall.end < entry.until):
                entry.until = oncall.end
        await self.users.resolve(by_user)
        found: list[tuple[str, set[str], Contact]] = []
        for user_id, who in list(by_user.items())[:ONCALL_USERS]:
            who.user = self.users.get(user_id, who.user)
            methods = await self._contact_methods(user_id)
            try:
                contact = oncall_contact(who, methods, self.team)
            except ValidationError:
                continue
            emails = {
                m.address.strip().lower() for m in methods if m.type == "email_contact_method"
            }
            if who.user.email:
                emails.add(who.user.email.strip().lower())
            found.append((user_id, emails, contact))
        self._levels = {user_id: dict(who.levels) for user_id, who in by_user.items()}
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
            notes = "\n".join(part for part in (local.notes, contact.notes) if part)
            update = {"on_call": True, "phone": local.phone or contact.phone}
            result.append(local.model_copy(update={**update, "notes": notes[:CONTACT_NOTES_MAX]}))
        ids = {contact.id for contact in result}
        for user_id, _, contact in found:
            if user_id not in used and contact.id not in ids:
                self._contact_users[contact.id] = user_id
                result.append(contact)
        self.by_id = {contact.id: contact for contact in result}
        return result
