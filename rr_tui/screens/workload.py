"""The workload screen (`W`): open incidents per owner, and the analyst's own shift.

One row per owner (the unassigned first): how many open incidents, how many of each
severity, how old the oldest is, and the next deadline with its incident. Below, for
the person at the keyboard: the sensitive items they revealed this shift and the
time since their last break; `B` says they took one. Drawn from the queue the
dashboard holds and redrawn every few seconds, so it stays true while it is open
(the dashboard behind keeps polling). `escape` goes back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from rr_tui.models import Incident, Me, Severity, duration_text
from rr_tui.present.format import severity_label
from rr_tui.present.workload import UNASSIGNED, OwnerLoad, workload
from rr_tui.sanitize import clean
from rr_tui.screens.care import Care
from rr_tui.sync.wellbeing import Wellbeing

NARROW = 100
"""Below this many columns the table's headers shorten."""
REDRAW_SECONDS = 5.0
COUNT_STYLE = {Severity.SEV0: "bold red", Severity.SEV1: "bold dark_orange", Severity.SEV2: "bold"}
"""Counts of the urgent severities: colour and weight, no background (a column of badges
reads as noise)."""
"""How often the open screen reads the queue again (ages and deadlines move)."""


def due_text(load: OwnerLoad, now: datetime) -> Text:
    """`RR-1066 in 14m`, `RR-1055 10m late` (bold), or `-` when nothing is running."""
    if load.next_due is None or load.next_id is None:
        return Text("-", "dim")
    left = load.next_due - now
    text = Text(f"{clean(load.next_id, 20)} ")
    if left < timedelta(0):
        text.append(f"{duration_text(-left)} late", "bold red")
    else:
        text.append(f"in {duration_text(left)}")
    return text


def load_table(
    loads: Iterable[OwnerLoad],
    now: datetime,
    labels: Mapping[Severity, str],
    me: str = "",
    *,
    width: int = 160,
) -> Table | Text:
    """The owners' table; the signed-in user's row in bold. Below 100 columns the headers
    shorten (`S0`, `Next due`) so every figure fits 80 columns."""
    rows = list(loads)
    if not rows:
        return Text("No open incidents.", "italic dim")
    narrow = width < NARROW
    # Not expanded: on a wide terminal the figures stay beside the names they belong to.
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("Owner", no_wrap=True, overflow="ellipsis", max_width=16 if narrow else 24)
    table.add_column("Open", justify="right", no_wrap=True)
    for severity in Severity:
        label = severity_label(labels, severity)[:4]
        table.add_column(label.replace("SEV", "S") if narrow else label, justify="right")
    table.add_column("Oldest", justify="right", no_wrap=True)
    table.add_column("Next due" if narrow else "Next deadline", no_wrap=True, overflow="ellipsis")
    for load in rows:
        owner = Text(UNASSIGNED, "italic") if load.owner is None else Text(clean(load.owner, 64))
        if me and load.owner == me:
            owner.stylize("bold")
            owner.append(" (you)", "bold")
        counts = [
            Text(str(count), COUNT_STYLE.get(severity, "")) if count else Text("-", "dim")
            for severity, count in zip(Severity, load.counts, strict=True)
        ]
        table.add_row(
            owner,
            Text(str(load.total), "bold"),
            *counts,
            Text(duration_text(now - load.oldest)),
            due_text(load, now),
        )
    return table


def you_text(wellbeing: Wellbeing, *, all_revealed: bool) -> Text:
    """The analyst's own line: reveals this shift, time since the last break (`B` in the
    footer resets it)."""
    text = Text("You: ", "bold")
    count = wellbeing.revealed
    text.append(f"{count} sensitive item{'' if count == 1 else 's'} revealed this shift")
    if all_revealed:
        # Unmasked by default: each one opened counts (`Care.viewed`).
        text.append(" (unmasked by default: counted as you open them)")
    text.append(f" · {duration_text(wellbeing.since_break())} since your last break")
    return text


class WorkloadScreen(Screen[None]):
    """Open incidents per owner, with their severity mix, and the analyst's own shift."""

    DEFAULT_CSS = """
    WorkloadScreen #workload-title { height: 1; background: $panel; padding: 0 1; }
    WorkloadScreen #workload-you { height: auto; padding: 0 1; }
    WorkloadScreen #workload-body { height: 1fr; padding: 0 1; }
    WorkloadScreen #workload-table { height: auto; }
    """

    BINDINGS = [
        Binding("escape,W", "app.pop_screen", "Back", id="workload.back"),
        Binding("B", "took_break", "I took a break", id="workload.took_break"),
        Binding("r", "redraw", "Read again", id="workload.redraw"),
    ]

    def __init__(
        self,
        incidents: Callable[[], Iterable[Incident]],
        care: Care,
        me: Callable[[], Me | None] = lambda: None,
    ) -> None:
        super().__init__()
        self.incidents = incidents
        """The queue's incidents, read again at every redraw."""
        self.care = care
        self.wellbeing = care.wellbeing
        self.labels = care.options.severity_labels
        self.me = me
        """Who the backend says is signed in (None until it answered)."""
        self.all_revealed = care.options.reveal_sensitive

    def compose(self) -> ComposeResult:
        """Title, the owners' table, the analyst's line, the footer."""
        yield Static("WORKLOAD", id="workload-title")
        with VerticalScroll(id="workload-body"):
            yield Static("", id="workload-table")
        yield Static("", id="workload-you")
        yield Footer()

    def on_mount(self) -> None:
        """Draw now, and again every few seconds while open."""
        self.query_one("#workload-body").focus()
        self.action_redraw()
        self.set_interval(REDRAW_SECONDS, self.action_redraw, name="workload-redraw")

    def action_redraw(self) -> None:
        """Read the queue again and draw it."""
        now = self.wellbeing.clock()
        loads = workload(self.incidents())
        total = sum(load.total for load in loads)
        owners = sum(1 for load in loads if not load.unassigned)
        self.query_one("#workload-title", Static).update(
            Text(f"WORKLOAD · {total} open · {owners} owner{'' if owners == 1 else 's'}")
        )
        me = self.me()
        width = self.size.width or self.app.size.width
        table = load_table(loads, now, self.labels, me.name if me else "", width=width)
        self.query_one("#workload-table", Static).update(Group(table))
        you = you_text(self.wellbeing, all_revealed=self.all_revealed)
        self.query_one("#workload-you", Static).update(you)

    def on_resize(self) -> None:
        """Redraw for the new width (the headers shorten below 100 columns)."""
        if self.is_mounted:
            self.action_redraw()

    def action_took_break(self) -> None:
        """The break timer starts again."""
        toast = self.care.took_break()
        self.notify(toast.message, timeout=toast.timeout or 5.0, markup=False)
        self.action_redraw()
