"""The shift handover screen (`H`): the summary the outgoing lead hands over, and its note.

It shows the same summary as `rr-tui handover` (open by severity with owner and
deadline, breached or about to, what changed, escalations waiting, notes), built
from the queue the dashboard holds and the timelines the desk reads. The incoming
lead acknowledges the newest waiting note with `a`; `r` reads again; `escape` goes
back. Reading happens in a worker: the dashboard behind keeps updating.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from rr_tui.models import Incident
from rr_tui.present.handover import summarize
from rr_tui.sanitize import clean
from rr_tui.sync.shift import HandoverPort
from rr_tui.widgets.handover_text import handover_renderable

SHIFT = timedelta(hours=8)
"""How far back the screen's handover looks (the CLI's `--since` default)."""


class HandoverScreen(Screen[None]):
    """The handover summary, scrollable, with the keys to acknowledge and go back."""

    DEFAULT_CSS = """
    HandoverScreen #handover-title { height: 1; background: $panel; padding: 0 1; }
    HandoverScreen #handover-body { height: 1fr; padding: 0 1; }
    HandoverScreen #handover-text { height: auto; }
    """

    BINDINGS = [
        Binding("escape,H", "app.pop_screen", "Back", id="handover.back"),
        Binding("a", "acknowledge", "Acknowledge note", id="handover.acknowledge"),
        Binding("r", "reload", "Read again", id="handover.reload"),
    ]

    def __init__(
        self, desk: HandoverPort, incidents: Iterable[Incident], *, reveal: bool = False
    ) -> None:
        super().__init__()
        self.desk = desk
        self.incidents = list(incidents)
        self.reveal = reveal

    def compose(self) -> ComposeResult:
        """A title line, the summary, the footer."""
        yield Static("SHIFT HANDOVER · reading…", id="handover-title")
        with VerticalScroll(id="handover-body"):
            yield Static("", id="handover-text")
        yield Footer()

    def on_mount(self) -> None:
        """Read the shift as soon as the screen shows."""
        self.query_one("#handover-body").focus()
        self.action_reload()

    def action_reload(self) -> None:
        """Read the shift again."""
        self._load()

    @work(exclusive=True, group="handover", exit_on_error=False)
    async def _load(self) -> None:
        record = await self.desk.shift_or_reason(self.incidents, SHIFT)
        title = self.query_one("#handover-title", Static)
        if isinstance(record, str):
            # The reason carries a backend's words: text, never markup.
            title.update(Text(f"SHIFT HANDOVER · {clean(record, 200)}"))
            return
        summary = summarize(
            record.incidents, record.timelines, record.notes, since=record.since, now=record.now
        )
        waiting = len(summary.notes)
        title.update(
            "SHIFT HANDOVER · last 8h · "
            + (f"{waiting} note(s) to acknowledge: a" if waiting else "no note waiting")
        )
        # Rich text and tables in one Static: Textual's Markdown took seconds (RELIABILITY.md).
        body = handover_renderable(summary, reveal=self.reveal)
        self.query_one("#handover-text", Static).update(body)

    @work(exclusive=True, group="handover-ack", exit_on_error=False)
    async def action_acknowledge(self) -> None:
        """Acknowledge the newest handover note waiting, then read again."""
        said = await self.desk.acknowledge()
        self.notify(said, markup=False)
        self._load()
