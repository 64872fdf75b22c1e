"""The status bar: shift clock, queue counts, and the truth about the connection."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.widgets import Static

from rr_tui.models import Severity
from rr_tui.options import DashboardOptions
from rr_tui.sanitize import clean
from rr_tui.sync.connection import Connection, LinkState
from rr_tui.widgets.format import clock, span

_SEVERITY_STYLE = {
    Severity.SEV0: "bold white on red",
    Severity.SEV1: "bold black on dark_orange",
    Severity.SEV2: "bold yellow",
}


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
    ) -> None:
        """Redraw from the current state."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(clean(options.title, 40), "bold")
        text.append("  ")
        for zone in options.zones:
            text.append(clock(now, zone) + " | ")
        text.append(clock(now, "UTC"))
        text.append("   ")
        zone = options.zones[0] if options.zones else "UTC"
        text.append_text(connection_text(connection, now, zone))
        total = sum(counts.values())
        text.append(f"   {total} open: ")
        parts = [(severity, counts.get(severity, 0)) for severity in Severity]
        for position, (severity, count) in enumerate(parts):
            if position:
                text.append(" · ")
            label = options.severity_labels.get(severity, severity.value)
            text.append(f"{label} {count}", _SEVERITY_STYLE.get(severity, "") if count else "dim")
        if skipped:
            text.append(f"   ⚠ {skipped} bad records skipped", "bold yellow")
        if connection.error and connection.state is not LinkState.LIVE:
            text.append(f"   {clean(connection.error, 120)}", "dim")
        if backend:
            text.append(f"   {clean(backend, 60)}", "dim")
        self.update(text)
