"""The triage dialogs: a reason or note, an assignee (the escalation picker is in `escalate`).

Each is a small modal over the dashboard that returns its answer with
`dismiss` (None when cancelled). Everything from the backend is shown as
`rich.text.Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.validation import Regex
from textual.widgets import Input, Static

from rr_tui.models import Incident
from rr_tui.present.masks import ALERT_MASK
from rr_tui.sanitize import clean

DIALOG_CSS = """
{name} {{ align: center middle; background: $background 60%; }}
{name} > #dialog {{
    width: 76; max-width: 100%; height: auto; max-height: 100%;
    border: thick $accent; background: $surface; padding: 0 1;
}}
{name} #title {{ text-style: bold; color: $accent; }}
{name} #subject {{ color: $text-muted; }}
{name} #error {{ color: $error; height: auto; }}
{name} #keys {{ color: $text-muted; }}
"""


def subject_line(incidents: Sequence[Incident]) -> Text:
    """`RR-2041 SEV1 · Livestream re-uploads …` or `14 incidents: RR-2041, RR-2050, …`."""
    if len(incidents) == 1:
        incident = incidents[0]
        title = ALERT_MASK if incident.sensitive else clean(incident.title, 80)
        return Text(f"{clean(incident.id, 20)} {incident.severity} · {title}")
    ids = ", ".join(clean(incident.id, 20) for incident in incidents[:6])
    more = "…" if len(incidents) > 6 else ""
    return Text(f"{len(incidents)} incidents: {ids}{more}")


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text: a reason, a note, a resolution."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TextPrompt")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(
        self,
        title: str,
        incidents: Sequence[Incident],
        *,
        placeholder: str = "",
        required: bool = True,
        max_length: int = 1000,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.incidents = list(incidents)
        self.placeholder = placeholder
        self.required = required
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        """Title, what it applies to, the input, keys."""
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text), id="title")
            yield Static(subject_line(self.incidents), id="subject")
            field = Input(placeholder=self.placeholder, max_length=self.max_length, id="text")
            field.cursor_blink = False
            yield field
            yield Static("", id="error")
            hint = "enter: send   esc: cancel" + ("" if self.required else "   (may be empty)")
            yield Static(hint, id="keys")

    @on(Input.Submitted, "#text")
    def _submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if self.required and not value:
            self.query_one("#error", Static).update(
                "A reason is required: say why, in a few words."
            )
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        """Close without sending anything."""
        self.dismiss(None)


class CannotAct(ModalScreen[None]):
    """A key that cannot act here says why, and takes what is typed after it.

    A reason typed straight after `0` on a SEV0 (or `r` on a resolved incident)
    must not reach the queue's keys: "raise to SEV0" would otherwise press `r`
    (resolve) and `a` (acknowledge). Everything typed lands in this dialog's
    box and goes nowhere; `enter` or `escape` closes it.
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="CannotAct")
    BINDINGS = [Binding("escape", "close", "Close", id="dialog.close")]

    def __init__(self, title: str, reason: str) -> None:
        super().__init__()
        self.title_text = title
        self.reason = reason

    def compose(self) -> ComposeResult:
        """Title, the reason, a box that swallows typing, keys."""
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text), id="title")
            yield Static(Text(self.reason), id="error")
            field = Input(placeholder="nothing typed here is sent", id="swallow")
            field.cursor_blink = False
            yield field
            yield Static("enter / esc: close (nothing is sent)", id="keys")

    @on(Input.Submitted, "#swallow")
    def _submit(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        """Close; nothing was sent."""
        self.dismiss(None)


class AssignDialog(ModalScreen[str | None]):
    """Pick an assignee, with completion over the analysts the dashboard has seen."""

    DEFAULT_CSS = DIALOG_CSS.format(name="AssignDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(
        self,
        incidents: Sequence[Incident],
        names: Sequence[str],
        *,
        known: Collection[str] | None = None,
    ) -> None:
        super().__init__()
        self.incidents = list(incidents)
        self.names = sorted(set(names))
        self.known = known
        """The users the backend knows (None: not listed; the backend checks on sending)."""

    def compose(self) -> ComposeResult:
        """Title, subject, name field with completion, keys."""
        with Vertical(id="dialog"):
            yield Static("Assign to", id="title")
            yield Static(subject_line(self.incidents), id="subject")
            field = Input(
                placeholder="user name (→ completes)",
                suggester=SuggestFromList(self.names, case_sensitive=False),
                validators=[Regex(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")],
                id="name",
            )
            field.cursor_blink = False
            yield field
            yield Static("", id="error")
            known = ", ".join(self.names[:8]) + (" …" if len(self.names) > 8 else "")
            yield Static(Text(f"known: {known}", "dim"), id="known")
            yield Static("→: complete   enter: assign   esc: cancel", id="keys")

    @on(Input.Submitted, "#name")
    def _submit(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if not name or (event.validation_result and not event.validation_result.is_valid):
            self.query_one("#error", Static).update("That is not a user name.")
            return
        if self.known is not None and name not in self.known:
            error = Text(f"{clean(name, 64)} is not a user the backend knows: pick a known one.")
            self.query_one("#error", Static).update(error)
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        """Close without assigning."""
        self.dismiss(None)
