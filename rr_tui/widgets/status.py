"""The status bar: shift clock, queue counts, and the truth about the connection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from rr_tui.models import Severity
from rr_tui.present.format import SEVERITY_STYLE, clock, severity_label, span
from rr_tui.sanitize import clean
from rr_tui.sync.connection import FIX_TOKEN, Connection, LinkState, Problem

SKEW_SHOWN = timedelta(minutes=2)
"""A clock offset from the backend at least this large is shown (it is corrected anyway)."""


def skew_text(offset: timedelta) -> Text | None:
    """`⚠ clock 40m slow` (or fast) when this machine's clock is far off the backend's."""
    if abs(offset) < SKEW_SHOWN:
        return None
    word = "slow" if offset > timedelta(0) else "fast"
    return Text(f"⚠ clock {span(abs(offset))} {word}", "bold yellow")


def connection_text(connection: Connection, now: datetime, zone: str) -> Text:
    """`● live · 1s ago` (`● live · pushed` from a backend that pushes), `◌ retrying in 4s`,
    `✖ offline since 14:02 · data 3m old`.

    `◐ behind · 1s ago · more pages waiting` when polls keep leaving pages unread;
    `◌ stalled · no answer for 5s · data 6s old` when a poll neither answers nor fails;
    `✖ token refused (401) · check the token: rr-tui check-config · retrying in 5m`.
    A failing link says why in words: no server, not an rr server, server failing.
    """
    text = Text()
    age = f"data {span(now - connection.last_ok)} old" if connection.last_ok else "no data yet"
    retry = ""
    if connection.retry_at is not None:
        retry = f"retrying in {span(max(connection.retry_at - now, timedelta(0)))}"
    if connection.state is LinkState.LIVE:
        assert connection.last_ok is not None
        text.append("● live", "bold green")
        if connection.pushed:
            # Not "Ns ago": under push that counts 0-2s between heartbeats and says nothing
            # (a change shows as it commits, silence turns stalled); the line stays still.
            text.append(" · pushed", "green")
        else:
            text.append(f" · {span(now - connection.last_ok)} ago", "green")
    elif connection.state is LinkState.BEHIND:
        assert connection.last_ok is not None
        text.append("◐ behind", "bold yellow")
        text.append(f" · {span(now - connection.last_ok)} ago · more pages waiting", "yellow")
    elif connection.state is LinkState.CONNECTING:
        text.append("◌ connecting…", "bold yellow")
    elif connection.state is LinkState.STALLED:
        waited = now - (connection.waiting_since or now)
        text.append("◌ stalled", "bold yellow")
        text.append(f" · no answer for {span(max(waited, timedelta(0)))} · {age}", "yellow")
    elif connection.state is LinkState.RETRYING:
        text.append(f"◌ {retry}", "bold yellow")
        text.append(f" · {_reason(connection)}{age}", "yellow")
    elif connection.state is LinkState.REFUSED:
        text.append(f"✖ {connection.problem or Problem.TOKEN_REFUSED}", "bold red")
        text.append(f" · {FIX_TOKEN} · {retry}", "red")
    else:
        since = connection.failing_since or now
        text.append(f"✖ offline since {clock(since, zone)[:5]}", "bold red")
        text.append(f" · {_reason(connection)}{age} · {retry}", "red")
    return text


def _reason(connection: Connection) -> str:
    """`no server · ` (the problem in words and a separator), or "" if none is known."""
    return f"{connection.problem} · " if connection.problem else ""


@dataclass(frozen=True)
class StatusInfo:
    """Everything the status bar says, as one value: the screen builds it, the bar renders it."""

    title: str
    now: datetime
    connection: Connection
    counts: Mapping[Severity, int]
    labels: Mapping[Severity, str]
    zones: tuple[str, ...] = ("UTC",)
    view: str = ""
    """The saved view the queue shows ("" when no views are configured)."""
    skipped: int = 0
    backend: str = ""
    waiting: int = 0
    marked: int = 0
    conflicts: int = 0
    """Actions waiting for the user's decision after someone else changed their incident."""
    unacknowledged: int = 0
    """New urgent incidents (SEV0/SEV1 by default) nobody has acknowledged yet."""
    handover: str = ""
    """Who wrote the newest handover note not yet acknowledged ("": none waiting)."""
    wellbeing: str = ""
    """The analyst's reveal count and break timer, when they asked for it ("": not shown)."""


def _face(status: StatusInfo) -> StatusInfo:
    """The status as far as its line can show: to the minute while nothing on it counts seconds.

    The clocks show minutes; a live pushed link (and one still connecting)
    shows no age, so its last answer's time is not on the line either.
    """
    link = status.connection
    if not ((link.state is LinkState.LIVE and link.pushed) or link.state is LinkState.CONNECTING):
        return status
    minute = status.now.replace(second=0, microsecond=0)
    return replace(status, now=minute, connection=replace(link, last_ok=None))


class StatusBar(Widget):
    """One line across the top, rendered from its `status` (set every second and on changes).

    A new value whose line reads the same as the one on screen repaints nothing:
    the clock shows minutes, so most seconds only "Ns ago" moves, and at
    "2m ago" not even that.
    """

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    status: reactive[StatusInfo | None] = reactive(None, layout=False, repaint=False)
    """What to say; None before the dashboard has anything."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: Text | None = None
        self._counted: dict[tuple[object, ...], Text] = {}
        self._face: StatusInfo | None = None
        """The last status as its line reads it (`_face`): an equal one is not built again."""
        self._next: tuple[int, Text] | None = None
        """The line `watch_status` built for the coming repaint, and the width it was built for."""

    def watch_status(self) -> None:
        """Repaint only when the line would read or look different."""
        face = None if self.status is None else _face(self.status)
        if face is not None and face == self._face:
            return  # set every second; most seconds nothing on the line moved
        self._face = face
        line = self.line()
        if line != self._shown:
            self._next = (self.size.width, line)
            self.refresh()

    def render(self) -> Text:
        """The line as it is painted (and remembered, to compare the next status with)."""
        built = self._next
        self._next = None
        # Built once per change, not again here; unless the width changed since (it decides
        # which parts fit).
        fits = built is not None and built[0] == self.size.width
        self._shown = built[1] if built is not None and fits else self.line()
        return self._shown

    def line(self) -> Text:
        """The line, dropping the least useful parts that do not fit the width."""
        status = self.status
        if status is None:
            return Text()
        zone = status.zones[0] if status.zones else "UTC"
        # (priority, text): lower priority numbers survive a narrow terminal.
        parts: list[tuple[int, Text]] = [(2, Text(clean(status.title, 40), "bold"))]
        if status.view:
            # Always shown: an empty `mine` view must not look like an empty queue.
            parts.append((0, Text(f"view {clean(status.view, 20)}", "bold")))
        for position, name in enumerate(status.zones):
            parts.append((3 if position == 0 else 6, Text(clock(status.now, name))))
        parts.append((5, Text(clock(status.now, "UTC"))))
        parts.append((0, connection_text(status.connection, status.now, zone)))
        skew = skew_text(status.connection.clock_offset)
        if skew is not None:
            parts.append((1, skew))
        parts.append((1, self._counts(status)))
        counts_at = len(parts) - 1
        if status.unacknowledged:
            # Stays until acknowledged: a toast goes, this does not.
            parts.append((0, Text(f"⚑ {status.unacknowledged} to ack [!]", "bold red")))
        if status.handover:
            # Stays until the incoming lead acknowledges it on the handover screen.
            parts.append((1, Text(f"✉ handover from {clean(status.handover, 30)} [H]", "bold")))
        if status.wellbeing:
            # Below the alarms and counts: a narrow bar drops it first among them.
            parts.append((4, Text(clean(status.wellbeing, 60), "dim")))
        if status.waiting:
            parts.append((0, Text(f"↻ {status.waiting} waiting", "bold yellow")))
        if status.conflicts:
            word = "conflict" if status.conflicts == 1 else "conflicts"
            parts.append((0, Text(f"⚠ {status.conflicts} {word} [C]", "bold red")))
        if status.marked:
            parts.append((1, Text(f"● {status.marked} marked", "bold")))
        if status.skipped:
            parts.append((4, Text(f"⚠ {status.skipped} bad records skipped", "bold yellow")))
        connection = status.connection
        if connection.error and connection.state is not LinkState.LIVE:
            parts.append((7, Text(clean(connection.error, 120), "dim")))
        if status.backend:
            parts.append((8, Text(clean(status.backend, 60), "dim")))
        width = max(self.size.width, 20) if self.size.width else 200
        if sum(part.cell_len + 3 for _, part in parts) > width:
            # Narrow: the counts without their decoration, so they stay beside the alarms.
            parts[counts_at] = (1, self._counts(status, compact=True))
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
        return text

    def _counts(self, status: StatusInfo, *, compact: bool = False) -> Text:
        # The counts move with changes, not with the clock: built once per reading.
        key = (tuple(status.counts.items()), tuple(status.labels.items()), compact)
        cached = self._counted.get(key)
        if cached is None:
            if len(self._counted) > 64:
                self._counted.clear()
            cached = self._counted[key] = self._count_text(status, compact=compact)
        return cached

    @staticmethod
    def _count_text(status: StatusInfo, *, compact: bool = False) -> Text:
        counts = status.counts
        text = Text("" if compact else f"{sum(counts.values())} open: ")
        for position, severity in enumerate(Severity):
            count = counts.get(severity, 0)
            if position:
                text.append(" " if compact else " · ")
            label = severity_label(status.labels, severity)
            text.append(f"{label} {count}", SEVERITY_STYLE.get(severity, "") if count else "dim")
        return text
