"""How the stakeholder pane words its lines: a contact, an incident the search found, the score.

Plain functions of a contact (or incident) and the time, so the pane can build a
minute's lines and compare them with what it shows before touching the list.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.fuzzy import Matcher

from rr_tui.models import TEAM_LABELS, Contact, Incident
from rr_tui.present.format import category_label, clock, weekdays, working_hours
from rr_tui.present.masks import QUEUE_MASK
from rr_tui.sanitize import clean


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
    if contact.on_call:
        parts.append("on call")
    return clean(" ".join(parts), 400)


def incident_line(incident: Incident, shows_text: bool) -> Text:
    """`▸ RR-2041 · SEV1 · escalated · TH · Livestream reuploads… · mei.tan` (masked if
    sensitive and not revealed)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("▸ ", "bold cyan")
    text.append(clean(incident.id, 20), "bold")
    text.append(f" · {incident.severity.value} · {incident.status.value} · {incident.region} · ")
    text.append(clean(incident.title, 120) if shows_text else QUEUE_MASK)
    if incident.assignee:
        text.append(f" · {clean(incident.assignee, 40)}", "dim")
    return text


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
