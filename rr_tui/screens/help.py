"""The help screen: the product's own keys, grouped as people use them.

`?` used to open Textual's key panel, which listed internals (Scroll Left, Page
Left, Copy selected text) beside the product's keys. This screen is made from
the same definitions as the bindings (`screens/keys.py`, and the queue's and the
stakeholder pane's own bindings), with the user's keymap applied, so it shows
exactly the keys that work, in groups: navigate, triage, views, contacts, shift
(post-mortem, clocks, protocols, handover, trends, workload, break) and the app's own few.

On a wide terminal (120 columns or more) the groups stand in two columns, so
every key shows at 160x48 without scrolling; narrower, they stack and scroll.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rr_tui.options import DashboardOptions
from rr_tui.screens.keys import APP_KEYS, PANE_KEYS, SCREEN_KEYS, TRIAGE_KEYS, Key
from rr_tui.widgets.contacts import StakeholderPane
from rr_tui.widgets.queue import QueueView

KEY_NAMES = {
    "plus": "+",
    "minus": "-",
    "asterisk": "*",
    "slash": "/",
    "question_mark": "?",
    "exclamation_mark": "!",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "escape": "esc",
    "pageup": "pgup",
    "pagedown": "pgdn",
}
"""How a key is written on the help screen (Textual's names are for code)."""


@dataclass(frozen=True)
class Row:
    """One line of help: the keys, and what they do."""

    keys: str
    does: str


def key_text(keys: str) -> str:
    """`up,k` → `k / up`: letters first, the way people read them."""
    names = [KEY_NAMES.get(key.strip(), key.strip()) for key in keys.split(",")]
    return " / ".join(sorted(names, key=lambda name: (len(name) > 1, name)))


def _row(key: Key, keymap: Mapping[str, str]) -> Row:
    return Row(key_text(keymap.get(key.id, key.keys)), key.help or key.title or key.footer)


def _bound(bindings: Iterable[object], keymap: Mapping[str, str]) -> list[Row]:
    return [
        Row(key_text(keymap.get(b.id or "", b.key)), b.description)
        for b in bindings
        if isinstance(b, Binding)
    ]


def _ids(keys: Iterable[Key], *ids: str) -> list[Key]:
    by_id = {key.id: key for key in keys}
    return [by_id[i] for i in ids if i in by_id]


def groups(options: DashboardOptions) -> list[tuple[str, list[Row]]]:
    """The help screen's groups, in order, each with its rows."""
    keymap = options.keymap
    screen = _ids(SCREEN_KEYS, "queue.next_unacknowledged", "app.toggle_reveal")
    navigate = [
        *_bound(QueueView.BINDINGS, keymap),
        *(_row(key, keymap) for key in (*PANE_KEYS, *screen)),
    ]
    severity = [key for key in TRIAGE_KEYS if key.id.startswith("triage.sev")]
    triage = [_row(key, keymap) for key in TRIAGE_KEYS if key not in severity]
    if severity:
        levels = "/".join(key_text(keymap.get(key.id, key.keys)) for key in severity)
        triage.insert(2, Row(levels, "Set the severity directly (SEV0 … SEV4)"))
    views = [_row(key, keymap) for key in _ids(SCREEN_KEYS, "views.next", "views.previous")]
    views += [
        Row(key_text(keymap.get(f"views.{view.name}", view.key)), f"View {view.name}")
        for view in options.views
        if view.key
    ]
    contacts = [_row(key, keymap) for key in _ids(SCREEN_KEYS, "app.search_contacts")]
    contacts += [row for row in _bound(StakeholderPane.BINDINGS, keymap) if row.keys != "/"]
    shift = [
        _row(key, keymap)
        for key in _ids(
            SCREEN_KEYS,
            "incident.postmortem",
            "clocks.open",
            "protocols.open",
            "shift.handover",
            "shift.trends",
            "shift.workload",
            "wellbeing.took_break",
        )
    ]
    app = [_row(key, keymap) for key in APP_KEYS]
    app += [
        Row(row.keys, "This list")
        for row in map(partial(_row, keymap=keymap), _ids(SCREEN_KEYS, "app.help"))
    ]
    app.append(Row("ctrl+p", "Command palette: every action by name"))
    return [
        ("NAVIGATE", navigate),
        ("TRIAGE (the marked incidents, else the selected one)", triage),
        ("VIEWS", views),
        ("CONTACTS", contacts),
        ("SHIFT", shift),
        ("APP", app),
    ]


LEFT_GROUPS = 2
"""Groups in the left column on a wide terminal (navigate, triage: about as long as the rest)."""


def help_text(options: DashboardOptions) -> Text:
    """Every group as one text: a bold heading, then `keys  what they do` lines."""
    return _text(groups(options))


def help_columns(options: DashboardOptions) -> tuple[Text, Text]:
    """The groups as two texts, the first `LEFT_GROUPS` and the rest."""
    found = groups(options)
    return _text(found[:LEFT_GROUPS]), _text(found[LEFT_GROUPS:])


def _text(found: list[tuple[str, list[Row]]]) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    for n, (title, rows) in enumerate(found):
        if n:
            text.append("\n")
        text.append(title + "\n", "bold")
        for row in rows:
            text.append(f"  {row.keys:<12}", "bold")
            text.append(f" {row.does}\n")
    text.rstrip()
    return text


class HelpScreen(ModalScreen[None]):
    """Every key of the product, grouped; `escape`, `?` or `q` closes it."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 60%; }
    HelpScreen > VerticalScroll {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    HelpScreen.-wide > VerticalScroll { width: 156; }
    HelpScreen #help-title { text-style: bold; color: $accent; }
    HelpScreen #help-columns { height: auto; layout: vertical; }
    HelpScreen.-wide #help-columns { layout: horizontal; }
    HelpScreen .help-body {
        text-wrap: nowrap; text-overflow: ellipsis; height: auto; width: 100%;
    }
    HelpScreen.-wide .help-body { width: 1fr; }
    HelpScreen.-narrow #help-right { margin-top: 1; }
    HelpScreen.-wide #help-left { margin-right: 2; }
    HelpScreen #help-keys { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
        Binding("j", "scroll('down')", "Down", show=False, id="help.down"),
        Binding("k", "scroll('up')", "Up", show=False, id="help.up"),
    ]

    def __init__(self, options: DashboardOptions) -> None:
        super().__init__()
        self.options = options

    def compose(self) -> ComposeResult:
        """Title, the groups, how to close."""
        with VerticalScroll():
            yield Static("Keys", id="help-title")
            left, right = help_columns(self.options)
            with Horizontal(id="help-columns"):
                yield Static(left, id="help-left", classes="help-body")
                yield Static(right, id="help-right", classes="help-body")
            yield Static("j/k: scroll   esc / ? / q: close", id="help-keys")

    def action_scroll(self, direction: str) -> None:
        """Scroll the list a line."""
        scroll = self.query_one(VerticalScroll)
        if direction == "down":
            scroll.scroll_down(animate=False)
        else:
            scroll.scroll_up(animate=False)

    def action_close(self) -> None:
        """Back to the dashboard."""
        self.dismiss(None)
