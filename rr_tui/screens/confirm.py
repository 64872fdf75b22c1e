"""A second confirmation before a bulk action that touches the most urgent incidents.

`*` `r` once resolved 64 incidents, SEV0s among them, on one reason and no
second look. Resolving or lowering several incidents that include SEV0/SEV1
asks again, naming how many of each it touches. Only `y` goes ahead; `n` or
`escape` sends nothing, and every other key is swallowed (text typed on must not
reach the queue's keys, nor `q`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from rr_tui.models import Incident, Severity
from rr_tui.present.format import severity_label
from rr_tui.screens.dialogs import DIALOG_CSS

URGENT = (Severity.SEV0, Severity.SEV1)


def urgent_count(incidents: Iterable[Incident], labels: Mapping[Severity, str]) -> str:
    """`2 SEV0 and 5 SEV1` among `incidents` ("" when none is SEV0/SEV1)."""
    counts = Counter(i.severity for i in incidents if i.severity in URGENT)
    parts = [f"{counts[s]} {severity_label(labels, s)}" for s in URGENT if counts[s]]
    return " and ".join(parts)


class ConfirmBulk(ModalScreen[bool]):
    """Ask once more: `y` goes ahead, `n` or `escape` does not."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmBulk")

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        """Title, the question, keys."""
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text), id="title")
            yield Static(Text(self.question), id="error")
            yield Static("y: yes, go ahead   n / esc: no, send nothing", id="keys")

    def on_key(self, event: events.Key) -> None:
        """`y` yes, `n`/`escape` no; any other key is taken here and does nothing."""
        event.stop()
        event.prevent_default()
        if event.key == "y":
            self.dismiss(True)
        elif event.key in ("n", "escape"):
            self.dismiss(False)
