"""The protocols dialog: tick a step of an active protocol, or activate one that applies.

`choices` lists each active run (its progress as a heading) with its steps, then
each protocol that applies and is not active yet. `enter` on a step to do ticks
it at once, `n` ticks it with a note (a reference number, who was told); `enter`
on a ticked step asks why and unticks it (a lead's to do: the server says so to
anyone else); `enter` on a protocol activates it. The dialog returns what was
picked; the keys send it and open the dialog again on the same line, so a
checklist is worked through without leaving it. `escape` closes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from rr_tui.deadlines import ProtocolRule, ProtocolRun, ProtocolStep
from rr_tui.models import Incident
from rr_tui.present.protocols import head_text, step_text
from rr_tui.sanitize import clean
from rr_tui.screens.dialogs import DIALOG_CSS, subject_line


@dataclass(frozen=True)
class Choice:
    """One line of the dialog: a run's heading, a step of a run, or a protocol to activate."""

    label: str
    protocol: ProtocolRule | None = None
    """Activate this protocol."""
    run: ProtocolRun | None = None
    step: ProtocolStep | None = None
    """Tick (or untick, when `ticked`) this step of `run`."""
    ticked: bool = False

    @property
    def heading(self) -> bool:
        """A run's heading: shown, not chosen."""
        return self.protocol is None and self.step is None


@dataclass(frozen=True)
class Picked:
    """What the dialog returns: the choice, whether a note is wanted, and where it was."""

    choice: Choice
    with_note: bool
    index: int


def choices(
    protocols: Sequence[ProtocolRule], runs: Sequence[ProtocolRun], now: datetime, zone: str
) -> list[Choice]:
    """Each active run and its steps (latest first), then each applying protocol not active."""
    found: list[Choice] = []
    for run in sorted(runs, key=lambda kept: (kept.activated_at, kept.id), reverse=True):
        found.append(Choice(head_text(run), run=run))
        for step in run.protocol.steps.values():
            line = step_text(run, step, now, zone)
            found.append(Choice(line.text, run=run, step=step, ticked=line.tone == "done"))
    active = {run.protocol.id for run in runs}
    for protocol in protocols:
        if protocol.id not in active:
            found.append(Choice(f"activate  {clean(protocol.label, 160)}", protocol=protocol))
    return found


class ProtocolDialog(ModalScreen[Picked | None]):
    """Tick steps of one incident's protocols, or activate one."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ProtocolDialog") + (
        "ProtocolDialog > #dialog { width: 100; }"
        "ProtocolDialog OptionList { height: auto; max-height: 16; }"
    )
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("n", "with_note", "Tick with a note", id="protocols.tick_with_note"),
    ]

    def __init__(self, incident: Incident, offered: Sequence[Choice], *, at: int = 0) -> None:
        super().__init__()
        self.incident = incident
        self.offered = list(offered)
        self.at = at
        """The line highlighted when it opens (where the last pick was)."""

    def compose(self) -> ComposeResult:
        """Title, subject, the checklist, keys."""
        with Vertical(id="dialog"):
            yield Static("Protocols", id="title")
            yield Static(subject_line([self.incident]), id="subject")
            options = [
                Option(
                    Text(choice.label, "bold" if choice.heading else ""), disabled=choice.heading
                )
                for choice in self.offered
            ]
            yield OptionList(*options, id="choices")
            yield Static(
                "↑↓: choose   enter: tick / activate   n: tick with a note   esc: close",
                id="keys",
            )

    def on_mount(self) -> None:
        """Highlight the line of the last pick, or the first that can be chosen."""
        options = self.query_one(OptionList)
        usable = [i for i, choice in enumerate(self.offered) if not choice.heading]
        if usable:
            options.highlighted = min(usable, key=lambda i: (i < self.at, abs(i - self.at)))

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option_index, with_note=False)

    def action_with_note(self) -> None:
        """`n`: tick the highlighted step with a note."""
        index = self.query_one(OptionList).highlighted
        if index is not None:
            self._pick(index, with_note=True)

    def _pick(self, index: int, *, with_note: bool) -> None:
        choice = self.offered[index]
        if not choice.heading:
            self.dismiss(Picked(choice, with_note, index))

    def action_cancel(self) -> None:
        """Close without doing anything."""
        self.dismiss(None)
