"""What the dashboard can be told at start: the settings its widgets read.

`rr_tui/config` (TOML + environment) builds one of these; tests build them
directly. Defaults are what a new user gets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from rr_tui.models import Severity
from rr_tui.sync.store import Filter


def _labels() -> dict[Severity, str]:
    return {severity: severity.value for severity in Severity}


@dataclass(frozen=True)
class SavedView:
    """A named filter of the queue, switched to by its key, `[`/`]` or the command palette."""

    name: str
    """Shown in the status bar and the command palette (config names: `[a-z][a-z0-9_-]*`)."""
    filter: Filter = field(default_factory=Filter)
    key: str = ""
    """Keys that switch to this view, comma-separated ("" for none)."""
    mine: bool = False
    """Only incidents assigned to the signed-in user (the backend says who that is)."""


@dataclass(frozen=True)
class WellbeingOptions:
    """The analyst's own settings: break reminder, status counters, softer sensitive text."""

    break_after: timedelta | None = None
    """Remind after this long without a break (None: no reminder)."""
    remind_again: timedelta = timedelta(minutes=30)
    """Without a break after the reminder, remind again this much later."""
    status: bool = False
    """Show the reveal count and the time since the last break in the status bar."""
    soften_sensitive: bool = False
    """Draw revealed sensitive text dimmed, without colour or bold."""


@dataclass(frozen=True)
class DashboardOptions:
    """Settings of one dashboard session."""

    title: str = "RR"
    """Shown first in the status bar, e.g. `RR · APAC shift`."""
    poll_interval: float = 2.0
    """Seconds between polls while the backend answers."""
    zones: tuple[str, ...] = ("Asia/Singapore",)
    """Shift clock time zones (IANA), shown beside UTC; the first is used for times."""
    reveal_sensitive: bool = False
    """Show sensitive titles and summaries unmasked by default."""
    severity_labels: dict[Severity, str] = field(default_factory=_labels)
    """Display label per severity (four characters or fewer fit the queue column)."""
    alert_rank: int = 1
    """New incidents at this severity rank or more urgent alert (1: SEV0 and SEV1; -1: none)."""
    bell: bool = True
    """Ring the terminal bell for urgent arrivals (a toast is always shown)."""
    clock_alerting: bool = True
    """Alert (toast) when a running legal clock reaches `clock_alerts` and when it is missed."""
    clock_alerts: tuple[float, ...] = (0.5, 0.8)
    """Fractions of a legal clock's time at which it alerts (besides the breach)."""
    clock_bell: bool = True
    """Ring the terminal bell with a clock alert."""
    flash_seconds: float = 4.0
    """How long new and changed rows stay marked."""
    require_reason: bool = True
    """Severity changes ask for a reason, and an empty one is refused."""
    undo_seconds: float = 30.0
    """How long after a severity or assignment change `u` can undo it."""
    views: tuple[SavedView, ...] = ()
    """Saved views, in the order `[` and `]` step through them (none: the queue shows every
    open incident and there is nothing to switch)."""
    default_view: str = ""
    """The view shown at start ("": the first of `views`)."""
    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id → keys, applied with `App.set_keymap`."""
    theme: str = "textual-dark"
    """A Textual theme name, or `HIGH_CONTRAST_THEME`."""
    columns: tuple[str, ...] = ()
    """Queue column keys in order (see `columns_for`); empty: chosen by width."""
    wellbeing: WellbeingOptions = field(default_factory=WellbeingOptions)
    """Break reminder, status counters, softer sensitive text (all off by default)."""


HIGH_CONTRAST_THEME = "rr-high-contrast"
"""The name of rr-tui's own high-contrast theme (registered by the app)."""
