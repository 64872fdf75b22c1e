"""The status bar: shift clock, queue counts, and the truth about the connection."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.widgets import Static

from rr_tui.models import Severity
from rr_tui.options import DashboardOptions
from rr_tui.sanitize import clean
from rr_tui.sync.connection import Connection, LinkState
from rr_tui.widgets.format import SEVERITY_STYLE, clock, span


def connection_text(connection: Connection, now: datetime, zone: str) -> Text:
    """`● live · 1s ago`, `◌ retrying in 4s`, `✖ offline since 14:02 · data 3m old`."""
    text = Text()
    age = f"data {span(now - connection.last_ok)} old" if connection.last_ok else "no data yet"
    retry = ""
    if connection.retry_at is not None:
        retry = f"retrying in {span(max(connection.retry_at - now, timedelta(0)))}"
    if connection.state is LinkState.LIVE:
        assert connection.last_ok is not None
        text.append("● live", "bold green")
        text.append(f" · {span(now - connection.last_ok)} ago", "green")
    elif connection.state is LinkState.CONNECTING:
        text.append("◌ connecting…", "bold yellow")
    elif connection.state is LinkState.RETRYING:
        text.append(f"◌ {retry}", "bold yellow")
        text.append(f" · {age}", "yellow")
    else:
        since = connection.failing_since or now
        text.append(f"✖ offline since {clock(since, zone)[:5]}", "bold red")
        text.append(f" · {age} · {retry}", "red")
    return text


class StatusBar(Static):
    """One line across the top. Rebuilt by the screen every second and after every poll."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def render_status(
        self,
        options: DashboardOptions,
        now: datetime,
        connection: Connection,
        counts: dict[Severity, int],
        *,
        skipped: int = 0,
        backend: str = "",
        waiting: int = 0,
        marked: int = 0,
    ) -> None:
        """Redraw from the current state, dropping the least useful parts that do not fit."""
        zone = options.zones[0] if options.zones else "UTC"
        # (priority, text): lower priority numbers survive a narrow terminal.
        parts: list[tuple[int, Text]] = [(2, Text(clean(options.title, 40), "bold"))]
        for position, name in enumerate(options.zones):
            parts.append((3 if position == 0 else 6, Text(clock(now, name))))
        parts.append((5, Text(clock(now, "UTC"))))
        parts.append((0, connection_text(connection, now, zone)))
        parts.append((1, self._counts(options, counts)))
        if waiting:
            parts.append((0, Text(f"↻ {waiting} waiting", "bold yellow")))
        if marked:
            parts.append((1, Text(f"● {marked} marked", "bold")))
        if skipped:
            parts.append((4, Text(f"⚠ {skipped} bad records skipped", "bold yellow")))
        if connection.error and connection.state is not LinkState.LIVE:
            parts.append((7, Text(clean(connection.error, 120), "dim")))
        if backend:
            parts.append((8, Text(clean(backend, 60), "dim")))
        width = max(self.size.width - 2, 20) if self.size.width else 200
        kept = sorted(range(len(parts)), key=lambda index: parts[index][0])
        chosen: set[int] = set()
        used = 0
        for index in kept:
            cost = parts[index][1].cell_len + 3
            if used + cost <= width or not chosen:
                chosen.add(index)
                used += cost
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, (_, part) in enumerate(parts):
            if index in chosen:
                if text:
                    text.append("   ")
                text.append_text(part)
        self.update(text)

    @staticmethod
    def _counts(options: DashboardOptions, counts: dict[Severity, int]) -> Text:
        text = Text(f"{sum(counts.values())} open: ")
        for position, severity in enumerate(Severity):
            count = counts.get(severity, 0)
            if position:
                text.append(" · ")
            label = options.severity_labels.get(severity, severity.value)
            text.append(f"{label} {count}", SEVERITY_STYLE.get(severity, "") if count else "dim")
        return text
