"""The conflicts review: every action someone else's change got in the way of, in one list.

The dashboard never opens this by itself: conflicts wait (counted in the
status bar) until the user presses `C`. Each one shows what you did and which
of the fields you see changed since you looked; `r` re-applies yours on top of
theirs, `d` drops it, `R` / `D` do that for all of them. The queue behind the
dialog keeps updating.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from rr_tui.models import Incident, Severity
from rr_tui.present.format import STATUS_SHORT, category_label, severity_label
from rr_tui.sanitize import clean
from rr_tui.screens.dialogs import DIALOG_CSS, subject_line
from rr_tui.sync.outcomes import ActionConflict

FIELD_NAMES = {"assignee": "owner", "escalated_to": "escalated to"}
"""How a field is called on screen, where it is not its own name."""


def field_value(name: str, incident: Incident, labels: Mapping[Severity, str]) -> str:
    """A field's value as the queue or the detail pane writes it."""
    value: Any = getattr(incident, name)
    if name == "severity":
        return severity_label(labels, incident.severity)
    if name == "status":
        return STATUS_SHORT[incident.status]
    if name == "category":
        return category_label(incident.category)
    if name == "escalated_to":
        return ", ".join(incident.escalated_to) or "—"
    if name == "sensitive":
        return "yes" if incident.sensitive else "no"
    return clean(str(value), 80) if value else "—"


def describe_conflict(conflict: ActionConflict, labels: Mapping[Severity, str]) -> Text:
    """Your change, and what changed under it (`owner: — → oth.er`)."""
    current = conflict.current
    text = Text.assemble(("your change: ", "bold"), clean(conflict.action.label, 200), "\n")
    if conflict.reason:
        text.append(f"held, not sent: {clean(conflict.reason, 200)}\n", "dim")
    seen = conflict.seen
    if seen is None:
        text.append(
            f"made in an earlier session; the incident is at v{current.version} now\n", "dim"
        )
        return text
    text.append(f"since you looked (v{seen.version} → v{current.version}):\n")
    for name in conflict.fields:
        before = clean(field_value(name, seen, labels), 80)
        after = clean(field_value(name, current, labels), 80)
        text.append(f"  {FIELD_NAMES.get(name, name)}: {before} → {after}\n")
    return text


Decide = Callable[[Sequence[str], bool], Sequence[ActionConflict]]
"""Settle conflicts by action id (re-apply: True) and get those still waiting."""


class ConflictsDialog(ModalScreen[None]):
    """Review waiting conflicts: re-apply or drop each, or all at once."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ConflictsDialog")
        + """
    ConflictsDialog OptionList { height: auto; max-height: 10; border: none; }
    ConflictsDialog #theirs { height: auto; }
    """
    )
    BINDINGS = [
        Binding("r", "reapply", "Re-apply mine", id="conflicts.reapply"),
        Binding("d", "drop", "Drop mine", id="conflicts.drop"),
        Binding("R", "reapply_all", "Re-apply all", id="conflicts.reapply_all"),
        Binding("D", "drop_all", "Drop all", id="conflicts.drop_all"),
        Binding("escape", "close", "Close", id="conflicts.close"),
    ]

    def __init__(
        self,
        conflicts: Sequence[ActionConflict],
        decide: Decide,
        labels: Mapping[Severity, str],
    ) -> None:
        super().__init__()
        self.conflicts = list(conflicts)
        self.decide = decide
        self.labels = labels

    def compose(self) -> ComposeResult:
        """A title, the list, what changed under the highlighted one, and the keys."""
        with Vertical(id="dialog"):
            yield Static(id="title")
            yield OptionList(id="conflict-list")
            yield Static(id="subject")
            yield Static(id="theirs")
            yield Static(
                "r: re-apply mine on top   d: drop mine   R / D: all   esc: later", id="keys"
            )

    def on_mount(self) -> None:
        """Fill the list and show the first."""
        self._fill()
        self.query_one(OptionList).focus()

    def _fill(self) -> None:
        count = len(self.conflicts)
        word = "action meets" if count == 1 else "actions meet"
        self.query_one("#title", Static).update(Text(f"{count} {word} someone else's change"))
        options = self.query_one(OptionList)
        options.clear_options()
        for conflict in self.conflicts:
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(clean(conflict.action.incident_id, 20), "bold")
            line.append(f"  {clean(conflict.action.label, 60)}")
            changed = ", ".join(FIELD_NAMES.get(f, f) for f in conflict.fields)
            if changed:
                line.append(f"  · changed: {changed}", "dim")
            options.add_option(Option(line, id=conflict.action.id))
        if self.conflicts:
            options.highlighted = 0
            self._show(self.conflicts[0])

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        chosen = self._chosen()
        if chosen is not None:
            self._show(chosen)

    def _show(self, conflict: ActionConflict) -> None:
        self.query_one("#subject", Static).update(subject_line([conflict.current]))
        self.query_one("#theirs", Static).update(describe_conflict(conflict, self.labels))

    def _chosen(self) -> ActionConflict | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.conflicts):
            return None
        return self.conflicts[index]

    def _settle(self, ids: Sequence[str], reapply: bool) -> None:
        if not ids:
            return
        self.conflicts = list(self.decide(ids, reapply))
        if not self.conflicts:
            self.dismiss(None)
            return
        self._fill()

    def action_reapply(self) -> None:
        """Send the highlighted action again, against the incident as it is now."""
        chosen = self._chosen()
        self._settle([chosen.action.id] if chosen else [], True)

    def action_drop(self) -> None:
        """Keep their version of the highlighted incident; forget mine."""
        chosen = self._chosen()
        self._settle([chosen.action.id] if chosen else [], False)

    def action_reapply_all(self) -> None:
        """Re-apply every waiting action."""
        self._settle([c.action.id for c in self.conflicts], True)

    def action_drop_all(self) -> None:
        """Drop every waiting action."""
        self._settle([c.action.id for c in self.conflicts], False)

    def action_close(self) -> None:
        """Decide later: the conflicts keep waiting, counted in the status bar."""
        self.dismiss(None)
