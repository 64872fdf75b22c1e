"""The trends screen (`T`): volume over the last two days, by market or category, and per
severity the median times to acknowledge and mitigate, the SLA attainment and the legal
deadlines met (`n/a` where the backend keeps no clocks).

Drawn with Textual's own `Sparkline` (opened per hour) and text bars, so it reads at
80x24 and on the high-contrast theme (bars are characters, not colours). `g` cycles
the grouping, `r` reads again, `escape` goes back. The figures come from the rr
server's analytics endpoint (or are computed from the queue on other backends).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Sparkline, Static

from rr_tui.models import Bucket, Grouping, Incident, Trends, duration_text
from rr_tui.present.format import category_label
from rr_tui.sanitize import clean
from rr_tui.sync.shift import HandoverPort

HOURS = 48
BAR = 30
"""Cells of the longest bar."""
TOP = 8
"""Groups shown, the busiest first."""

GROUPS = (Grouping.REGION, Grouping.CATEGORY, Grouping.SEVERITY)
LABELS = {Grouping.REGION: "market", Grouping.CATEGORY: "category", Grouping.SEVERITY: "severity"}


def hourly(trends: Trends) -> list[float]:
    """Opened per hour over the window, zero hours included (oldest first)."""
    totals: Counter[str] = Counter()
    for row in trends.opened:
        totals[row.bucket] += row.count
    start = trends.since.replace(minute=0, second=0, microsecond=0)
    hours = int((trends.until - start) / timedelta(hours=1)) + 1
    stamps = (start + timedelta(hours=n) for n in range(hours))
    return [float(totals[f"{moment:%Y-%m-%dT%H}"]) for moment in stamps]


def describe(trends: Trends) -> Text:
    """The bars by group and the severity table, as text."""
    text = Text()
    by_group: Counter[str] = Counter()
    for row in trends.opened:
        by_group[row.key] += row.count
    text.append(f"Opened by {LABELS[trends.group]}\n", "bold")
    most = max(by_group.values(), default=0)
    for key, count in by_group.most_common(TOP):
        name = category_label(key) if trends.group is Grouping.CATEGORY else key
        bar = "█" * max(1, round(BAR * count / most)) if most else ""
        text.append(f"  {clean(name, 18):<18} {bar} {count}\n")
    if not by_group:
        text.append("  nothing opened in the window\n", "dim")
    text.append(
        f"\n{_row('SEV', 'opened', 'ack (median)', 'mitigate (median)', 'SLA met')}", "bold"
    )
    text.append("  clocks met\n", "bold")
    for band in trends.severities:
        ack = duration_text(_span(band.median_ack_seconds))
        mitigate = duration_text(_span(band.median_mitigate_seconds))
        met = _share(band.sla_met, band.sla_missed)
        clocks = (
            "n/a"
            if band.clocks_met is None or band.clocks_missed is None
            else _share(band.clocks_met, band.clocks_missed)
        )
        line = _row(band.severity.value, str(band.opened), ack, mitigate, met)
        text.append(f"{line}  {clocks}\n")
    if any(band.clocks_met is None for band in trends.severities):
        text.append("Legal clocks: not available from this backend.", "dim")
    else:
        text.append("Legal clocks: met late or past due counts as missed.", "dim")
    return text


def _row(severity: str, opened: str, ack: str, mitigate: str, sla: str) -> str:
    """One line of the severity table, the header's columns and the figures' aligned."""
    return f"{severity:<4}  {opened:>7}  {ack:>12}  {mitigate:>17}  {sla:<11}"


def _share(met: int, missed: int) -> str:
    """`75% of 4`: the share met of those decided; `-` when none is."""
    decided = met + missed
    return f"{100 * met // decided}% of {decided}" if decided else "-"


def _span(seconds: float | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=seconds)


class TrendsScreen(Screen[None]):
    """Opened per hour as a sparkline, bars by group, the severity table."""

    DEFAULT_CSS = """
    TrendsScreen #trends-title { height: 1; background: $panel; padding: 0 1; }
    TrendsScreen #trends-spark { height: 3; margin: 1 1 0 1; }
    TrendsScreen #trends-axis { height: 1; padding: 0 1; color: $text-muted; }
    TrendsScreen #trends-body { height: 1fr; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape,T", "app.pop_screen", "Back", id="trends.back"),
        Binding("g", "next_group", "Group by", id="trends.group"),
        Binding("r", "reload", "Read again", id="trends.reload"),
    ]

    def __init__(self, desk: HandoverPort, incidents: Iterable[Incident]) -> None:
        super().__init__()
        self.desk = desk
        self.incidents = list(incidents)
        self.group = Grouping.REGION

    def compose(self) -> ComposeResult:
        """Title, sparkline with its axis, the figures, the footer."""
        yield Static("TRENDS · reading…", id="trends-title")
        yield Sparkline([], id="trends-spark")
        yield Static("", id="trends-axis")
        with VerticalScroll(id="trends-body"):
            yield Static("", id="trends-text")
        yield Footer()

    def on_mount(self) -> None:
        """Read the trends as soon as the screen shows."""
        self._load()

    def action_reload(self) -> None:
        """Read the trends again."""
        self._load()

    def action_next_group(self) -> None:
        """Group the bars by the next of market, category, severity."""
        self.group = GROUPS[(GROUPS.index(self.group) + 1) % len(GROUPS)]
        self._load()

    @work(exclusive=True, group="trends", exit_on_error=False)
    async def _load(self) -> None:
        trends = await self.desk.trends_or_reason(self.incidents, HOURS, Bucket.HOUR, self.group)
        title = self.query_one("#trends-title", Static)
        if isinstance(trends, str):
            # The reason carries a backend's words: text, never markup.
            title.update(Text(f"TRENDS · {clean(trends, 200)}"))
            return
        counts = hourly(trends)
        title.update(
            f"TRENDS · last {HOURS}h · {int(sum(counts))} opened · peak {int(max(counts))}/h"
            f" · by {LABELS[self.group]} (g)"
        )
        self.query_one(Sparkline).data = counts
        self.query_one("#trends-axis", Static).update(_axis(trends.since, trends.until))
        self.query_one("#trends-text", Static).update(describe(trends))


def _axis(since: datetime, until: datetime) -> Text:
    return Text(f"{since:%d %b %H:%M} UTC  →  {until:%d %b %H:%M} UTC, opened per hour")
