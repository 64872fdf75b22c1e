"""One stakeholder in full: every way to reach them, what they cover, their working week.

Opened with Enter on a contact in the stakeholder pane, closed with Escape back to
the list. The list line says as much as fits; the card says everything the
directory holds, so nobody opens another tool in a crisis to find a chat handle.
Times are on the shift clock and the card is redrawn when the minute turns.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from rr_tui.models import TEAM_LABELS, Contact
from rr_tui.present.format import (
    category_label,
    clock,
    span,
    weekdays,
    working_hours,
    zone_label,
)
from rr_tui.sanitize import clean


def _field(text: Text, label: str, value: str, style: str = "") -> None:
    text.append(f"{label:<9}", "dim")
    text.append(value or "—", style if value else "dim")
    text.append("\n")


def _shifts(contact: Contact, now: datetime) -> list[tuple[datetime, datetime]]:
    """Their working spans from yesterday to a week on, in their zone (overnight included)."""
    theirs = ZoneInfo(contact.timezone)
    hours = contact.working_hours
    today = now.astimezone(theirs).date()
    spans = []
    for step in range(-1, 8):
        day = today + timedelta(days=step)
        if day.weekday() in hours.days:
            start = datetime.combine(day, hours.start, theirs)
            end = datetime.combine(day, hours.end, theirs)
            spans.append((start, end + timedelta(days=1) if end <= start else end))
    return spans


def _until(contact: Contact, now: datetime, home: str) -> str:
    """`working until 18:00 (in 4h 28m)` or `off; next starts Thu 09:00 (in 19h 28m)`."""
    for start, end in _shifts(contact, now):
        if start <= now < end:
            return f"working now, until {clock(end, contact.timezone)} (in {span(end - now)})"
        if now < start:
            mine = start.astimezone(ZoneInfo(home))
            yours = f"{mine:%a %H:%M} {zone_label(now, home)}"
            when = f"{start:%a} {clock(start, contact.timezone)} ({yours})"
            return f"off hours; next starts {when}, in {span(start - now)}"
    return "no working days on file"


def _week(contact: Contact, now: datetime, home: str) -> Text:
    """Their hours, theirs and yours; a line a day only where a clock change moves yours."""
    text = Text()
    hours = contact.working_hours
    lines = []
    today = now.astimezone(ZoneInfo(contact.timezone)).date()
    for start, _ in (shift for shift in _shifts(contact, now) if shift[0].date() >= today):
        lines.append((start, working_hours(hours, contact.timezone, start, home)))
    if len({line for _, line in lines}) <= 1:
        line = lines[0][1] if lines else "—"
        text.append(f"  {weekdays(hours.days)}  {line}\n")
    else:
        for start, line in lines:
            text.append(f"  {start:%a %b %d}  {line}\n")
    text.append(f"  {_until(contact, now, home)}\n", "dim")
    return text


def card_text(contact: Contact, now: datetime, home: str = "UTC") -> Text:
    """The card's text: name, team, role; on call and working now; every method; cover; week."""
    text = Text()
    text.append(clean(contact.name, 80), "bold")
    text.append(f"  {TEAM_LABELS[contact.team]}")
    role = clean(contact.role, 120)
    if role:
        text.append(f" · {role}", "dim")
    text.append("\n")
    working = contact.is_working(now)
    if contact.on_call:
        text.append("on call now", "bold yellow")
        text.append(" · ")
    text.append("working now" if working else "off hours now", "green" if working else "dim")
    text.append(f" · tier {contact.escalation_tier}\n\n")
    _field(text, "phone", clean(contact.phone, 40), "bold")
    _field(text, "email", clean(contact.email, 120))
    _field(text, "chat", clean(contact.chat, 200))
    text.append("\n")
    markets = ", ".join(contact.regions) if contact.regions else "all markets"
    _field(text, "markets", markets)
    topics = ", ".join(category_label(c) for c in contact.categories)
    _field(text, "covers", topics or "all categories")
    local = f"{clock(now, contact.timezone)} · {contact.timezone}"
    _field(text, "local", local)
    text.append("\n")
    yours = zone_label(now, home)
    text.append(f"WORKING WEEK  theirs ({yours} in brackets)\n", "bold")
    text.append_text(_week(contact, now, home))
    notes = clean(contact.notes, 600)
    if notes:
        text.append("\nNOTES\n", "bold")
        text.append(notes)
        text.append("\n")
    text.append("\nc copy phone · m copy email · y copy chat · escape back to the list", "dim")
    return text


class ContactCard(VerticalScroll):
    """The card of the contact opened from the list (scrolls when it does not fit)."""

    DEFAULT_CSS = """
    ContactCard { height: 1fr; padding: 0 1; }
    ContactCard > Static { width: 1fr; }
    """

    def __init__(self, *, home: str = "UTC", id: str | None = None) -> None:
        super().__init__(id=id)
        self.home = home
        self.contact: Contact | None = None

    def compose(self) -> ComposeResult:
        """The text, in one block."""
        yield Static(id="contact-card-text")

    def show(self, contact: Contact, now: datetime) -> None:
        """Show a contact (or draw the same one again at a new minute)."""
        self.contact = contact
        self.query_one(Static).update(card_text(contact, now, self.home))
