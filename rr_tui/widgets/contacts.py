"""The stakeholder pane: who matters for this incident, their local time, whether they are working.

`/` opens a fuzzy search over the whole directory that answers as you type;
`c` copies the selected contact's phone and `m` their email (OSC 52).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from rr_tui.models import TEAM_LABELS, Contact, Incident
from rr_tui.present.format import category_label, clock, weekdays, working_hours
from rr_tui.sanitize import clean
from rr_tui.sync.contacts import ContactDirectory, RankedContact


def contact_line(contact: Contact, now: datetime, relevant: bool, home: str = "UTC") -> Text:
    """Two short lines: who and what they cover; their clock, on-call, hours and phone.

    `● R. Hartono · Public Policy · ID` /
    `  13:32 WIB · on call · working 09:00–18:00 (10:00–19:00 SGT) · +62 21 5550 0102`
    (on call first: at 80 columns the end of the line is cut).
    """
    working = contact.is_working(now)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("● " if relevant else "  ", "bold green" if relevant else "dim")
    text.append(clean(contact.name, 40), "bold")
    text.append(f" · {TEAM_LABELS[contact.team]}")
    regions = ",".join(contact.regions) if contact.regions else "all markets"
    text.append(f" · {regions}", "dim")
    role = clean(contact.role, 60)
    if role:
        text.append(f" · {role}", "dim")
    text.append("\n  ")
    text.append(clock(now, contact.timezone), "bold")
    if contact.on_call:
        text.append(" · ")
        text.append("on call", "bold yellow")
    text.append(" · working" if working else " · off hours", "green" if working else "dim")
    hours = contact.working_hours
    text.append(
        f" {weekdays(hours.days)} {working_hours(hours, contact.timezone, now, home)}", "dim"
    )
    if contact.phone:
        text.append(f" · {clean(contact.phone, 40)}", "dim")
    return text


def search_text(contact: Contact) -> str:
    """What the fuzzy search matches against."""
    parts = [
        contact.name,
        TEAM_LABELS[contact.team],
        contact.role,
        " ".join(contact.regions),
        " ".join(category_label(c) for c in contact.categories),
        contact.email,
        contact.chat,
    ]
    return clean(" ".join(parts), 400)


def search_score(query: str, contact: Contact) -> float:
    """How well a contact matches what was typed: fuzzy, with whole words in the name first."""
    haystack = search_text(contact)
    score = Matcher(query).match(haystack)
    if score <= 0:
        return 0.0
    folded = query.casefold()
    if folded in contact.name.casefold():
        score += 20
    elif folded in haystack.casefold():
        score += 10
    return score


class StakeholderPane(Vertical):
    """Contacts ranked for the selected incident, with a fuzzy search over the directory."""

    DEFAULT_CSS = """
    StakeholderPane { height: 1fr; }
    StakeholderPane > #contacts-title { color: $text-muted; text-style: bold; padding: 0 1; }
    StakeholderPane > Input { display: none; border: tall $accent; height: 3; }
    StakeholderPane.-searching > Input { display: block; }
    StakeholderPane > OptionList {
        height: 1fr; border: none; padding: 0; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    BINDINGS = [
        Binding("/", "search", "Search", id="contacts.search"),
        Binding("c", "copy_phone", "Copy phone", id="contacts.copy_phone"),
        Binding("m", "copy_email", "Copy email", id="contacts.copy_email"),
        Binding("escape", "close_search", "Close search", show=False, id="contacts.close_search"),
    ]

    def __init__(
        self,
        directory: ContactDirectory,
        clock: Callable[[], datetime],
        *,
        home: str = "UTC",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.directory = directory
        self.clock = clock
        self.home = home
        """The first shift zone: contacts' hours are also shown in it."""
        self.incident: Incident | None = None
        self._shown: list[Contact] = []

    def compose(self) -> ComposeResult:
        """Title, search box (hidden until `/`), and the list."""
        yield Static("STAKEHOLDERS", id="contacts-title")
        search = Input(placeholder="search the directory: name, team, market…", id="contact-search")
        search.cursor_blink = False
        yield search
        yield OptionList(id="contact-list")

    @property
    def searching(self) -> bool:
        """Whether the search box is open."""
        return self.has_class("-searching")

    def show_for(self, incident: Incident | None) -> None:
        """Rank the directory for an incident (unless a search is open), best match on top."""
        changed = incident is None or self.incident is None or incident.id != self.incident.id
        self.incident = incident
        if not self.searching:
            self.refresh_list(keep_highlight=not changed)

    def refresh_list(self, *, keep_highlight: bool = True) -> None:
        """Redraw the list from the directory (e.g. after it was refreshed)."""
        if self.searching:
            self._search(self.query_one(Input).value)
            return
        now = self.clock()
        ranked = self.directory.ranked(self.incident, now)
        self._title(self.incident)
        self._fill(ranked, now, keep_highlight=keep_highlight)

    def _title(self, incident: Incident | None) -> None:
        title = Text("STAKEHOLDERS")
        if incident is not None:
            title.append(f"  {incident.region} · {category_label(incident.category)}", "bold")
        if self.directory.from_cache and self.directory.fetched_at is not None:
            title.append(f"  (cached {clock(self.directory.fetched_at, 'UTC')})", "dim")
        if not self.directory.contacts:
            title.append("  no directory yet", "dim")
        self.query_one("#contacts-title", Static).update(title)

    def _fill(
        self, ranked: list[RankedContact], now: datetime, *, keep_highlight: bool = False
    ) -> None:
        option_list = self.query_one(OptionList)
        highlighted = option_list.highlighted
        keep = None
        if keep_highlight and highlighted is not None and highlighted < len(self._shown):
            keep = self._shown[highlighted].id
        self._shown = [item.contact for item in ranked]
        option_list.clear_options()
        option_list.add_options(
            Option(contact_line(item.contact, now, item.relevant, self.home), id=item.contact.id)
            for item in ranked
        )
        if self._shown:
            ids = [contact.id for contact in self._shown]
            option_list.highlighted = ids.index(keep) if keep in ids else 0
            if keep not in ids:
                option_list.scroll_home(animate=False)

    def _search(self, query: str) -> None:
        now = self.clock()
        query = query.strip()
        if not query:
            self._fill([RankedContact(c, False) for c in self.directory.contacts], now)
            return
        scored = [(search_score(query, contact), contact) for contact in self.directory.contacts]
        # Ties by name: the same query shows the same list, whatever order the backend sent.
        hits = sorted(
            (pair for pair in scored if pair[0] > 0), key=lambda pair: (-pair[0], pair[1].name)
        )
        self._fill([RankedContact(contact, True) for _, contact in hits], now)
        title = Text(f"SEARCH  {len(hits)} of {len(self.directory.contacts)}")
        self.query_one("#contacts-title", Static).update(title)

    @on(Input.Changed, "#contact-search")
    def _typed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Input.Submitted, "#contact-search")
    def _submitted(self) -> None:
        self.query_one(OptionList).focus()

    def action_search(self) -> None:
        """Open the search box and put the cursor in it."""
        self.add_class("-searching")
        # The screen gives a search the whole side column on a small terminal.
        self.screen.add_class("-searching")
        search = self.query_one(Input)
        search.focus()
        self._search(search.value)

    class SearchClosed(Message):
        """The search was closed: the screen puts the focus back on the queue."""

    def action_close_search(self) -> None:
        """Close the search and show the incident's contacts again (never the search's hits
        under the incident's header)."""
        if not self.searching:
            return
        self.remove_class("-searching")
        self.screen.remove_class("-searching")
        self.query_one(Input).value = ""
        self.refresh_list(keep_highlight=False)
        self.post_message(self.SearchClosed())

    @property
    def shown(self) -> tuple[Contact, ...]:
        """The contacts listed, in order (the incident's ranking, or the search's hits)."""
        return tuple(self._shown)

    @property
    def selected(self) -> Contact | None:
        """The highlighted contact."""
        index = self.query_one(OptionList).highlighted
        if index is None or index >= len(self._shown):
            return None
        return self._shown[index]

    def action_copy_phone(self) -> None:
        """Copy the selected contact's phone number."""
        self._copy("phone")

    def action_copy_email(self) -> None:
        """Copy the selected contact's email address."""
        self._copy("email")

    def _copy(self, field: str) -> None:
        contact = self.selected
        if contact is None:
            self.notify("No contact selected.", severity="warning")
            return
        value = clean(getattr(contact, field), 320)
        if not value:
            self.notify(
                f"{clean(contact.name, 60)} has no {field} on file.",
                severity="warning",
                markup=False,
            )
            return
        self.app.copy_to_clipboard(value)
        self.notify(f"Copied {clean(contact.name, 60)}'s {field}: {value}", markup=False)
