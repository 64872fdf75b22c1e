"""The escalation picker: stakeholders (those covering the incident first) and a note.

Built for a few keys under pressure: `space` picks the highlighted contact, `j`/`k`
move like the arrows, and any other letter starts a filter over the list (name,
team, market, role: `legal id`). Picks survive the filter. Each line shows, before
the long role text, what decides who to call: team, on call, markets, local time.
Picked or not is a `[x]`/`[ ]` mark, readable without colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from rr_tui.models import TEAM_LABELS, Contact, EscalationCreate, Incident
from rr_tui.present.format import clock
from rr_tui.sanitize import clean
from rr_tui.screens.dialogs import DIALOG_CSS, subject_line
from rr_tui.sync.contacts import RankedContact
from rr_tui.widgets.contact_lines import search_score

NOBODY_PICKED = "Nobody picked yet: space picks the highlighted contact."


def pick_line(contact: Contact, relevant: bool, picked: bool, now: datetime) -> Text:
    """`[x] ● K. Sato · Legal · on call · ID,PH · 13:32 JST · Senior counsel`."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("[x] " if picked else "[ ] ", "bold" if picked else "dim")
    text.append("● " if relevant else "  ", "green")
    text.append(clean(contact.name, 30), "bold")
    text.append(f" · {TEAM_LABELS[contact.team]}")
    if contact.on_call:
        text.append(" · on call", "yellow")
    markets = ",".join(clean(region, 8) for region in contact.regions) or "all markets"
    text.append(f" · {markets}")
    text.append(f" · {clock(now, contact.timezone)}")
    if not contact.is_working(now):
        text.append(" · off hours", "dim")
    role = clean(contact.role, 60)
    if role:
        text.append(f" · {role}", "dim")
    return text


class PickList(OptionList):
    """The contacts: `space` picks, `j`/`k` move, `enter` sends, other letters filter."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="escalate.down"),
        Binding("k", "cursor_up", "Up", show=False, id="escalate.up"),
        Binding("space", "pick", "Pick", show=False, id="escalate.pick"),
        Binding("enter", "screen.send", "Send", show=False, id="escalate.send"),
    ]

    class Typed(Message):
        """A letter typed on the list: it goes to the filter."""

        def __init__(self, character: str) -> None:
            super().__init__()
            self.character = character

    class Picked(Message):
        """Pick or unpick a contact."""

        def __init__(self, contact_id: str) -> None:
            super().__init__()
            self.contact_id = contact_id

    def action_pick(self) -> None:
        """Pick (or unpick) the highlighted contact."""
        option = self.highlighted_option
        if option is not None and option.id is not None:
            self.post_message(self.Picked(option.id))

    def on_key(self, event: events.Key) -> None:
        """Letters other than the list's own keys start (or extend) the filter."""
        character = event.character
        if event.is_printable and character and character not in "jk ":
            event.stop()
            event.prevent_default()
            self.post_message(self.Typed(character))


class EscalateDialog(ModalScreen[EscalationCreate | None]):
    """Pick stakeholders (those covering the incident first) and write a note: one escalation."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="EscalateDialog")
        + """
    EscalateDialog PickList {
        height: auto; max-height: 12; border: none; padding: 0;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    EscalateDialog #filter { border: none; height: 1; padding: 0; }
    EscalateDialog #picked { color: $text-muted; }
    """
    )
    AUTO_FOCUS = "#targets"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "send", "Send", id="dialog.send"),
    ]

    def __init__(
        self, incidents: Sequence[Incident], ranked: Sequence[RankedContact], now: datetime
    ) -> None:
        super().__init__()
        self.incidents = list(incidents)
        self.ranked = list(ranked)
        self.now = now
        self.picked: set[str] = set()
        self._by_id = {item.contact.id: item for item in self.ranked}
        self.shown: list[RankedContact] = list(self.ranked)
        """The contacts the list shows, in order (all, or the filter's hits)."""

    def compose(self) -> ComposeResult:
        """Title, subject, filter, contacts to pick, what is picked, note, keys."""
        with Vertical(id="dialog"):
            yield Static("Escalate to", id="title")
            yield Static(subject_line(self.incidents), id="subject")
            search = Input(
                placeholder="type to filter: name, team, market (legal id)",
                select_on_focus=False,  # the letter that opened the filter stays in it
                id="filter",
            )
            search.cursor_blink = False
            yield search
            yield PickList(*(self._option(item) for item in self.ranked), id="targets")
            yield Static(self._picked_text(), id="picked")
            note = Input(placeholder="note for the stakeholders", max_length=10_000, id="note")
            note.cursor_blink = False
            yield note
            yield Static("", id="error")
            keys = "space: pick · j/k: move · type: filter · tab: note · ctrl+s: send · esc"
            yield Static(keys, id="keys")

    def _option(self, item: RankedContact) -> Option:
        picked = item.contact.id in self.picked
        return Option(pick_line(item.contact, item.relevant, picked, self.now), id=item.contact.id)

    def _picked_text(self) -> Text:
        names = [clean(i.contact.name, 30) for i in self.ranked if i.contact.id in self.picked]
        return Text("picked: " + (", ".join(names) if names else "nobody yet"))

    def _fill(self, query: str) -> None:
        """Show the contacts matching `query` (all when empty), best first, ties as ranked."""
        query = query.strip()
        if query:
            scored = [(search_score(query, item.contact), n) for n, item in enumerate(self.ranked)]
            self.shown = [
                self.ranked[n]
                for score, n in sorted(scored, key=lambda p: (-p[0], p[1]))
                if score > 0
            ]
        else:
            self.shown = list(self.ranked)
        targets = self.query_one(PickList)
        targets.set_options(self._option(item) for item in self.shown)
        if self.shown:
            targets.highlighted = 0

    @on(Input.Changed, "#filter")
    def _filtered(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(PickList).focus()

    @on(PickList.Typed)
    def _typed(self, event: PickList.Typed) -> None:
        search = self.query_one("#filter", Input)
        search.value += event.character
        search.cursor_position = len(search.value)
        search.focus()

    @on(PickList.Picked)
    def _picked(self, event: PickList.Picked) -> None:
        self._toggle(event.contact_id)

    @on(OptionList.OptionSelected, "#targets")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._toggle(event.option.id)

    def _toggle(self, contact_id: str) -> None:
        item = self._by_id.get(contact_id)
        if item is None:
            return
        self.picked.symmetric_difference_update({contact_id})
        self.query_one(PickList).replace_option_prompt(contact_id, self._option(item).prompt)
        self.query_one("#picked", Static).update(self._picked_text())
        if self.picked:
            self.query_one("#error", Static).update("")

    @on(Input.Submitted, "#note")
    def _submitted(self) -> None:
        self.action_send()

    def action_send(self) -> None:
        """Send one escalation to everyone picked (in the order they are ranked)."""
        targets = [item.contact.id for item in self.ranked if item.contact.id in self.picked]
        if not targets:
            self.query_one("#error", Static).update(NOBODY_PICKED)
            self.query_one(PickList).focus()
            return
        note = self.query_one("#note", Input).value.strip()
        self.dismiss(EscalationCreate(targets=targets, note=note))

    def action_cancel(self) -> None:
        """Close without escalating, from any state (a filter typed or not): one `escape`
        always gets back to the queue. `ctrl+u` clears the filter."""
        self.dismiss(None)
