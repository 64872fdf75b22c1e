"""The PagerDuty users the adapter has met, and how it looks them up and names them.

rr-tui names a PagerDuty user by their email (see `mapping.user_name`), but
PagerDuty often gives a user as a bare reference: each such user is looked up
once (`GET /users/{id}`) and remembered for the session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote

from pydantic import ValidationError

from rr_tui.backends.base import NotAllowed, NotFoundError, Rejected
from rr_tui.backends.pagerduty.client import PAGE_LIMIT, PdClient
from rr_tui.backends.pagerduty.mapping import actor_slug, user_name
from rr_tui.backends.pagerduty.wire import PdRef, PdUser
from rr_tui.backends.records import valid

USER_PAGES = 100
"""At most this many pages of 100 users are listed (10,000 users: PagerDuty's offset limit)."""


class PdUsers:
    """Users by id and by email, filled from every answer that carries them.

    Args:
        http: the PagerDuty connection.
        from_email: the user the dashboard acts as (`me_user`).
    """

    def __init__(self, http: PdClient, from_email: str) -> None:
        self.http = http
        self.from_email = from_email
        self._users: dict[str, PdUser] = {}
        self._emails: dict[str, str] = {}
        self._by_email: dict[str, str] = {}
        self._looked_up: set[str] = set()
        self._me: PdUser | None = None

    @property
    def emails(self) -> Mapping[str, str]:
        """Email address by user id, for the users whose email is known."""
        return self._emails

    def get(self, user_id: str, default: PdUser) -> PdUser:
        """The fullest record known for a user id, else `default`."""
        return self._users.get(user_id, default)

    def remember(self, user: PdUser) -> None:
        """Keep a user PagerDuty sent; a record with an email replaces one without."""
        if user.email:
            self._users[user.id] = user
            self._emails[user.id] = user.email
            self._by_email[user.email.strip().lower()] = user.id
        else:
            self._users.setdefault(user.id, user)

    async def resolve(self, user_ids: Iterable[str]) -> None:
        """Look up users known only by reference (for their email), once each."""
        for user_id in sorted(set(user_ids) - self._emails.keys() - self._looked_up):
            try:
                response = await self.http.request("GET", f"/users/{quote(user_id, safe='')}")
            except (NotFoundError, NotAllowed):
                self._looked_up.add(user_id)
                continue
            self._looked_up.add(user_id)
            try:
                self.remember(PdUser.model_validate(self.http.json_object(response).get("user")))
            except ValidationError:
                continue

    def name_of(self, ref: PdRef) -> str:
        """A user reference as a user name (email, else id, else a slug of its summary)."""
        user = self._users.get(ref.id) or PdUser(id=ref.id, summary=ref.summary)
        return user_name(user, self._emails.get(ref.id)) or actor_slug(ref.summary)

    def actor(self, agent: PdRef | None) -> str:
        """Who did something: a user's name, or a slug for a service or an integration."""
        if agent is None:
            return "pagerduty"
        if agent.type in ("user", "user_reference"):
            return self.name_of(agent)
        return actor_slug(agent.summary)

    async def find(self, who: str) -> PdUser:
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
            self.remember(user)
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

    async def everyone(self) -> list[str]:
        """Every user of the account (`GET /users`, all pages), as rr-tui names them."""
        paged = await self.http.paged("/users", "users", {}, USER_PAGES)
        names = []
        for user in valid(PdUser, paged.items, None):
            self.remember(user)
            name = user_name(user)
            if name:
                names.append(name)
        return sorted(set(names))

    async def me(self) -> PdUser:
        """The `from_email` user (looked up once)."""
        if self._me is None:
            try:
                self._me = await self.find(self.from_email)
            except Rejected as error:
                if error.code != "unknown_user":
                    raise
                raise Rejected(
                    f"from_email {self.from_email} is not a user of this PagerDuty account",
                    422,
                    "unknown_user",
                ) from None
        return self._me

    async def my_name(self) -> str:
        """The `from_email` user as rr-tui names them (the actor of our own writes)."""
        me = await self.me()
        return user_name(me) or me.id
