"""The selected incident: a header with its facts, and its timeline, newest at the bottom."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import RichLog, Static

from rr_tui.models import EventKind, Incident, TimelineEvent
from rr_tui.options import DashboardOptions
from rr_tui.present.format import (
    SEVERITY_STYLE,
    SOURCE_LABELS,
    STATUS_SHORT,
    breached,
    category_label,
    severity_label,
    sla_due,
    stamp,
    zone_label,
)
from rr_tui.present.masks import QUEUE_MASK, is_revealed
from rr_tui.sanitize import clean, clean_block


def _same(contact_id: str) -> str:
    return contact_id


def describe(event: TimelineEvent, names: Callable[[str], str] = _same) -> Text:
    """One timeline line, e.g. `severity SEV2→SEV1 by mei.tan "velocity rising"`.

    `names` turns a contact id into what people call them (`Tim Wright (Trust & Safety)`).
    """
    data = event.data
    actor = clean(event.actor, 64)
    text = Text()
    kind = event.kind
    if kind is EventKind.CREATED:
        text.append("created", "bold")
        text.append(f" {clean(str(data.get('severity', '')), 8)} by {actor}")
    elif kind is EventKind.SEVERITY_CHANGED:
        text.append("severity ", "bold")
        text.append(f"{clean(str(data.get('from')), 8)}→{clean(str(data.get('to')), 8)} by {actor}")
    elif kind is EventKind.ASSIGNED:
        who = data.get("to") or "nobody"
        text.append("assigned", "bold")
        text.append(f" to {clean(str(who), 64)} by {actor}")
    elif kind is EventKind.ESCALATED:
        targets = data.get("targets")
        listed = targets if isinstance(targets, list) else []
        who = ", ".join(clean(names(str(target)), 96) for target in listed)
        text.append("escalated", "bold")
        text.append(f" to {who} by {actor}")
    elif kind is EventKind.NOTE:
        text.append("note", "bold")
        text.append(f" by {actor}")
    elif kind is EventKind.STATUS_CHANGED:
        text.append("status ", "bold")
        text.append(
            f"{clean(str(data.get('from')), 16)}→{clean(str(data.get('to')), 16)} by {actor}"
        )
    else:
        text.append(kind.value, "bold")
        text.append(f" by {actor}")
    if event.message:
        text.append(" ")
        text.append(f'"{clean_block(event.message, 2_000)}"', "italic")
    return text


class IncidentDetail(Vertical):
    """Header and timeline of one incident. Fed by the screen; never fetches anything."""

    DEFAULT_CSS = """
    IncidentDetail { height: 1fr; }
    IncidentDetail > #detail-header { height: auto; max-height: 8; padding: 0 1; }
    IncidentDetail > #timeline-title { color: $text-muted; text-style: bold; padding: 0 1; }
    IncidentDetail > RichLog { height: 1fr; background: $surface; padding: 0 1; }
    """

    revealed: reactive[frozenset[str]] = reactive(frozenset)
    """Sensitive incidents whose default masking `v` flipped (set by the screen)."""

    def __init__(
        self,
        options: DashboardOptions,
        clock: Callable[[], datetime],
        *,
        names: Callable[[str], str] = _same,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.options = options
        self.clock = clock
        self.names = names
        """A contact id to `Name (Team)`; an id it does not know, as it is (given by the screen)."""
        self.incident: Incident | None = None
        self._shown_events: list[TimelineEvent] = []
        self._shown_for: str | None = None
        self._wrapped_at = 0
        self._breached = False
        """Whether the header on screen says the SLA is breached (`tick` redraws when it turns)."""

    def compose(self) -> ComposeResult:
        """Header, a title line and the timeline log."""
        yield Static(id="detail-header")
        yield Static("TIMELINE", id="timeline-title")
        yield RichLog(wrap=True, markup=False, highlight=False, auto_scroll=True, min_width=20)

    def show(self, incident: Incident | None) -> None:
        """Show an incident's header (None: nothing selected)."""
        self.incident = incident
        header = self.query_one("#detail-header", Static)
        if incident is None:
            header.update(Text("No incident selected.", "dim"))
            self.set_timeline(None, [])
            return
        header.update(self._header(incident))
        if incident.id != self._shown_for:
            self.set_timeline(incident.id, [])

    def tick(self) -> None:
        """Every second: redraw the header only when its SLA has just been breached."""
        incident = self.incident
        if incident is not None and breached(incident, self.clock()) != self._breached:
            self.header.update(self._header(incident))

    def watch_revealed(self) -> None:
        """Masked or revealed: redraw the header of the incident shown."""
        if self.is_mounted:
            self.show(self.incident)

    def _header(self, incident: Incident) -> Text:
        label = severity_label(self.options.severity_labels, incident.severity)
        now = self.clock()
        due, self._breached = sla_due(incident, now, self._zone)
        text = Text()
        text.append(clean(incident.id, 40), "bold")
        text.append("  ")
        text.append(f" {label} ", SEVERITY_STYLE.get(incident.severity, "bold"))
        text.append(f"  {STATUS_SHORT[incident.status]}  {incident.region} · ")
        text.append(category_label(incident.category))
        text.append("  SLA ")
        text.append(due, "bold red" if self._breached else "")
        text.append("\n")
        if incident.sensitive and not is_revealed(
            self.options.reveal_sensitive, self.revealed, incident.id
        ):
            text.append(QUEUE_MASK, "italic dim")
        else:
            # Softened (wellbeing option): revealed sensitive text in dim grey, never bold.
            soft = incident.sensitive and self.options.wellbeing.soften_sensitive
            text.append(clean(incident.title, 300), "dim" if soft else "bold")
            if incident.summary:
                text.append("\n")
                text.append(clean(incident.summary, 600), "dim" if soft else "")
        text.append("\n")
        text.append(f"owner: {clean(incident.assignee or '—', 64)}  ", "dim")
        text.append(f"source: {SOURCE_LABELS[incident.source]}  ", "dim")
        opened = stamp(incident.created_at, self._zone, now)
        text.append(f"opened {opened} {zone_label(now, self._zone)}", "dim")
        if incident.escalated_to:
            text.append("\nescalated to: ", "dim")
            text.append(", ".join(clean(self.names(t), 96) for t in incident.escalated_to))
        return text

    @property
    def _zone(self) -> str:
        return self.options.zones[0] if self.options.zones else "UTC"

    def set_timeline(self, incident_id: str | None, events: Sequence[TimelineEvent]) -> None:
        """Show an incident's whole timeline (replacing what was shown)."""
        log = self.query_one(RichLog)
        log.clear()
        self._shown_for = incident_id
        self._shown_events = []
        self.append_events(incident_id, events)

    def append_events(self, incident_id: str | None, events: Sequence[TimelineEvent]) -> None:
        """Add newer events at the bottom, following them (ignored if another incident shows)."""
        if incident_id != self._shown_for:
            return
        log = self.query_one(RichLog)
        last = self.last_seq
        for event in events:
            if event.seq <= last:
                continue
            log.write(self._line(event))
            self._shown_events.append(event)
            last = event.seq

    def _line(self, event: TimelineEvent) -> Text:
        line = Text(f"{stamp(event.at, self._zone, self.clock())} ", "dim")
        line.append_text(describe(event, self.names))
        return line

    def on_resize(self) -> None:
        """Re-wrap the timeline for the new width (it was written for the old one)."""
        width = self.size.width
        if width and width != self._wrapped_at:
            self.redraw()
        self._wrapped_at = width

    def redraw(self) -> None:
        """Draw the header and timeline again (new width, or names the directory now knows)."""
        if self.incident is not None:
            self.query_one("#detail-header", Static).update(self._header(self.incident))
        if self._shown_events:
            log = self.query_one(RichLog)
            log.clear()
            for event in self._shown_events:
                log.write(self._line(event))

    @property
    def header(self) -> Static:
        """The header: the incident's facts."""
        return self.query_one("#detail-header", Static)

    def timeline_text(self) -> str:
        """The timeline as shown, as plain text (wrapped lines joined by a space)."""
        return " ".join(strip.text.rstrip() for strip in self.query_one(RichLog).lines)

    @property
    def events(self) -> tuple[TimelineEvent, ...]:
        """The timeline events shown, oldest first (for documents written from them)."""
        return tuple(self._shown_events)

    @property
    def last_seq(self) -> int:
        """The newest event shown."""
        return self._shown_events[-1].seq if self._shown_events else 0
