"""The escalation directory: a stakeholder, and the working hours that say when to call them.

A contact's working hours are in their own time zone, so "is this person working
now" is answered on their wall clock, overnight shifts included.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from rr_tui.models.base import _Response
from rr_tui.models.fields import (
    CONTACT_NAME_MAX,
    CONTACT_NOTES_MAX,
    EMAIL_MAX,
    PHONE_MAX,
    Category,
    ContactId,
    Region,
    TimeZoneName,
    WallClock,
)
from rr_tui.models.vocabulary import Team


class WorkingHours(_Response):
    """A stakeholder's working hours, in their own time zone."""

    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    """Working weekdays, 0 = Monday."""
    start: WallClock = time(9, 0)
    end: WallClock = time(18, 0)

    @field_validator("days")
    @classmethod
    def _weekdays(cls, days: list[int]) -> list[int]:
        if any(day < 0 or day > 6 for day in days):
            raise ValueError("weekdays run from 0 (Monday) to 6 (Sunday)")
        return sorted(set(days))

    def contains(self, local: datetime) -> bool:
        """Whether a local wall-clock time falls in working hours (overnight shifts included)."""
        now = local.time()
        if self.start <= self.end:
            return local.weekday() in self.days and self.start <= now < self.end
        # An overnight shift belongs to the day it started on.
        if now >= self.start:
            return local.weekday() in self.days
        return (local.weekday() - 1) % 7 in self.days and now < self.end


class Contact(_Response):
    """A stakeholder in the escalation directory."""

    id: ContactId
    name: str = Field(min_length=1, max_length=CONTACT_NAME_MAX)
    team: Team
    role: str = Field(default="", max_length=CONTACT_NAME_MAX)
    regions: list[Region] = Field(default_factory=list)
    """Markets this person covers; empty means all."""
    categories: list[Category] = Field(default_factory=list)
    """Categories this person handles; empty means all."""
    timezone: TimeZoneName
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    phone: str = Field(default="", max_length=PHONE_MAX)
    email: str = Field(default="", max_length=EMAIL_MAX)
    chat: str = Field(default="", max_length=200)
    on_call: bool = False
    escalation_tier: int = Field(default=1, ge=1, le=5)
    notes: str = Field(default="", max_length=CONTACT_NOTES_MAX)

    def local_time(self, now: datetime) -> datetime:
        """`now` on this person's wall clock."""
        return now.astimezone(ZoneInfo(self.timezone))

    def is_working(self, now: datetime) -> bool:
        """Whether `now` falls in this person's working hours."""
        return self.working_hours.contains(self.local_time(now))
