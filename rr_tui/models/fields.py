"""The value types of the domain model: annotated types, the patterns and the length limits.

Each `Annotated` type carries its own rules (and a docstring), so a field says what
it holds by its type alone, and the server, the config and the adapters check a
name, a market or a category against the same pattern. The limits are named so
that adapters clip what they map to exactly what validates.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)


def utcnow() -> datetime:
    """The current time, aware, in UTC (the default clock of server, sync layer and app)."""
    return datetime.now(UTC)


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+14:00 is in year 0 in UTC: no datetime (and no store) holds it.
        raise ValueError("this time is outside the years 1..9999 once in UTC") from None


def _not_a_number(value: object) -> object:
    # pydantic would read 0 as 1970-01-01: a number is never what a client meant.
    if isinstance(value, int | float):
        raise ValueError("give an ISO 8601 time with its offset, e.g. 2026-11-24T06:32:00Z")
    return value


UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_not_a_number), AfterValidator(_to_utc)]
"""A timezone-aware datetime, normalised to UTC. Naive datetimes and numbers are rejected."""

TIME_MIN = datetime(2000, 1, 1, tzinfo=UTC)
"""The earliest time a client may send (`due_at`): Go's unset time (year 1) is a bug, not a date."""
TIME_MAX = datetime(2100, 1, 1, tzinfo=UTC)
"""The first time past what a client may send: a deadline in 2100 is no deadline."""


def _in_window(value: datetime) -> datetime:
    if not TIME_MIN <= value < TIME_MAX:
        raise ValueError(
            f"give a time from {TIME_MIN:%Y-%m-%d} to before {TIME_MAX:%Y-%m-%d} UTC"
            " (an unset time such as 0001-01-01 is not a deadline)"
        )
    return value


ClientDatetime = Annotated[UtcDatetime, AfterValidator(_in_window)]
"""A time a client sends: a `UtcDatetime` from 2000-01-01 to before 2100-01-01 UTC.

Times the server records itself (and times from other backends) are `UtcDatetime`:
the store holds every year 1..9999, this window only keeps client bugs out."""

IncidentId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
"""An incident id: `RR-2041` on the reference server, other shapes on other backends."""

ContactId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
"""A stakeholder directory id, e.g. `legal-sg-1`."""

USER_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$"
"""What a user name looks like (an email fits): the server, the config and the adapters
check names against this one pattern."""
REGION_PATTERN = r"^[A-Z]{2}$"
"""What a market code looks like."""
CATEGORY_PATTERN = r"^[a-z][a-z0-9_]{1,47}$"
"""What a category slug looks like."""

UserName = Annotated[str, StringConstraints(pattern=USER_NAME_PATTERN)]
"""An analyst's user name, e.g. `mei.tan`."""

Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
"""A market code (ISO 3166-1 alpha-2 style): ID, TH, VN, PH, MY, SG, JP, KR, AU, NZ, IN, ..."""

Category = Annotated[str, StringConstraints(pattern=CATEGORY_PATTERN)]
"""A category slug, e.g. `violent_extremism`. Teams may add their own; see CATEGORIES."""

# Length limits, named so that adapters clip what they map to exactly what validates.
TEXT_MAX = 10_000
"""Longest summary, note, timeline message or escalation note."""
TITLE_MAX = 300
"""Longest incident title."""
TAG_MAX = 40
"""Longest tag."""
LINK_MAX = 2_000
"""Longest link."""
CONTACT_NOTES_MAX = 2_000
"""Longest notes of a directory contact."""
CONTACT_NAME_MAX = 200
"""Longest name, or role, of a directory contact."""
PHONE_MAX = 100
"""Longest phone number of a directory contact."""
EMAIL_MAX = 320
"""Longest email address of a directory contact (RFC 3696's limit)."""

Tag = Annotated[str, StringConstraints(min_length=1, max_length=TAG_MAX)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=TITLE_MAX)]
Summary = Annotated[str, StringConstraints(max_length=TEXT_MAX)]
Reason = Annotated[str, StringConstraints(max_length=1_000)]
NoteText = Annotated[str, StringConstraints(min_length=1, max_length=TEXT_MAX)]
Link = Annotated[str, StringConstraints(min_length=1, max_length=LINK_MAX)]


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{name!r} is not an IANA time zone") from error
    return name


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]


WallClock = Annotated[
    time,
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"}),
]
"""A local wall-clock time, `HH:MM` on the wire (no offset: it is in the contact's zone)."""
