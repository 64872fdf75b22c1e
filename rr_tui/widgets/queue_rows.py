"""How one queue line is drawn: the header and an incident's row, cell by cell.

`QueueRows` knows the columns laid out for the current width and the styles of
the queue's component classes; `QueueView` (widgets/queue.py) decides which
lines to paint and when. Kept apart so the widget holds data, cursor and
repaint, and this holds what a row looks like.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from rr_tui.models import Incident
from rr_tui.options import DashboardOptions
from rr_tui.present.columns import Column, cell_text, columns_for
from rr_tui.present.format import deadline, sla, steady
from rr_tui.present.masks import QUEUE_MASK

CLOCK_COLUMNS = frozenset({"age", "sla", "deadline"})
"""Columns whose text changes with the clock alone: the only cells a tick may repaint."""


class QueueRows:
    """The queue's columns for a width, and the strips of its header and rows."""

    def __init__(self, options: DashboardOptions, style: Callable[[str], Style]) -> None:
        self.options = options
        self.style = style
        """A component class's style (`queue--sev0`, `queue--cursor`, ...), cached by the widget."""
        self.columns: list[Column] = columns_for(80, options.columns)

    def lay_out(self, width: int, *, clocks: bool, ids: int = 0) -> None:
        """Choose the columns for `width` cells (LEGAL only while some clock runs; ID as
        wide as `ids`, the longest id held, needs)."""
        self.columns = columns_for(width, self.options.columns, clocks=clocks, ids=ids)

    def clock_texts(self, incident: Incident, now: datetime) -> tuple[str, ...]:
        """The texts of the row's cells that move with the clock (AGE, SLA, LEGAL)."""
        return tuple(
            cell_text(column.key, incident, now, self.options.severity_labels)
            for column in self.columns
            if column.key in CLOCK_COLUMNS
        )

    def steady_until(self, incident: Incident, now: datetime) -> datetime:
        """Until when the row's clock cells surely read as they do at `now` (`format.steady`).

        The tick compares a row's texts again only from then on: most rows read minutes
        or hours, and their texts stand still for most seconds.
        """
        moving: list[timedelta] = []
        for column in self.columns:
            if column.key == "age":
                moving.append(now - incident.created_at)
            elif column.key == "sla" and sla(incident, now)[0] != "—":
                moving.append(incident.due_at - now)
            elif column.key == "deadline" and incident.deadline_at is not None:
                moving.append(incident.deadline_at - now)
        if not moving:
            return datetime.max.replace(tzinfo=now.tzinfo)
        return now + timedelta(seconds=min(steady(delta) for delta in moving))

    def header(self, width: int, base: Style) -> Strip:
        """The header line."""
        style = base + self.style("queue--header")
        segments = []
        for column in self.columns:
            cells = column.width or max(width - self._fixed_width(), 0)
            segments.append(Segment(set_cell_size(column.header, cells) + " ", style))
        return Strip(segments).crop_extend(0, width, base)

    def row(
        self,
        incident: Incident,
        now: datetime,
        width: int,
        base: Style,
        *,
        marked: Collection[str],
        pending: Collection[str],
        masked: bool,
    ) -> Strip:
        """An incident's line on `base` (the widget's style with flash and cursor added)."""
        segments: list[Segment] = []
        for column in self.columns:
            cells = column.width or max(width - self._fixed_width(), 0)
            text, style = self._cell(column.key, incident, now, marked, pending, masked)
            segments.append(Segment(set_cell_size(text, cells), base + style if style else base))
            segments.append(Segment(" ", base))
        return Strip(segments).crop_extend(0, width, base)

    def _fixed_width(self) -> int:
        return sum(column.width + 1 for column in self.columns if column.width)

    def _cell(
        self,
        key: str,
        incident: Incident,
        now: datetime,
        marked: Collection[str],
        pending: Collection[str],
        masked: bool,
    ) -> tuple[str, Style | None]:
        if key == "mark":
            mark = ("●" if incident.id in marked else " ") + (
                "↻" if incident.id in pending else " "
            )
            return mark, self.style("queue--mark")
        if key == "title" and masked:
            labels = self.options.severity_labels
            text = cell_text(key, incident, now, labels, masked=QUEUE_MASK)
            return text, self.style("queue--masked")
        text = cell_text(key, incident, now, self.options.severity_labels)
        if key == "title" and incident.sensitive and self.options.wellbeing.soften_sensitive:
            # Revealed, but drawn like the mask (muted, no colour): it reads, it does not shout.
            return text, self.style("queue--masked")
        if key == "sev":
            return text, self.style(f"queue--{incident.severity.value.lower()}")
        if key == "sla" and sla(incident, now)[1]:
            return text, self.style("queue--breached")
        if key == "deadline" and (state := deadline(incident, now)[1]):
            return text, self.style("queue--breached" if state == "missed" else "queue--near")
        return text, None
