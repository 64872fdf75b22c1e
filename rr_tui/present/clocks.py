"""An incident's legal and protocol clocks as the detail pane lists them: plain text, no Textual.

Each clock is two lines: its state, rule and time left, with the due time in
the shift's zone and in the market's own local time (nobody does zone maths
during a removal order); then its instrument's source, so whoever reads it
can check the figure. Text from the catalogue or a backend goes through `clean`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rr_tui.deadlines import Clock, ClockState
from rr_tui.present.format import clock as clock_time
from rr_tui.present.format import span
from rr_tui.sanitize import clean

MARKET_ZONES: dict[str, str] = {
    "AU": "Australia/Sydney",
    "DE": "Europe/Berlin",
    "EU": "Europe/Brussels",
    "FR": "Europe/Paris",
    "ID": "Asia/Jakarta",
    "IE": "Europe/Dublin",
    "IN": "Asia/Kolkata",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "MY": "Asia/Kuala_Lumpur",
    "NZ": "Pacific/Auckland",
    "PH": "Asia/Manila",
    "SG": "Asia/Singapore",
    "TH": "Asia/Bangkok",
    "US": "America/New_York",
    "VN": "Asia/Ho_Chi_Minh",
}
"""The zone a market's issuers work in (the capital's, where a market has several)."""

STATE_MARK = {
    ClockState.RUNNING: "●",
    ClockState.PAUSED: "‖",
    ClockState.MET: "✓",
    ClockState.MISSED: "!",
    ClockState.CANCELLED: "×",
}
"""A glyph per state, so the list reads at a glance; the word follows it."""


@dataclass(frozen=True)
class ClockLine:
    """One clock in the detail pane: the headline, the source line, and how urgent it looks."""

    head: str
    source: str
    tone: str
    """"missed", "near" (under 30 minutes left), "done" (met or cancelled) or ""."""


def _left(clock: Clock, now: datetime, state: ClockState) -> str:
    if state is ClockState.PAUSED:
        return f"{span(clock.left(now))} left when resumed"
    if state is ClockState.MISSED:
        return "missed" if clock.outcome is None else "met late"
    if state is ClockState.MET:
        return "met"
    if state is ClockState.CANCELLED:
        return "cancelled"
    return f"{span(clock.left(now))} left"


def _tone(clock: Clock, now: datetime, state: ClockState) -> str:
    if state is ClockState.MISSED:
        return "missed"
    if state in (ClockState.MET, ClockState.CANCELLED):
        return "done"
    if state is ClockState.RUNNING and clock.left(now).total_seconds() < 30 * 60:
        return "near"
    return ""


def clock_line(clock: Clock, now: datetime, shift_zone: str, region: str) -> ClockLine:
    """How one clock reads at `now`: due in the shift zone and in the market's local time."""
    state = clock.state_at(now)
    due = clock_time(clock.due_at, shift_zone)
    market_zone = MARKET_ZONES.get(region)
    if market_zone and market_zone != shift_zone:
        due += f" · {clock_time(clock.due_at, market_zone)}"
    rule = clean(clock.rule.id, 64)
    head = f"{STATE_MARK[state]} {state.value:<9} {rule}  due {due}  {_left(clock, now, state)}"
    source = f"  {clean(clock.rule.source.title, 200)}  {clean(clock.rule.source.url, 200)}"
    return ClockLine(head, source, _tone(clock, now, state))


def clock_lines(
    clocks: Iterable[Clock], now: datetime, shift_zone: str, region: str
) -> list[ClockLine]:
    """Every clock of an incident, open ones first by due time, then the ended ones."""
    ordered = sorted(clocks, key=lambda kept: (not kept.is_open, kept.due_at))
    return [clock_line(kept, now, shift_zone, region) for kept in ordered]
