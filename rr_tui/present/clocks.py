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
from rr_tui.present.format import span, stamp, zone_label
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
    """The source's citation, one short line."""
    url: str
    """Where the source is published."""
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


def _when(moment: datetime, zone: str, now: datetime) -> str:
    """`14:52 SGT` today, `Nov 25 14:02 SGT` on another day (in that zone)."""
    return f"{stamp(moment, zone, now)} {zone_label(moment, zone)}"


def clock_line(clock: Clock, now: datetime, shift_zone: str, region: str) -> ClockLine:
    """How one clock reads at `now`: due in the shift zone and in the market's local time."""
    state = clock.state_at(now)
    due = _when(clock.due_at, shift_zone, now)
    market_zone = MARKET_ZONES.get(region)
    if market_zone and market_zone != shift_zone:
        due += f" · {_when(clock.due_at, market_zone, now)}"
    rule = clean(clock.rule.id, 64)
    head = f"{STATE_MARK[state]} {state.value} {rule}  {due}  {_left(clock, now, state)}"
    title = clean(clock.rule.source.title, 300)
    # One line in a side column of 60 cells: the full citation is in the rule (`url`).
    source = f"  {title[:55]}…" if len(title) > 56 else f"  {title}"
    return ClockLine(head, source, clean(clock.rule.source.url, 300), _tone(clock, now, state))


def clock_lines(
    clocks: Iterable[Clock], now: datetime, shift_zone: str, region: str
) -> list[ClockLine]:
    """Every clock of an incident, open ones first by due time, then the ended ones."""
    ordered = sorted(clocks, key=lambda kept: (not kept.is_open, kept.due_at))
    return [clock_line(kept, now, shift_zone, region) for kept in ordered]
