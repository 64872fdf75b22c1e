"""Headless reports from a backend: `rr-tui postmortem ID`, `rr-tui handover`, `rr-tui trends`.

Each report reads what it needs through the same Backend adapter as the dashboard
(so it works on every backend), computes the milestones with the one definition in
`rr_tui.models.milestones`, and prints the document the `present` layer writes. A
backend error is one line on stderr and exit code 1; nothing half-written reaches
stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, TYPE_CHECKING

from rr_tui.config import Settings
from rr_tui.listing import fetch_all
from rr_tui.models import (
    Bucket,
    Contact,
    Grouping,
    Handover,
    HandoverCreate,
    Incident,
    TimelineEvent,
    Trends,
    milestones,
    trends_from,
)
from rr_tui.present import handover as shift
from rr_tui.present.postmortem import render_json, render_markdown
from rr_tui.sanitize import clean

if TYPE_CHECKING:
    from rr_tui.backends.base import Backend

TIMELINE_ROUNDS = 100
"""Timeline pages one report reads at most (the rr server serves 1,000 events a page)."""

HANDOVER_TIMELINES = 300
"""Timelines a handover reads at most: those of the incidents most recently changed."""


@dataclass(frozen=True)
class IncidentRecord:
    """One incident with its whole timeline and the directory to name its contacts."""

    incident: Incident
    timeline: list[TimelineEvent]
    contacts: list[Contact]

    def name(self, contact_id: str) -> str:
        """A contact id as people call them (the id if the directory does not know it)."""
        for contact in self.contacts:
            if contact.id == contact_id:
                return contact.name
        return contact_id


async def full_timeline(backend: Backend, incident_id: str) -> list[TimelineEvent]:
    """Every event of an incident's timeline, page after page."""
    events: list[TimelineEvent] = []
    for _ in range(TIMELINE_ROUNDS):
        page = await backend.timeline(incident_id, after=events[-1].seq if events else 0)
        if not page:
            break
        events.extend(page)
    return events


async def fetch_record(backend: Backend, incident_id: str) -> IncidentRecord | None:
    """The incident, its timeline and the directory; None if the backend has no such id."""
    try:
        store, _skipped = await fetch_all(backend)
        incident = store.get(incident_id)
        if incident is None:
            return None
        timeline = await full_timeline(backend, incident_id)
        contacts = await backend.contacts() or []
    finally:
        await backend.aclose()
    return IncidentRecord(incident, timeline, contacts)


def postmortem_text(record: IncidentRecord, fmt: str, *, now: datetime, reveal: bool) -> str:
    """The post-mortem draft of one record, as Markdown (`md`) or JSON."""
    facts = milestones(record.incident, record.timeline, now)
    if fmt == "json":
        return render_json(record.incident, record.timeline, facts, now=now, reveal=reveal)
    return render_markdown(
        record.incident, record.timeline, facts, now=now, reveal=reveal, names=record.name
    )


def print_postmortem(backend: Backend, settings: Settings, incident_id: str, fmt: str) -> int:
    """Print the post-mortem draft of `incident_id` to stdout; returns the exit code."""
    from rr_tui.backends.base import BackendError

    try:
        record = asyncio.run(fetch_record(backend, incident_id))
    except BackendError as error:
        print(f"rr-tui postmortem: {clean(error.message, 300)}", file=sys.stderr)
        return 1
    if record is None:
        print(f"rr-tui postmortem: no incident {clean(incident_id, 80)}", file=sys.stderr)
        return 1
    reveal = settings.dashboard_options().reveal_sensitive
    sys.stdout.write(postmortem_text(record, fmt, now=datetime.now(UTC), reveal=reveal))
    return 0


def shift_span(value: str) -> timedelta:
    """`8h`, `90m`, `1d`: how far back a handover looks (argparse type)."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*([mhd])\s*", value)
    if match is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a span such as 8h, 90m or 1d")
    unit = {"m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    span = timedelta(**{unit: int(match.group(1))})
    if not timedelta(0) < span <= timedelta(days=14):
        raise argparse.ArgumentTypeError("the span must be above 0 and at most 14 days")
    return span


async def fetch_handover(
    backend: Backend, since: datetime, now: datetime, note: str | None
) -> tuple[shift.HandoverSummary, list[str]]:
    """The shift's summary (after storing `note`, if given); and warnings for stderr."""
    from rr_tui.backends.handovers import handovers_of

    warnings: list[str] = []
    notes: list[Handover] = []
    try:
        keeper = handovers_of(backend)
        if note is not None:
            if keeper is None:
                raise _unsupported(backend)
            body = HandoverCreate(note=note, since=since)
            await keeper.write_handover(body, f"handover-{uuid.uuid4()}")
        store, _skipped = await fetch_all(backend)
        moved = sorted(
            (i for i in store if i.updated_at >= since), key=lambda i: i.updated_at, reverse=True
        )
        if len(moved) > HANDOVER_TIMELINES:
            warnings.append(
                f"{len(moved)} incidents changed: changes listed for the "
                f"{HANDOVER_TIMELINES} most recent"
            )
        timelines = {i.id: await full_timeline(backend, i.id) for i in moved[:HANDOVER_TIMELINES]}
        if keeper is not None:
            notes = await keeper.handovers(pending=True)
        else:
            warnings.append(f"{backend.name} keeps no handover notes")
    finally:
        await backend.aclose()
    summary = shift.summarize(store, timelines, notes, since=since, now=now)
    return summary, warnings


def _unsupported(backend: Backend) -> Exception:
    from rr_tui.backends.base import Rejected

    return Rejected(f"{backend.name} keeps no handover notes", 501, "unsupported")


def print_handover(backend: Backend, settings: Settings, args: argparse.Namespace) -> int:
    """Print the shift handover to stdout (storing `--note` first); returns the exit code."""
    from rr_tui.backends.base import BackendError

    now = datetime.now(UTC)
    try:
        summary, warnings = asyncio.run(fetch_handover(backend, now - args.since, now, args.note))
    except BackendError as error:
        print(f"rr-tui handover: {clean(error.message, 300)}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"rr-tui handover: {clean(warning, 300)}", file=sys.stderr)
    reveal = settings.dashboard_options().reveal_sensitive
    render = shift.render_json if args.format == "json" else shift.render_markdown
    sys.stdout.write(render(summary, reveal=reveal))
    return 0


async def fetch_trends(
    backend: Backend, hours: int, bucket: Bucket, group: Grouping
) -> tuple[Trends, str | None]:
    """The trends, from the backend's endpoint or computed here; and a note if computed here."""
    from rr_tui.backends.analytics import trends_of
    from rr_tui.sync.trend_clocks import clock_states

    try:
        source = trends_of(backend)
        if source is not None:
            return await source.trends(hours, bucket, group), None
        store, _skipped = await fetch_all(backend)
        now = datetime.now(UTC)
        since = now - timedelta(hours=hours)
        clocks = await clock_states(backend, store.all(), since=since, until=now)
    finally:
        await backend.aclose()
    computed = trends_from(
        store.all(), {}, since=since, until=now, bucket=bucket, group=group, clocks=clocks
    )
    clock_note = "legal clocks from its clocks" if clocks is not None else "legal clocks n/a"
    note = f"{backend.name} has no analytics endpoint: computed from the open list ({clock_note})"
    return computed, note


def write_trends_csv(out: IO[str], trends: Trends) -> None:
    """One row per figure: opened counts by bucket and group, then each severity's figures."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("figure", "bucket", trends.group.value, "value"))
    for row in trends.opened:
        writer.writerow(("opened", row.bucket, _csv_safe(row.key), row.count))
    for band in trends.severities:
        for name in (
            "opened",
            "median_ack_seconds",
            "median_mitigate_seconds",
            "sla_met",
            "sla_missed",
            "clocks_met",
            "clocks_missed",
        ):
            value = getattr(band, name)
            writer.writerow((name, "", band.severity.value, "" if value is None else value))


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (`rr-tui list` does the same)."""
    text = clean(text, 200)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def print_trends(backend: Backend, args: argparse.Namespace) -> int:
    """Print the trends as CSV or JSON to stdout; returns the exit code."""
    from rr_tui.backends.base import BackendError

    bucket, group = Bucket(args.bucket), Grouping(args.group)
    try:
        trends, note = asyncio.run(fetch_trends(backend, args.hours, bucket, group))
    except BackendError as error:
        print(f"rr-tui trends: {clean(error.message, 300)}", file=sys.stderr)
        return 1
    if note:
        print(f"rr-tui trends: {clean(note, 300)}", file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(trends.model_dump_json(indent=2) + "\n")
    else:
        write_trends_csv(sys.stdout, trends)
    return 0


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
    *,
    run: Callable[[argparse.Namespace], int],
) -> None:
    """Add the report commands to `rr-tui`; `common` adds the config and profile options."""
    postmortem = commands.add_parser(
        "postmortem",
        help="print a post-mortem draft of one incident: Markdown or JSON",
        description="Fetch one incident and its whole timeline and print a post-mortem draft: "
        "milestones against the SLA, responders, escalations, the timeline, and headed prompts "
        "for what people must write.",
    )
    postmortem.add_argument("incident_id", metavar="ID", help="the incident, e.g. RR-2041")
    postmortem.add_argument(
        "--format", choices=("md", "json"), default="md", help="default: %(default)s"
    )
    common(postmortem)
    postmortem.set_defaults(run=run)

    handover = commands.add_parser(
        "handover",
        help="print the shift handover; --note stores the outgoing lead's note",
        description="What is open by severity with owner and next deadline, what breached or "
        "is about to, what changed during the shift, escalations waiting for an answer, and "
        "the handover notes the incoming lead has not acknowledged yet.",
    )
    handover.add_argument(
        "--since",
        type=shift_span,
        default=timedelta(hours=8),
        metavar="SPAN",
        help="how far back the shift goes: 8h, 90m, 1d (default: 8h)",
    )
    handover.add_argument("--format", choices=("md", "json"), default="md")
    handover.add_argument("--note", help="store this handover note first (leads only)")
    common(handover)
    handover.set_defaults(run=run)

    trends = commands.add_parser(
        "trends",
        help="print trends for a spreadsheet: CSV or JSON",
        description="Incidents opened per hour or day by market, category or severity, and per "
        "severity the median times to acknowledge and mitigate and SLA met/missed, over a window.",
    )
    trends.add_argument("--hours", type=int, default=24 * 7, help="the window (default: 168)")
    trends.add_argument("--bucket", choices=[b.value for b in Bucket], default="day")
    trends.add_argument("--group", choices=[g.value for g in Grouping], default="region")
    trends.add_argument("--format", choices=("csv", "json"), default="csv")
    common(trends)
    trends.set_defaults(run=run)


def run(args: argparse.Namespace, backend: Backend, settings: Settings) -> int:
    """Run the report command `args` names against `backend`; returns the exit code."""
    if args.command == "trends":
        return print_trends(backend, args)
    if args.command == "handover":
        return print_handover(backend, settings, args)
    return print_postmortem(backend, settings, args.incident_id, args.format)
