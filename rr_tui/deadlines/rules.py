"""A clock rule: one legal or protocol deadline, as a catalogue writes it.

A rule says which incidents it applies to (markets, categories), what starts it
(intake from given sources, or a manual trigger such as "order received" with a
trigger time that may be in the past), how long it runs (wall clock or working
hours of a calendar), whether it can pause and who may extend it, what must be
delivered, and its public source with the date somebody last checked it. A rule
without a source is refused: a deadline nobody can trace is not one to work to.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from rr_tui.models import Category, Duration, Region, Role, Source, TimeZoneName

AS_PUBLISHED = "as published — check with Legal before relying on it"
"""Marks the label of every shipped rule: the catalogue states the law, it is not advice."""

RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
"""What a rule id looks like: `eu-tco-removal`."""

RuleId = Annotated[str, StringConstraints(pattern=RULE_ID_PATTERN)]
"""A rule's id in its catalogue."""


class Deliverable(StrEnum):
    """What meeting a clock takes."""

    REMOVE = "remove"
    BLOCK = "block"
    REPORT = "report"
    NOTIFY_ISSUER = "notify_issuer"
    DECIDE_AND_NOTIFY = "decide_and_notify"
    PRESERVE_EVIDENCE = "preserve_evidence"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RuleSource(_Strict):
    """Where the figure was published, and when somebody last checked it there."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    """The instrument and provision, e.g. `Regulation (EU) 2021/784, Art. 3(3)`."""
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=2_000)]
    """The public page of the text (https)."""
    checked: date
    """The day the figure was last checked against `url`."""


class Calendar(_Strict):
    """Working hours a clock counts in: the days and hours of one time zone, less holidays."""

    timezone: TimeZoneName
    """The IANA zone the hours are in (the issuer's, usually)."""
    days: list[Annotated[int, Field(ge=1, le=7)]] = [1, 2, 3, 4, 5]
    """ISO weekdays that count: 1 is Monday, 7 is Sunday."""
    start: time = time(9, 0)
    """When a working day starts, local time."""
    end: time = time(18, 0)
    """When a working day ends, local time."""
    holidays: list[date] = []
    """Days that do not count even when their weekday does."""

    @model_validator(mode="after")
    def _start_before_end(self) -> Calendar:
        if self.start >= self.end:
            raise ValueError(f"start {self.start:%H:%M} is not before end {self.end:%H:%M}")
        if not self.days:
            raise ValueError("days is empty: a calendar with no working day never ends a clock")
        return self


class ClockRule(_Strict):
    """One deadline of the catalogue."""

    id: RuleId
    """Set from the table name (`[rules.<id>]`); written only by code."""
    label: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    """What the dashboard shows: shipped rules end with "as published — check with Legal…"."""
    instrument: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    """The law, order or protocol, e.g. `EU Terrorist Content Online Regulation 2021/784`."""
    markets: list[Region | Literal["*"]] = Field(min_length=1)
    """The markets it applies to (incident `region`); `"*"`: every market (a home-country law)."""
    categories: list[Category] = []
    """The categories it applies to; empty: every category."""
    trigger: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,47}$")]
    """What starts it by hand: `order_received`, `notice_received`, `awareness`, ..."""
    intake_sources: list[Source] = []
    """Intake from one of these sources in its markets and categories starts it by itself."""
    duration: Duration
    """How long from the trigger time to the due time."""
    duration_note: Annotated[str, StringConstraints(max_length=500)] = ""
    """Why the duration is what it is when the text gives no fixed figure."""
    counting: Literal["wall_clock", "working_hours"] = "wall_clock"
    """Whether every hour counts, or only the working hours of `calendar`."""
    calendar: Calendar | None = None
    """The working hours (required when `counting` is working_hours)."""
    pausable: bool = False
    """Whether the clock may be paused (e.g. waiting for the issuer to clarify)."""
    resumes_on: Annotated[str, StringConstraints(max_length=300)] = ""
    """What restarts a paused clock, in words."""
    extendable_by: list[Role] = []
    """The roles that may extend it; empty: nobody can."""
    max_extension: Duration | None = None
    """The most all extensions together may add; none: no limit beyond who may extend."""
    deliverable: Deliverable
    """What meeting it takes."""
    evidence_retention: Duration | None = None
    """How long evidence must be kept once it is met, where the text says."""
    source: RuleSource
    """The public text it comes from: required."""

    @model_validator(mode="after")
    def _consistent(self) -> ClockRule:
        if self.duration <= timedelta(0):
            raise ValueError("duration must be longer than zero")
        if self.counting == "working_hours" and self.calendar is None:
            raise ValueError("counting is working_hours but no calendar is given")
        if self.max_extension is not None and not self.extendable_by:
            raise ValueError("max_extension is set but extendable_by names nobody")
        return self

    def applies_to(self, region: str, category: str) -> bool:
        """Whether an incident in `region` and `category` is one this rule covers."""
        in_market = region in self.markets or "*" in self.markets
        return in_market and (not self.categories or category in self.categories)

    def starts_at_intake(self, region: str, category: str, source: str) -> bool:
        """Whether intake of such an incident starts this rule's clock by itself."""
        return source in self.intake_sources and self.applies_to(region, category)
