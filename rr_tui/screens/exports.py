"""Documents the dashboard writes from what it shows: the post-mortem draft (`P`).

The draft is written from the selected incident and the timeline the detail pane
holds, with the one milestone definition and the same renderer as `rr-tui
postmortem`, into `locations.reports_dir()`. It is written to a temporary file and
renamed, so a full disk leaves no half-written draft, and any failure to write is a
toast that says why; the dashboard carries on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from rr_tui import locations
from rr_tui.models import Incident, TimelineEvent, milestones
from rr_tui.options import DashboardOptions
from rr_tui.present.masks import is_revealed
from rr_tui.present.postmortem import render_markdown
from rr_tui.sanitize import clean
from rr_tui.screens.telling import Toast
from rr_tui.sync.contacts import ContactDirectory
from rr_tui.widgets.detail import IncidentDetail


def write_document(path: Path, text: str) -> None:
    """Write `text` to `path` whole or not at all (private: drafts hold incident details)."""
    locations.private_dir(path.parent)
    partial = path.with_name(path.name + ".partial")
    try:
        locations.private_file(partial)
        with partial.open("w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def postmortem_path(incident: Incident, now: datetime) -> Path:
    """`reports/postmortem-RR-2041-20261124T0632Z.md`: one file per draft, never overwritten."""
    return locations.reports_dir() / f"postmortem-{incident.id}-{now:%Y%m%dT%H%M%SZ}.md"


def write_postmortem(
    incident: Incident,
    timeline: Sequence[TimelineEvent],
    *,
    now: datetime,
    reveal: bool,
    names: Callable[[str], str],
) -> Toast:
    """Write the post-mortem draft of `incident`; the toast says where, or why not."""
    facts = milestones(incident, timeline, now)
    text = render_markdown(incident, timeline, facts, now=now, reveal=reveal, names=names)
    path = postmortem_path(incident, now)
    try:
        write_document(path, text)
    except OSError as error:
        reason = clean(error.strerror or str(error), 200)
        return Toast(
            f"Post-mortem not written to {path.parent}: {reason}",
            title="Could not write",
            severity="error",
        )
    return Toast(str(path), title=f"Post-mortem draft of {clean(incident.id, 64)}", timeout=15)


def postmortem_of(
    detail: IncidentDetail,
    options: DashboardOptions,
    revealed: frozenset[str],
    now: datetime,
    directory: ContactDirectory,
) -> Toast:
    """The `P` key: the draft of the incident the detail pane shows, masked as it is there."""
    incident = detail.incident
    if incident is None:
        return Toast("Select an incident to write its post-mortem.", severity="warning")
    reveal = is_revealed(options.reveal_sensitive, revealed, incident.id)
    return write_postmortem(incident, detail.events, now=now, reveal=reveal, names=directory.label)
