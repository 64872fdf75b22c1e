"""The selected incident's legal and protocol clocks: one block in the side column.

Fed by the screen (`show`); it never fetches. Each clock is its headline (state,
rule, due in the shift zone and the market's time, time left) and its source;
near and missed clocks are coloured, ended ones dimmed. The lines come from
`present.clocks`, so `rr-tui list` and this pane word a clock the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from rr_tui.deadlines import Clock
from rr_tui.models import Incident
from rr_tui.present.clocks import clock_lines

TONE_STYLE = {"missed": "bold red", "near": "bold yellow", "done": "dim", "": ""}
"""How each tone of `present.clocks.ClockLine` is painted."""


class ClocksPane(Static):
    """Every clock of one incident; hidden while it has none."""

    DEFAULT_CSS = """
    ClocksPane {
        display: none; height: auto; max-height: 12; padding: 0 1;
        border-top: hkey $panel-lighten-2;
    }
    """

    def __init__(self, clock: Callable[[], datetime], zone: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.zone = zone
        self.incident: Incident | None = None
        self.clocks: tuple[Clock, ...] = ()
        self._shown: Text | None = None

    def show(self, incident: Incident | None, clocks: Sequence[Clock]) -> None:
        """Show these clocks of `incident` (None: nothing selected)."""
        self.incident = incident
        self.clocks = tuple(clocks)
        self.refresh_lines()

    def refresh_lines(self) -> None:
        """Count down again (the screen calls it every second)."""
        # Hidden without clocks: most incidents have none, and their detail keeps its room.
        self.display = self.incident is not None and bool(self.clocks)
        if self.incident is None:
            return
        text = Text("CLOCKS", "bold dim")
        text.append("  L: start or step a clock", "dim")
        for line in clock_lines(self.clocks, self.clock(), self.zone, self.incident.region):
            text.append("\n")
            text.append(line.head, TONE_STYLE[line.tone])
            text.append("\n")
            text.append(line.source, "dim")
        # `update` lays the whole screen out again: not for a minute that moved nothing here.
        if text != self._shown:
            self._shown = text
            self.update(text)
