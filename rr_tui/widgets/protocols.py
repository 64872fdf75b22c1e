"""The selected incident's protocols (playbooks): one block in the side column.

Fed by the screen (`show`); it never fetches. Each run is its progress and
label, then its steps with ticks; each line is cut to the column's width
rather than wrapped, so a seven-step checklist keeps to eight lines. The words
come from `present.protocols`, as the dialog's do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from rr_tui.deadlines import ProtocolRun
from rr_tui.models import Incident
from rr_tui.present.protocols import run_lines

TONE_STYLE = {"head": "bold", "done": "dim", "": ""}
"""How each tone of `present.protocols.RunLine` is painted."""


class ProtocolsPane(Static):
    """Every protocol activated on one incident; hidden while it has none."""

    DEFAULT_CSS = """
    ProtocolsPane {
        display: none; height: auto; max-height: 12; padding: 0 1;
        border-top: hkey $panel-lighten-2; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, clock: Callable[[], datetime], zone: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.zone = zone
        self.incident: Incident | None = None
        self.runs: tuple[ProtocolRun, ...] = ()

    def show(self, incident: Incident | None, runs: Sequence[ProtocolRun]) -> None:
        """Show these runs of `incident` (None: nothing selected)."""
        self.incident = incident
        self.runs = tuple(runs)
        # Hidden without runs: most incidents have none, and their detail keeps its room.
        self.display = incident is not None and bool(self.runs)
        if not self.display:
            return
        text = Text("PROTOCOLS", "bold dim")
        text.append("  K: activate or tick a step", "dim")
        for line in run_lines(self.runs, self.clock(), self.zone):
            text.append("\n")
            text.append(line.text, TONE_STYLE[line.tone])
        self.update(text)
