"""Users and bearer tokens of the reference server.

Tokens are kept only as SHA-256 digests and compared in constant time against
every known digest, so neither a lookup's timing nor a memory dump gives one
away. A users file (TOML) names each user's role and either the token itself
(`token`) or its digest (`token_sha256`, preferred: the file then holds no
secret):

    [[users]]
    name = "mei.tan"
    role = "lead"
    token_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from rr_tui.models import Role, UserName
from rr_tui.server.seed_data import ANALYSTS
from rr_tui.server.transaction import Actor


def digest(token: str) -> bytes:
    """The SHA-256 digest a token is stored as."""
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class User:
    """A user the server knows: who, what role, and the digest of their token."""

    name: str
    role: Role
    token_digest: bytes = field(repr=False)

    @property
    def actor(self) -> Actor:
        """This user as the actor of a change."""
        return Actor(self.name, self.role)


class Users:
    """The token → user table, and the roster of people incidents can be assigned to.

    The roster holds names that own incidents without signing in to this server
    (the demo's analysts); every token user is assignable too. An assignee outside
    both is refused, so `I nobody.xyz` never hands an incident to nobody.
    """

    def __init__(self, users: Iterable[User], roster: Iterable[str] = ()) -> None:
        self._users = tuple(users)
        names = [user.name for user in self._users]
        self._roster = tuple(sorted(set(roster) - set(names)))
        if len(set(names)) != len(names):
            raise ValueError("a user name appears twice")
        digests = [user.token_digest for user in self._users]
        if len(set(digests)) != len(digests):
            raise ValueError("two users share a token")

    def __iter__(self) -> Iterator[User]:
        return iter(self._users)

    def __len__(self) -> int:
        return len(self._users)

    def people(self) -> list[tuple[str, Role | None]]:
        """Everyone assignable, by name: token users with their role, the roster without."""
        listed: list[tuple[str, Role | None]] = [(u.name, u.role) for u in self._users]
        listed += [(name, None) for name in self._roster]
        return sorted(listed, key=lambda person: person[0])

    def assignable(self, name: str) -> bool:
        """Whether an incident may be assigned to `name`."""
        return name in self._roster or any(user.name == name for user in self._users)

    def authenticate(self, token: str) -> User | None:
        """The user this token belongs to, or None.

        Every digest is compared, whatever matched, so the time taken does not
        say how many users were checked before a match.
        """
        presented = digest(token)
        found: User | None = None
        for user in self._users:
            if hmac.compare_digest(presented, user.token_digest):
                found = user
        return found


def new_token() -> str:
    """A fresh random token."""
    return "rr_" + secrets.token_urlsafe(24)


def demo_users(lead_token: str | None = None) -> tuple[Users, dict[str, str]]:
    """`demo-lead` and `demo-analyst` with fresh tokens (the lead's may be fixed).

    Returns the table and the plain tokens by user name, to be shown once.
    """
    tokens = {"demo-lead": lead_token or new_token(), "demo-analyst": new_token()}
    users = Users(
        [
            User("demo-lead", Role.LEAD, digest(tokens["demo-lead"])),
            User("demo-analyst", Role.ANALYST, digest(tokens["demo-analyst"])),
        ],
        # The seeded incidents' owners: reassigning to them must work in the demo.
        roster=ANALYSTS,
    )
    return users, tokens


Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]


class _UserEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: UserName
    role: Role
    token: Annotated[str, StringConstraints(min_length=16)] | None = None
    token_sha256: Hex64 | None = None

    @model_validator(mode="after")
    def _one_token(self) -> _UserEntry:
        if (self.token is None) == (self.token_sha256 is None):
            raise ValueError("give exactly one of token or token_sha256")
        return self


class _UsersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    users: list[_UserEntry] = Field(min_length=1)


class UsersFileError(ValueError):
    """The users file cannot be used; the message says where and why."""


def load_users(path: Path) -> Users:
    """Read a users file, or raise UsersFileError naming the file and the bad entry."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsersFileError(f"{path}: cannot read: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise UsersFileError(f"{path}: not valid TOML: {error}") from error
    try:
        parsed = _UsersFile.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise UsersFileError(f"{path}: {where}: {first['msg']}") from error
    entries = [
        User(
            entry.name,
            entry.role,
            digest(entry.token) if entry.token else bytes.fromhex(entry.token_sha256 or ""),
        )
        for entry in parsed.users
    ]
    try:
        return Users(entries)
    except ValueError as error:
        raise UsersFileError(f"{path}: {error}") from error
