"""The incident queue: a line-API ScrollView that paints only the rows on screen.

Rows come from the `IncidentStore`'s sorted index, so a repaint costs the
visible rows, whatever the queue holds. The cursor follows an incident, not a
row number: when a poll re-sorts the queue, the selected incident stays selected
wherever it moved.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from rr_tui.models import Incident, Severity
from rr_tui.options import DashboardOptions
from rr_tui.sanitize import clean
from rr_tui.sync.store import IncidentStore, StoreChange
from rr_tui.widgets.format import STATUS_SHORT, age, category_label, sla

MASK = "▒▒▒ sensitive · v to reveal"


def is_revealed(options: DashboardOptions, toggled: set[str], incident_id: str) -> bool:
    """Whether a sensitive incident shows its text: the default, flipped by `v` per incident."""
    return options.reveal_sensitive != (incident_id in toggled)


@dataclass(frozen=True)
class Column:
    """One queue column: a key, a header and a width in cells (0: takes what is left)."""

    key: str
    header: str
    width: int


def columns_for(width: int, chosen: Sequence[str] = ()) -> list[Column]:
    """The columns that fit `width` cells; the title takes the rest.

    `chosen` (column keys, in order, from the config) replaces the choice by width;
    the mark column always comes first.
    """
    if chosen:
        known = {column.key: column for column in columns_for(10_000)}
        return [known["mark"], *(known[key] for key in chosen if key in known)]
    columns = [
        Column("mark", "", 2),
        Column("sev", "SEV", 4),
        Column("id", "ID", 8),
        Column("age", "AGE", 4),
        Column("sla", "SLA", 6),
        Column("status", "ST", 5),
        Column("region", "RG", 2),
    ]
    if width >= 110:
        columns.append(Column("category", "CATEGORY", 16))
    if width >= 96:
        columns.append(Column("assignee", "OWNER", 11))
    columns.append(Column("title", "TITLE", 0))
    return columns


class QueueView(ScrollView, can_focus=True):
    """The live queue. Post-only: it reads the store and reports the selected incident."""

    COMPONENT_CLASSES = {
        "queue--header",
        "queue--cursor",
        "queue--changed",
        "queue--breached",
        "queue--masked",
        "queue--mark",
        "queue--sev0",
        "queue--sev1",
        "queue--sev2",
        "queue--sev3",
        "queue--sev4",
    }

    DEFAULT_CSS = """
    QueueView {
        background: $surface;
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    QueueView > .queue--header { text-style: bold; color: $text-muted; }
    QueueView > .queue--cursor { background: $block-cursor-blurred-background; }
    QueueView:focus > .queue--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    QueueView > .queue--changed { background: $warning 25%; }
    QueueView > .queue--breached { color: $error; text-style: bold; }
    QueueView > .queue--masked { color: $text-muted; text-style: italic; }
    QueueView > .queue--mark { color: $accent; text-style: bold; }
    QueueView > .queue--sev0 { background: $error; color: $text; text-style: bold; }
    QueueView > .queue--sev1 { background: $warning; color: $text; text-style: bold; }
    QueueView > .queue--sev2 { color: $warning; text-style: bold; }
    QueueView > .queue--sev3 { color: $primary; }
    QueueView > .queue--sev4 { color: $text-muted; }
    """

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="queue.cursor_up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="queue.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="queue.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="queue.page_down"),
        Binding("home,g", "first", "First", show=False, id="queue.first"),
        Binding("end,G", "last", "Last", show=False, id="queue.last"),
        Binding("enter", "open", "Details", id="queue.open"),
    ]

    class Highlighted(Message):
        """The cursor is on another incident (or on none: an empty queue)."""

        def __init__(self, incident_id: str | None) -> None:
            super().__init__()
            self.incident_id = incident_id

    class Opened(Message):
        """The user asked for the selected incident's details."""

        def __init__(self, incident_id: str) -> None:
            super().__init__()
            self.incident_id = incident_id

    def __init__(
        self,
        store: IncidentStore,
        options: DashboardOptions,
        clock: Callable[[], datetime],
        revealed: set[str],
        *,
        marked: set[str] | None = None,
        pending: Mapping[str, int] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.marked = marked if marked is not None else set()
        """Rows marked for a bulk action (owned by the app)."""
        self.pending = pending if pending is not None else {}
        """Actions waiting for the backend, by incident (owned by the app)."""
        self.store = store
        self.options = options
        self.clock = clock
        self.revealed = revealed
        self.cursor = 0
        self.selected_id: str | None = None
        self._flash: dict[str, float] = {}
        self._columns = columns_for(80, options.columns)
        self._styles: dict[str, Style] = {}

    # --- data in -------------------------------------------------------------------

    def store_changed(self, change: StoreChange) -> None:
        """Take a poll's change: resize, keep the cursor on its incident, mark what changed."""
        if not change.reset and change.changed:
            now = time.monotonic()
            for incident_id in change.changed:
                self._flash[incident_id] = now
            self.set_timer(self.options.flash_seconds + 0.05, self._expire_flash)
        self._sync_size()
        self._follow_selection()
        self.refresh()

    def _expire_flash(self) -> None:
        cutoff = time.monotonic() - self.options.flash_seconds
        self._flash = {key: at for key, at in self._flash.items() if at > cutoff}
        self.refresh()

    def _sync_size(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.store) + 1)

    def _follow_selection(self) -> None:
        """Put the cursor back on the selected incident, wherever it moved."""
        index = self.store.index_of(self.selected_id) if self.selected_id else None
        if index is None:
            # The selected incident left the queue: stay at the same row.
            index = min(self.cursor, max(len(self.store) - 1, 0))
        self._move(index, scroll=self.selected_id is None)

    # --- cursor ----------------------------------------------------------------------

    @property
    def page_height(self) -> int:
        """Rows on screen, not counting the header line."""
        return max(self.scrollable_content_region.height - 1, 1)

    def _move(self, index: int, *, scroll: bool = True) -> None:
        count = len(self.store)
        index = max(0, min(index, count - 1)) if count else 0
        previous = self.selected_id
        self.cursor = index
        self.selected_id = self.store.row(index).id if count else None
        top = round(self.scroll_offset.y)
        if scroll or self.selected_id != previous:
            if index < top:
                self.scroll_to(y=index, animate=False, immediate=True)
            elif index >= top + self.page_height:
                self.scroll_to(y=index - self.page_height + 1, animate=False, immediate=True)
        if self.selected_id != previous:
            self.post_message(self.Highlighted(self.selected_id))
        self.refresh()

    def select(self, incident_id: str) -> bool:
        """Put the cursor on an incident, if the queue shows it."""
        index = self.store.index_of(incident_id)
        if index is None:
            return False
        self._move(index)
        return True

    def action_cursor_up(self) -> None:
        """Move up one row."""
        self._move(self.cursor - 1)

    def action_cursor_down(self) -> None:
        """Move down one row."""
        self._move(self.cursor + 1)

    def action_page_up(self) -> None:
        """Move up one screen."""
        self._move(self.cursor - self.page_height)

    def action_page_down(self) -> None:
        """Move down one screen."""
        self._move(self.cursor + self.page_height)

    def action_first(self) -> None:
        """Go to the most urgent incident."""
        self._move(0)

    def action_last(self) -> None:
        """Go to the least urgent incident."""
        self._move(len(self.store) - 1)

    def action_open(self) -> None:
        """Open the selected incident's details."""
        if self.selected_id is not None:
            self.post_message(self.Opened(self.selected_id))

    def on_click(self, event: events.Click) -> None:
        """Select the clicked row (mouse users exist, even on a keyboard tool)."""
        if event.y >= 1:
            self._move(round(self.scroll_offset.y) + event.y - 1)

    # --- painting ----------------------------------------------------------------------

    def on_resize(self) -> None:
        """Re-lay the columns for the new width."""
        self._columns = columns_for(self.scrollable_content_region.width, self.options.columns)
        self._sync_size()

    def notify_style_update(self) -> None:
        """Forget cached styles when the theme or CSS changes."""
        super().notify_style_update()
        self._styles.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name, partial=True)
        return style

    def render_line(self, y: int) -> Strip:
        """Line 0 is the header; line y >= 1 is queue row scroll_y + y - 1."""
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        index = round(self.scroll_offset.y) + y - 1
        if index >= len(self.store):
            return Strip.blank(width, self.rich_style)
        return self._row(self.store.row(index), index == self.cursor, width)

    def _header(self, width: int) -> Strip:
        style = self.rich_style + self._style("queue--header")
        segments = []
        for column in self._columns:
            cells = column.width or max(width - self._fixed_width(), 0)
            segments.append(Segment(set_cell_size(column.header, cells) + " ", style))
        return Strip(segments).crop_extend(0, width, self.rich_style)

    def _fixed_width(self) -> int:
        return sum(column.width + 1 for column in self._columns if column.width)

    def _row(self, incident: Incident, is_cursor: bool, width: int) -> Strip:
        base = self.rich_style
        if incident.id in self._flash:
            base += self._style("queue--changed")
        if is_cursor:
            base += self._style("queue--cursor")
        now = self.clock()
        segments: list[Segment] = []
        for column in self._columns:
            cells = column.width or max(width - self._fixed_width(), 0)
            text, style = self._cell(column.key, incident, now)
            segments.append(Segment(set_cell_size(text, cells), base + style if style else base))
            segments.append(Segment(" ", base))
        return Strip(segments).crop_extend(0, width, base)

    def _cell(self, key: str, incident: Incident, now: datetime) -> tuple[str, Style | None]:
        if key == "mark":
            mark = ("●" if incident.id in self.marked else " ") + (
                "↻" if self.pending.get(incident.id) else " "
            )
            return mark, self._style("queue--mark")
        if key == "sev":
            label = self.options.severity_labels.get(incident.severity, incident.severity.value)
            return label, self._style(f"queue--{incident.severity.value.lower()}")
        if key == "id":
            return clean(incident.id, 20), None
        if key == "age":
            return age(incident, now), None
        if key == "sla":
            text, breached = sla(incident, now)
            return text, self._style("queue--breached") if breached else None
        if key == "status":
            return STATUS_SHORT[incident.status], None
        if key == "region":
            return incident.region, None
        if key == "category":
            return category_label(incident.category), None
        if key == "assignee":
            return clean(incident.assignee or "—", 40), None
        if key == "title":
            if incident.sensitive and not self._is_revealed(incident.id):
                return MASK, self._style("queue--masked")
            return clean(incident.title, 300), None
        return "", None

    def _is_revealed(self, incident_id: str) -> bool:
        return is_revealed(self.options, self.revealed, incident_id)

    def severity_style(self, severity: Severity) -> Style:
        """The style of a severity label, for other widgets to match the queue."""
        return self._style(f"queue--{severity.value.lower()}")
