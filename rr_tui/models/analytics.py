"""Trends over a window: what the analytics endpoint answers (`GET /analytics/trends`).

Counts of incidents opened per bucket (hour or day) by a grouping (market, category,
severity), and per severity the median times to acknowledge and to mitigate and the
SLA attainment, with the definitions of `milestones` (mitigated: first reached
`mitigated` or `resolved`; SLA met: mitigated by `due_at`). Legal clocks are not
recorded yet: `clocks_met` and `clocks_missed` stay None until they are.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from rr_tui.models.base import _Response
from rr_tui.models.fields import UtcDatetime
from rr_tui.models.vocabulary import Severity


class Bucket(StrEnum):
    """How finely opened incidents are counted."""

    HOUR = "hour"
    DAY = "day"


class Grouping(StrEnum):
    """What opened incidents are counted by."""

    REGION = "region"
    CATEGORY = "category"
    SEVERITY = "severity"


class OpenedCount(_Response):
    """Incidents opened in one bucket for one group (`2026-11-24` or `2026-11-24T06`)."""

    bucket: str
    key: str
    count: int = Field(ge=0)


class SeverityTrend(_Response):
    """One severity's figures over the window."""

    severity: Severity
    opened: int = Field(ge=0)
    median_ack_seconds: float | None = None
    median_mitigate_seconds: float | None = None
    sla_met: int = Field(default=0, ge=0)
    sla_missed: int = Field(default=0, ge=0)
    """Mitigated late, or still not mitigated past `due_at`."""
    clocks_met: int | None = None
    clocks_missed: int | None = None


class Trends(_Response):
    """`GET /analytics/trends`: the window's figures."""

    since: UtcDatetime
    until: UtcDatetime
    bucket: Bucket
    group: Grouping
    opened: list[OpenedCount]
    severities: list[SeverityTrend]
