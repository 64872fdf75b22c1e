"""Headless reports from a backend: `rr-tui postmortem ID`.

Each report reads what it needs through the same Backend adapter as the dashboard
(so it works on every backend), computes the milestones with the one definition in
`rr_tui.models.milestones`, and prints the document the `present` layer writes. A
backend error is one line on stderr and exit code 1; nothing half-written reaches
stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rr_tui.config import Settings
from rr_tui.listing import fetch_all
from rr_tui.models import Contact, Incident, TimelineEvent, milestones
from rr_tui.present.postmortem import render_json, render_markdown
from rr_tui.sanitize import clean

if TYPE_CHECKING:
    from rr_tui.backends.base import Backend

TIMELINE_ROUNDS = 100
"""Timeline pages one report reads at most (the rr server serves 1,000 events a page)."""


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
    postmortem.set_defaults(run=run, report="postmortem")


def run(args: argparse.Namespace, backend: Backend, settings: Settings) -> int:
    """Run the report command `args` names against `backend`; returns the exit code."""
    return print_postmortem(backend, settings, args.incident_id, args.format)
