"""The shift handover summary drawn for the terminal: Rich text and tables, one renderable.

The same sections and figures as the Markdown of `rr-tui handover`
(`present.handover.render_markdown`), drawn directly: Textual's `Markdown` widget
built a widget per block and laid out every table cell, which took seconds for a
shift of sixty incidents under load. A Rich `Group` in one `Static` renders in a few
milliseconds. Every string from the backend is a `Text` built from cleaned plain
text, never markup, so a title like `[@click=app.quit]x[/]` shows as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from rr_tui.models import Incident, Severity, duration_text
from rr_tui.present import markdown as md
from rr_tui.present.handover import SOON, HandoverSummary, deadline_text
from rr_tui.present.masks import LIST_MASK
from rr_tui.sanitize import clean

HEADING = "bold underline"
"""Section headings: weight and underline, no colour, so they read on every theme."""


def _plain(value: object, limit: int = 120) -> str:
    return clean("" if value is None else str(value), limit) or "-"


def _title(incident: Incident, reveal: bool) -> Text:
    if incident.sensitive and not reveal:
        return Text(LIST_MASK, style="dim")
    return Text(_plain(incident.title))


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[str | Text]], widths: Sequence[int] = ()
) -> Table:
    """Columns sized to their cells, at least `widths` (so the severity bands line up); the
    last (a title) takes the rest and is cut with `…`."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    for n, header in enumerate(headers):
        last = n == len(headers) - 1
        table.add_column(
            header,
            no_wrap=True,
            overflow="ellipsis",
            ratio=1 if last else None,
            min_width=12 if last else (widths[n] if n < len(widths) else None),
        )
    for row in rows:
        # A plain `str` cell would be read as Rich markup: every cell is a `Text`.
        table.add_row(*(Text(cell) if isinstance(cell, str) else cell for cell in row))
    return table


def _incident_row(
    incident: Incident, middle: str, summary: HandoverSummary, reveal: bool
) -> tuple[str, str, str, str, Text]:
    owner = _plain(incident.assignee or "unassigned", 40)
    deadline = deadline_text(incident, summary.now)
    return (_plain(incident.id, 20), middle, owner, deadline, _title(incident, reveal))


def _section(parts: list[RenderableType], heading: str) -> None:
    parts.append(Text(""))
    parts.append(Text(heading, style=HEADING))


def _nothing(word: str = "Nothing.") -> Text:
    return Text(word, style="italic dim")


def handover_renderable(summary: HandoverSummary, *, reveal: bool = False) -> Group:
    """The handover, in the order and with the content of its Markdown export."""
    now = summary.now
    parts: list[RenderableType] = [
        Text(f"Shift handover: {md.when(summary.since)} to {md.when(now)}", style="bold"),
        Text(
            f"{len(summary.open)} open, {len(summary.at_risk)} breached or within "
            f"{duration_text(SOON)} of the SLA, {len(summary.changes)} changes this shift, "
            f"{len(summary.waiting)} escalations waiting."
        ),
    ]
    _section(parts, "Notes for the next shift")
    for note in summary.notes:
        line = Text("• ")
        line.append(_plain(note.author, 80), style="bold")
        line.append(f" at {md.when(note.created_at)}: ")
        line.append(_plain(note.note, 4_000))
        parts.append(line)
    if not summary.notes:
        parts.append(_nothing("No handover note waiting: rr-tui handover --note TEXT writes one."))
    rows = {i.id: _incident_row(i, i.status.value, summary, reveal) for i in summary.open}
    widths = [max((len(row[n]) for row in rows.values()), default=0) for n in range(4)]
    for severity in Severity:
        band = [rows[i.id] for i in summary.open if i.severity is severity]
        if band:
            _section(parts, f"Open {severity.value} ({len(band)})")
            headers = ("Incident", "Status", "Owner", "Next deadline", "Title")
            parts.append(_table(headers, band, widths))
    _section(parts, "Breached or about to")
    parts.append(
        _table(
            ("Incident", "Severity", "Owner", "Deadline", "Title"),
            (_incident_row(i, i.severity.value, summary, reveal) for i in summary.at_risk),
        )
        if summary.at_risk
        else _nothing()
    )
    _section(parts, "What changed this shift")
    parts.append(
        _table(
            ("At", "Incident", "What", "Who"),
            (
                (md.when(c.at), _plain(c.incident_id, 20), c.what, Text(_plain(c.actor, 60)))
                for c in summary.changes
            ),
        )
        if summary.changes
        else _nothing()
    )
    _section(parts, "Escalations waiting for an answer")
    parts.append(
        _table(
            ("Incident", "Escalated to", "Waiting", "Title"),
            (
                (
                    _plain(w.incident.id, 20),
                    _plain(", ".join(w.targets), 80),
                    duration_text(None if w.since is None else now - w.since),
                    _title(w.incident, reveal),
                )
                for w in summary.waiting
            ),
        )
        if summary.waiting
        else _nothing("None.")
    )
    return Group(*parts)
