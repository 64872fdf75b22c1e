"""The clocks dialog: pick a step (start a rule's clock, or pause/resume/extend/met/cancel one).

`choices` lists only what the rule and the clock's state allow, so a key press
never offers a step the server would refuse for the rule's sake (roles are the
server's to check, and its refusal is shown as it words it). The dialog returns
the chosen `Choice`; the text it needs (trigger time, reason, amount, evidence)
is asked next, with a prompt that says what to type.
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

from rr_tui.deadlines import Clock, ClockRule, ClockState
from rr_tui.deadlines.wire import Step
from rr_tui.models import Incident
from rr_tui.sanitize import clean
from rr_tui.screens.dialogs import DIALOG_CSS, subject_line


@dataclass(frozen=True)
class Choice:
    """One thing the dialog offers: start `rule`, or take `step` on `clock`."""

    label: str
    rule: ClockRule | None = None
    clock: Clock | None = None
    step: Step | None = None

    @property
    def prompt(self) -> str:
        """What the text box after this choice asks for."""
        if self.rule is not None:
            return "When was it received? HH:MM in the shift zone, or empty for now"
        if self.step == "extend":
            return "How much longer, then why: e.g. 12h Commissioner allowed more time"
        if self.step == "met":
            return "Evidence note: what shows it was done (kept with the clock)"
        return f"Why {self.step}? (goes on the timeline)"


def choices(rules: Sequence[ClockRule], clocks: Sequence[Clock], now: datetime) -> list[Choice]:
    """What can be done: each open clock's allowed steps, then each rule not running yet."""
    found: list[Choice] = []
    running = set()
    for clock in clocks:
        state = clock.state_at(now)
        rule = clock.rule
        name = clean(rule.id, 64)
        if not clock.is_open:
            continue
        running.add(rule.id)
        steps: list[Step] = []
        if state is ClockState.RUNNING and rule.pausable:
            steps.append("pause")
        if state is ClockState.PAUSED:
            steps.append("resume")
        if state is not ClockState.MISSED and rule.extendable_by:
            steps.append("extend")
        steps += ["met", "cancel"]
        found += [Choice(f"{step:<7} {name}", clock=clock, step=step) for step in steps]
    for rule in rules:
        if rule.id not in running:
            found.append(Choice(f"start   {clean(rule.label, 120)}", rule=rule))
    return found


class ClockDialog(ModalScreen[Choice | None]):
    """Pick a clock step for one incident."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ClockDialog") + (
        "ClockDialog OptionList { height: auto; max-height: 14; }"
    )
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, incident: Incident, offered: Sequence[Choice]) -> None:
        super().__init__()
        self.incident = incident
        self.offered = list(offered)

    def compose(self) -> ComposeResult:
        """Title, subject, the choices, keys."""
        with Vertical(id="dialog"):
            yield Static("Legal and protocol clocks", id="title")
            yield Static(subject_line([self.incident]), id="subject")
            options = [Option(Text(choice.label)) for choice in self.offered]
            yield OptionList(*options, id="choices")
            yield Static("↑↓: choose   enter: take it   esc: cancel", id="keys")

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.offered[event.option_index])

    def action_cancel(self) -> None:
        """Close without doing anything."""
        self.dismiss(None)
