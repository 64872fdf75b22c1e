"""The multi-line prompt for notes and resolution notes.

`enter` starts a new line and `ctrl+s` sends (as in the escalation picker), which
the dialog says on its last line; a count shows how much of the backend's limit
is used, and a paste too long for it is refused in words (`widgets.bounded`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from rr_tui.models import Incident
from rr_tui.screens.dialogs import DIALOG_CSS, subject_line
from rr_tui.widgets.bounded import BoundedArea, Refused


class LongTextPrompt(ModalScreen[str | None]):
    """Ask for text of several lines: a note, a resolution note."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="LongTextPrompt")
        + """
    LongTextPrompt #text { height: 8; }
    LongTextPrompt #count { color: $text-muted; height: 1; }
    """
    )
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "send", "Send", id="dialog.send"),
    ]

    def __init__(
        self,
        title: str,
        incidents: Sequence[Incident],
        *,
        what: str = "a note",
        max_length: int,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.incidents = list(incidents)
        self.what = what
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        """Title, what it applies to, the box, its count, keys."""
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text), id="title")
            yield Static(subject_line(self.incidents), id="subject")
            area = BoundedArea(self.what, max_length=self.max_length, id="text")
            area.cursor_blink = False
            area.show_line_numbers = False
            yield area
            yield Static(self._count(0), id="count")
            yield Static("", id="error")
            yield Static("ctrl+s: send   enter: new line   esc: cancel", id="keys")

    def _count(self, length: int) -> Text:
        style = "bold red" if length > self.max_length else ""
        return Text(f"{length:,} of {self.max_length:,} characters", style)

    @on(TextArea.Changed, "#text")
    def _changed(self, event: TextArea.Changed) -> None:
        self.query_one("#count", Static).update(self._count(len(event.text_area.text)))
        self.query_one("#error", Static).update("")

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.query_one("#error", Static).update(Text(message.reason))

    def action_send(self) -> None:
        """Send what was written (not empty, not over the limit)."""
        text = self.query_one(BoundedArea).text.strip()
        error = self.query_one("#error", Static)
        if not text:
            error.update(f"Nothing to send: write {self.what} first.")
        elif len(text) > self.max_length:
            error.update(
                f"Too long: {len(text):,} characters, and {self.what} holds {self.max_length:,}."
            )
        else:
            self.dismiss(text)

    def action_cancel(self) -> None:
        """Close without sending anything."""
        self.dismiss(None)
