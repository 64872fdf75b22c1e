"""The stakeholder pane: who matters for this incident, their local time, whether they are working.

`/` opens one search over incidents (id, title, assignee: listed first, Enter jumps
the queue to one) and the directory (fuzzy, answers as you type; the word `oncall`
keeps only who is on call now). Enter on a contact opens its card (every method,
their working week), Escape goes back to the list. `c` copies the selected
contact's phone, `m` their email, `y` their chat handle (OSC 52).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from rr_tui.models import Contact, Incident
from rr_tui.present.format import category_label, clock
from rr_tui.sanitize import clean
from rr_tui.sync.contacts import ContactDirectory, RankedContact
from rr_tui.sync.finding import IncidentFinder, on_call_filter
from rr_tui.widgets.contact_card import ContactCard
from rr_tui.widgets.contact_lines import contact_line, incident_line, search_score

Row = Contact | Incident
"""What a line of the pane's list stands for."""


class StakeholderPane(Vertical):
    """Contacts ranked for the selected incident; one search over incidents and the directory;
    a contact's card."""

    DEFAULT_CSS = """
    StakeholderPane { height: 1fr; }
    StakeholderPane > #contacts-title { color: $text-muted; text-style: bold; padding: 0 1; }
    StakeholderPane > Input { display: none; border: tall $accent; height: 3; }
    StakeholderPane.-searching > Input { display: block; }
    StakeholderPane > OptionList {
        height: 1fr; border: none; padding: 0; text-wrap: nowrap; text-overflow: ellipsis;
    }
    StakeholderPane > ContactCard { display: none; }
    StakeholderPane.-card > ContactCard { display: block; }
    StakeholderPane.-card > OptionList { display: none; }
    StakeholderPane.-card > Input { display: none; }
    """

    BINDINGS = [
        Binding("/", "search", "Search", id="contacts.search"),
        Binding("c", "copy_phone", "Copy phone", id="contacts.copy_phone"),
        Binding("m", "copy_email", "Copy email", id="contacts.copy_email"),
        Binding("y", "copy_chat", "Copy chat", id="contacts.copy_chat"),
        Binding("escape", "close_search", "Close search", show=False, id="contacts.close_search"),
    ]

    class IncidentChosen(Message):
        """Enter on an incident the search found: the screen moves the queue to it."""

        def __init__(self, incident_id: str) -> None:
            super().__init__()
            self.incident_id = incident_id

    def __init__(
        self,
        directory: ContactDirectory,
        clock: Callable[[], datetime],
        *,
        home: str = "UTC",
        finder: IncidentFinder | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.directory = directory
        self.clock = clock
        self.home = home
        """The first shift zone: contacts' hours are also shown in it."""
        self.finder = finder
        """Finds incidents for the search (None: the search finds contacts only)."""
        self.incident: Incident | None = None
        self._rows: list[Row] = []
        self._prompts: list[Text] = []
        """The lines the list shows, as last given to it (to change only those that moved)."""
        self._shown_title: Text | None = None

    def compose(self) -> ComposeResult:
        """Title, search box (hidden until `/`), the list, a contact's card (hidden)."""
        yield Static("STAKEHOLDERS", id="contacts-title")
        search = Input(
            placeholder="search incidents and the directory: id, title, name, team, oncall…",
            id="contact-search",
        )
        search.cursor_blink = False
        yield search
        yield OptionList(id="contact-list")
        yield ContactCard(home=self.home, id="contact-card")

    @property
    def searching(self) -> bool:
        """Whether the search box is open."""
        return self.has_class("-searching")

    @property
    def carded(self) -> Contact | None:
        """The contact whose card is open, if one is."""
        return self.query_one(ContactCard).contact if self.has_class("-card") else None

    def show_for(self, incident: Incident | None) -> None:
        """Rank the directory for an incident (unless a search is open), best match on top."""
        changed = incident is None or self.incident is None or incident.id != self.incident.id
        self.incident = incident
        if not self.searching:
            if changed:
                self.close_card()
            self.refresh_list(keep_highlight=not changed)

    def refresh_list(self, *, keep_highlight: bool = True) -> None:
        """Redraw the list from the directory (e.g. after it was refreshed, or a minute on)."""
        card = self.carded
        if card is not None:
            fresh = next((c for c in self.directory.contacts if c.id == card.id), card)
            self.query_one(ContactCard).show(fresh, self.clock())
        if self.searching:
            self._search(self.query_one(Input).value, keep_highlight=True)
            return
        now = self.clock()
        ranked = self.directory.ranked(self.incident, now)
        self._title(self.incident)
        self._fill([], ranked, now, keep_highlight=keep_highlight)

    def _title(self, incident: Incident | None) -> None:
        title = Text("STAKEHOLDERS")
        if incident is not None:
            title.append(f"  {incident.region} · {category_label(incident.category)}", "bold")
        if self.directory.from_cache and self.directory.fetched_at is not None:
            title.append(f"  (cached {clock(self.directory.fetched_at, 'UTC')})", "dim")
        if not self.directory.contacts:
            title.append("  no directory yet", "dim")
        self._set_title(title)

    def _set_title(self, title: Text) -> None:
        # `Static.update` lays the whole screen out again: only when the title reads differently.
        if title != self._shown_title:
            self._shown_title = title
            self.query_one("#contacts-title", Static).update(title)

    def _fill(
        self,
        incidents: list[tuple[Incident, bool]],
        ranked: list[RankedContact],
        now: datetime,
        *,
        keep_highlight: bool = False,
    ) -> None:
        option_list = self.query_one(OptionList)
        highlighted = option_list.highlighted
        keep = None
        if keep_highlight and highlighted is not None and highlighted < len(self._rows):
            keep = self._rows[highlighted].id
        rows: list[Row] = [incident for incident, _ in incidents]
        rows += [item.contact for item in ranked]
        prompts = [incident_line(incident, shows) for incident, shows in incidents]
        prompts += [contact_line(item.contact, now, item.relevant, self.home) for item in ranked]
        ids = [f"incident:{row.id}" if isinstance(row, Incident) else row.id for row in rows]
        if keep_highlight and ids == [option.id for option in option_list.options]:
            # The same people in the same order (most minutes: only their clocks moved):
            # change the lines that read differently, keep the cursor and the scroll.
            self._rows = rows
            for index, prompt in enumerate(prompts):
                if index >= len(self._prompts) or prompt != self._prompts[index]:
                    option_list.replace_option_prompt_at_index(index, prompt)
            self._prompts = prompts
            return
        self._rows = rows
        self._prompts = prompts
        option_list.clear_options()
        option_list.add_options(
            Option(prompt, id=option_id) for prompt, option_id in zip(prompts, ids, strict=True)
        )
        if self._rows:
            row_ids = [row.id for row in self._rows]
            option_list.highlighted = row_ids.index(keep) if keep in row_ids else 0
            if keep not in row_ids:
                option_list.scroll_home(animate=False)

    def _search(self, query: str, *, keep_highlight: bool = False) -> None:
        now = self.clock()
        query, on_call = on_call_filter(query.strip())
        pool = [c for c in self.directory.contacts if c.on_call or not on_call]
        # "oncall" asks for people: no incident is listed above them.
        wanted = self.finder is not None and query and not on_call
        incidents = self.finder.find(query) if self.finder is not None and wanted else []
        if not query:
            hits = sorted(pool, key=lambda contact: contact.name) if on_call else pool
        else:
            scored = [(search_score(query, contact), contact) for contact in pool]
            # Ties by name: the same query shows the same list, whatever order the backend sent.
            ranked = sorted((p for p in scored if p[0] > 0), key=lambda p: (-p[0], p[1].name))
            hits = [contact for _, contact in ranked]
        self._fill(
            incidents, [RankedContact(c, True) for c in hits], now, keep_highlight=keep_highlight
        )
        title = Text(f"SEARCH  {len(hits)} of {len(self.directory.contacts)}")
        if on_call:
            title.append(" · on call now", "bold yellow")
        if incidents:
            title.append(f" · {len(incidents)} incident{'s' * (len(incidents) > 1)} first")
        self._set_title(title)

    @on(Input.Changed, "#contact-search")
    def _typed(self, event: Input.Changed) -> None:
        # Closing the search empties the box; that change arrives after the close and
        # is no search (it listed the whole directory under the incident's header).
        if self.searching:
            self._search(event.value)

    @on(Input.Submitted, "#contact-search")
    def _submitted(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#contact-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index >= len(self._rows):
            return
        row = self._rows[event.option_index]
        if isinstance(row, Incident):
            self.post_message(self.IncidentChosen(row.id))
        else:
            self.open_card(row)

    def open_card(self, contact: Contact) -> None:
        """Show a contact's card in place of the list (Escape: back to the list)."""
        card = self.query_one(ContactCard)
        card.show(contact, self.clock())
        self.add_class("-card")
        title = Text("CONTACT  ")
        title.append(clean(contact.name, 60), "bold")
        title.append("  escape: back to the list", "dim")
        self._set_title(title)
        card.scroll_home(animate=False)
        card.focus()

    def close_card(self) -> None:
        """Back from a card to the list it was opened from."""
        if self.has_class("-card"):
            self.remove_class("-card")
            self.query_one(ContactCard).contact = None
            self.query_one(OptionList).focus()
            self.refresh_list()

    def action_search(self) -> None:
        """Open the search box and put the cursor in it."""
        self.close_card()
        self.add_class("-searching")
        # The screen gives a search the whole side column on a small terminal.
        self.screen.add_class("-searching")
        search = self.query_one(Input)
        search.focus()
        self._search(search.value)

    class SearchClosed(Message):
        """The search was closed: the screen puts the focus back on the queue."""

    def action_close_search(self) -> None:
        """Escape: from a card back to its list; else close the search and show the incident's
        contacts again (never the search's hits under the incident's header); else on to the
        screen, which goes back to the queue."""
        if self.has_class("-card"):
            self.close_card()
            return
        if not self.searching:
            raise SkipAction()
        self.remove_class("-searching")
        self.screen.remove_class("-searching")
        self.query_one(Input).value = ""
        self.refresh_list(keep_highlight=False)
        self.post_message(self.SearchClosed())

    @property
    def shown(self) -> tuple[Contact, ...]:
        """The contacts listed, in order (the incident's ranking, or the search's hits)."""
        return tuple(row for row in self._rows if isinstance(row, Contact))

    @property
    def found(self) -> tuple[Incident, ...]:
        """The incidents the search lists above the contacts."""
        return tuple(row for row in self._rows if isinstance(row, Incident))

    @property
    def selected(self) -> Contact | None:
        """The contact whose card is open, else the highlighted contact."""
        card = self.carded
        if card is not None:
            return card
        index = self.query_one(OptionList).highlighted
        if index is None or index >= len(self._rows):
            return None
        row = self._rows[index]
        return row if isinstance(row, Contact) else None

    def action_copy_phone(self) -> None:
        """Copy the selected contact's phone number."""
        self._copy("phone")

    def action_copy_email(self) -> None:
        """Copy the selected contact's email address."""
        self._copy("email")

    def action_copy_chat(self) -> None:
        """Copy the selected contact's chat handle."""
        self._copy("chat")

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
