"""An incident's protocols as the detail pane and the dialog word them: plain text, no Textual.

Each run is a headline (progress, then the protocol's label) and one line a step:
`✓` done (by whom, when, in the shift zone), `☐` to do, and `⏱ rule` where
ticking it starts a clock. Text from the catalogue or a backend goes through `clean`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rr_tui.deadlines import ProtocolRun, ProtocolStep
from rr_tui.present.format import stamp
from rr_tui.sanitize import clean

DONE = "✓"
TODO = "☐"
STARTS = "⏱"


@dataclass(frozen=True)
class RunLine:
    """One line of a run: its text and how it looks ("head", "done" or "")."""

    text: str
    tone: str


def step_text(run: ProtocolRun, step: ProtocolStep, now: datetime, zone: str) -> RunLine:
    """`✓ label — by lee.lead 14:35` or `☐ label ⏱ us-ncmec-report`."""
    label = clean(step.label, 200)
    ticked = run.ticked(step.id)
    if ticked is not None:
        by = f"{clean(ticked.by, 64)} {stamp(ticked.at, zone, now)}"
        return RunLine(f"{DONE} {label} — {by}", "done")
    starts = f" {STARTS} {clean(step.starts, 64)}" if step.starts else ""
    return RunLine(f"{TODO} {label}{starts}", "")


def head_text(run: ProtocolRun) -> str:
    """`CSAM 2/5  Child sexual exploitation: …`, `complete` once every step is ticked."""
    done = "  complete" if run.complete else ""
    return f"{clean(run.progress, 40)}{done}  {clean(run.protocol.label, 200)}"


def run_lines(runs: Iterable[ProtocolRun], now: datetime, zone: str) -> list[RunLine]:
    """Every run of an incident, the latest activated first, each with its steps in order."""
    lines: list[RunLine] = []
    for run in sorted(runs, key=lambda kept: (kept.activated_at, kept.id), reverse=True):
        lines.append(RunLine(head_text(run), "head"))
        for step in run.protocol.steps.values():
            found = step_text(run, step, now, zone)
            lines.append(RunLine(f"  {found.text}", found.tone))
    return lines
