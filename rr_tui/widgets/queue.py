"""The incident queue: a line-API ScrollView that paints only the rows on screen.

Rows come from the `IncidentStore`'s sorted index, so a repaint costs the
visible rows, whatever the queue holds. The cursor follows an incident, not a
row number: when a poll re-sorts the queue, the selected incident stays selected
wherever it moved.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from rr_tui.models import Incident
from rr_tui.options import DashboardOptions
from rr_tui.present.masks import is_revealed
from rr_tui.sync.store import IncidentStore, StoreChange
from rr_tui.widgets.queue_rows import QueueRows


class QueueView(ScrollView, can_focus=True):
    """The live queue. Post-only: it reads the store and reports the selected incident."""

    COMPONENT_CLASSES = {
        "queue--header",
        "queue--cursor",
        "queue--changed",
        "queue--breached",
        "queue--near",
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
    QueueView > .queue--near { color: $warning; text-style: bold; }
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

    marked: reactive[frozenset[str]] = reactive(frozenset)
    """Rows marked for a bulk action (set by the screen, which owns the marks)."""
    pending: reactive[frozenset[str]] = reactive(frozenset)
    """Incidents with actions waiting for the backend (set by the screen)."""
    revealed: reactive[frozenset[str]] = reactive(frozenset)
    """Sensitive incidents whose default masking `v` flipped (set by the screen)."""

    class Highlighted(Message):
        """The selected incident to show: another one, the same one changed, or none.

        Posted when the cursor moves and when the selected incident itself
        changes; in a burst only the last one is handled (`can_replace`).
        """

        def __init__(self, incident_id: str | None) -> None:
            super().__init__()
            self.incident_id = incident_id

        def can_replace(self, message: Message) -> bool:
            """A newer selection makes an older one waiting in the queue moot."""
            return isinstance(message, QueueView.Highlighted)

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
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self.options = options
        self.clock = clock
        self.cursor = 0
        self.selected_id: str | None = None
        self._flash: dict[str, float] = {}
        self.rows = QueueRows(options, self._style)
        """How a line is drawn (columns for the width, cells, styles)."""
        self._styles: dict[str, Style] = {}
        self._painted: dict[int, tuple[str, tuple[str, ...], datetime, datetime]] = {}
        """Screen line -> (incident id, clock-driven cell texts, the time they were painted
        at, until when they surely read the same) as last painted."""
        self._hidden: str | None = None
        """The incident the cursor was on when a view hid it (found again by the next)."""
        self._clocked: set[str] = set()
        """Incidents with a legal clock running: while any, the LEGAL column shows."""
        self._longest_id = 0
        """Characters of the longest id held: the ID column's width follows it."""

    # --- data in -------------------------------------------------------------------

    def store_changed(self, change: StoreChange) -> None:
        """Take a change of the store: resize, keep the cursor on its incident, flash rows.

        If the selected incident itself changed, it is announced again
        (`Highlighted`), so the detail pane follows through the same route.
        """
        if not change.reset and change.changed:
            now = time.monotonic()
            for incident_id in change.changed:
                self._flash[incident_id] = now
            self.set_timer(self.options.flash_seconds + 0.05, self._expire_flash)
        self._track_clocks(change)
        self._track_ids(change)
        self._sync_size()
        before = self.selected_id
        if change.reset:
            self._switch_view()
        else:
            hidden = self._hidden  # a poll is not the user moving the cursor
            self._follow_selection()
            self._hidden = hidden
        selected = self.selected_id
        if (
            selected is not None
            and selected == before
            and (change.reset or selected in change.changed)
        ):
            self.post_message(self.Highlighted(selected))
        if change:
            # A poll that changed nothing (most polls) repaints nothing; clocks are `tick`'s.
            self.refresh()

    def tick(self) -> None:
        """Repaint the rows whose AGE or SLA text the clock has changed since they were painted.

        Called every second by the screen: a row whose text is unchanged is not
        rendered again (under a minute AGE changes each second, above it each minute).
        """
        now = self.clock()
        top = round(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        for y, (incident_id, texts, at, until) in list(self._painted.items()):
            if at <= now < until:
                # Its texts cannot have moved yet: not even worth looking at (a row whose
                # incident moved was repainted by `store_changed`, or is about to be).
                continue
            index = top + y - 1
            if index >= len(self.store):
                continue
            incident = self.store.row(index)
            if incident.id != incident_id or self.rows.clock_texts(incident, now) != texts:
                self.refresh(Region(0, y, width, 1))
            else:
                # It reads the same: not looked at again until it may have moved.
                until = self.rows.steady_until(incident, now)
                self._painted[y] = (incident_id, texts, now, until)

    @property
    def flashing(self) -> frozenset[str]:
        """Incidents whose rows are marked as new or changed right now."""
        return frozenset(self._flash)

    def _expire_flash(self) -> None:
        cutoff = time.monotonic() - self.options.flash_seconds
        self._flash = {key: at for key, at in self._flash.items() if at > cutoff}
        self.refresh()

    def _track_clocks(self, change: StoreChange) -> None:
        had = bool(self._clocked)
        self._clocked -= change.removed
        for incident_id in change.changed:
            incident = self.store.get(incident_id)
            if incident is not None and incident.deadline_at is not None:
                self._clocked.add(incident_id)
            else:
                self._clocked.discard(incident_id)
        if bool(self._clocked) != had:
            self.on_resize()

    def _track_ids(self, change: StoreChange) -> None:
        # Ids never change and are dropped only by a reset: a delta can only widen the
        # column, a reset measures what is held again (once, not per poll).
        if change.reset:
            longest = max((len(incident.id) for incident in self.store), default=0)
        else:
            longest = max((len(i) for i in change.added), default=self._longest_id)
            longest = max(longest, self._longest_id)
        if longest != self._longest_id:
            self._longest_id = longest
            self.on_resize()

    def _sync_size(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.store) + 1)

    def _switch_view(self) -> None:
        """A new view (or a full reload): keep the cursor on the incident if it still shows.

        One hidden by this view is remembered and found again by the next view that shows
        it (`open` → `urgent` → `new`), unless the cursor was moved in between.
        """
        wanted = self._hidden or self.selected_id
        if wanted and self.store.index_of(wanted) is not None:
            self.selected_id, self._hidden = wanted, None
        elif wanted:
            self._hidden = wanted
        hidden = self._hidden
        self._follow_selection()
        self._hidden = hidden  # `_move` forgets it: only the user's moves should

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
        self._hidden = None
        count = len(self.store)
        index = max(0, min(index, count - 1)) if count else 0
        previous, previous_index = self.selected_id, self.cursor
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
        if round(self.scroll_offset.y) != top:
            return  # scrolling repaints every line
        # The old cursor line and the new one; a move to the same row repaints nothing.
        width = self.scrollable_content_region.width
        for row in {previous_index, index} if index != previous_index else ():
            self.refresh(Region(0, row - top + 1, width, 1))

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
        """Re-lay the columns for the new width; keep the cursor's row in view (a toast at
        80 columns takes lines from the queue)."""
        self.rows.lay_out(
            self.scrollable_content_region.width,
            clocks=bool(self._clocked),
            ids=self._longest_id,
        )
        self._sync_size()
        self.call_after_refresh(self._keep_in_view)

    def _keep_in_view(self) -> None:
        hidden = self._hidden
        self._move(self.cursor, scroll=True)
        self._hidden = hidden

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
            return self.rows.header(width, self.rich_style)
        index = round(self.scroll_offset.y) + y - 1
        if index >= len(self.store):
            self._painted.pop(y, None)
            return Strip.blank(width, self.rich_style)
        incident = self.store.row(index)
        now = self.clock()
        texts = self.rows.clock_texts(incident, now)
        # (A clock moved back, by the backend's offset, is before `now`: compared again.)
        self._painted[y] = (incident.id, texts, now, self.rows.steady_until(incident, now))
        return self._row(incident, index == self.cursor, width)

    def _row(self, incident: Incident, is_cursor: bool, width: int) -> Strip:
        base = self.rich_style
        if incident.id in self._flash:
            base += self._style("queue--changed")
        if is_cursor:
            base += self._style("queue--cursor")
        masked = incident.sensitive and not self._is_revealed(incident.id)
        return self.rows.row(
            incident,
            self.clock(),
            width,
            base,
            marked=self.marked,
            pending=self.pending,
            masked=masked,
        )

    def _is_revealed(self, incident_id: str) -> bool:
        return is_revealed(self.options.reveal_sensitive, self.revealed, incident_id)
