"""A post-mortem draft written from an incident's timeline, as Markdown or JSON.

What the record knows is filled in (summary and impact fields, the milestones
against the SLA, responders, escalations, the full timeline with dates); what only
people know is left as headed prompts, after the Google SRE and PagerDuty
post-mortem templates (root cause, contributing factors, what went well and wrong,
where we got lucky, action items with owners). Blameless by construction: the
timeline names who acted, the prompts ask about systems.

Sensitive incidents keep their title and summary masked unless the caller reveals
them, as `rr-tui list` does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rr_tui.models import (
    ClockOutcome,
    Incident,
    Milestones,
    SlaState,
    TimelineEvent,
    duration_text,
)
from rr_tui.present import markdown as md
from rr_tui.present.format import SOURCE_LABELS, category_label
from rr_tui.present.masks import LIST_MASK

PROMPTS: Sequence[tuple[str, str]] = (
    ("Root cause", "What in our systems or process let this happen? Ask why until it is fixable."),
    ("Contributing factors", "What made it worse, slower to see, or harder to mitigate?"),
    ("What went well", "What should we keep doing?"),
    ("What went wrong", "Where did detection, triage, escalation or comms fall short?"),
    ("Where we got lucky", "What could have gone worse, and nearly did?"),
)
"""The sections people write, each a heading and the question under it."""

ACTION_HEADERS = ("Action", "Owner", "Type (prevent / mitigate / process)", "Due", "Ticket")


def _same(contact_id: str) -> str:
    return contact_id


def _sla_line(facts: Milestones) -> str:
    due = md.when(facts.due_at)
    margin = duration_text(abs(facts.sla_margin))
    if facts.sla is SlaState.MET:
        return f"SLA (mitigate by {due}): **met**, {margin} to spare."
    if facts.sla is SlaState.MISSED:
        return f"SLA (mitigate by {due}): **missed** by {margin}."
    return f"SLA (mitigate by {due}): running, {margin} left."


def _clock_outcome(clock: ClockOutcome) -> str:
    """`met, 20m to spare`, `missed by 1h05m`, `paused, 40m left`, `cancelled`."""
    if clock.state == "cancelled" or clock.margin is None:
        return clock.state
    if clock.state == "missed":
        return f"**missed** by {duration_text(clock.missed_by)}"
    if clock.state == "met":
        return f"**met**, {duration_text(clock.margin)} to spare"
    return f"{clock.state}, {duration_text(clock.margin)} left"


def _clock_lines(facts: Milestones) -> list[str]:
    """The legal and protocol clocks: one row each, or a line saying there were none."""
    if not facts.clocks:
        return ["Legal clocks: none recorded for this incident."]
    return [
        "Legal clocks:",
        "",
        *md.table(
            ("Rule", "Started", "Due", "Done", "Outcome", "Paused", "Extended"),
            [
                (
                    md.cell(clock.rule, 64),
                    md.when(clock.started),
                    md.when(clock.due_at),
                    md.when(clock.done_at),
                    _clock_outcome(clock),
                    f"{clock.pauses}x, {duration_text(clock.paused)}" if clock.pauses else "-",
                    f"{clock.extensions}x, +{duration_text(clock.extended_by)}"
                    if clock.extensions
                    else "-",
                )
                for clock in facts.clocks
            ],
        ),
    ]


def _what(event: TimelineEvent, names: Callable[[str], str]) -> str:
    data = event.data
    if "targets" in data and isinstance(data["targets"], list):
        return "escalated to " + ", ".join(names(str(t)) for t in data["targets"])
    if "from" in data or "to" in data:
        before, after = (data.get(end) or "nobody" for end in ("from", "to"))
        return f"{event.kind.value.replace('_', ' ')} {before} → {after}"
    return event.kind.value.replace("_", " ")


def render_markdown(
    incident: Incident,
    timeline: Sequence[TimelineEvent],
    facts: Milestones,
    *,
    now: datetime,
    reveal: bool = False,
    names: Callable[[str], str] = _same,
) -> str:
    """The post-mortem draft as Markdown (GitHub-flavoured: tables)."""
    shown = reveal or not incident.sensitive
    title = md.text(incident.title) if shown else LIST_MASK
    lines = [
        f"# Post-mortem: {md.text(incident.id)} {title}",
        "",
        f"Draft generated {md.when(now)} by rr-tui from the incident's timeline. "
        "Blameless: write about systems and decisions, not people.",
        "",
        "## Summary",
        "",
        *md.table(
            ("Field", "Value"),
            [
                ("Incident", md.cell(incident.id)),
                ("Severity", incident.severity.value),
                ("Status", incident.status.value),
                ("Category", md.cell(category_label(incident.category))),
                ("Market", md.cell(incident.region)),
                ("Source", SOURCE_LABELS[incident.source]),
                ("Owner", md.cell(incident.assignee)),
                ("Opened", md.when(incident.created_at)),
                ("Resolved", md.when(facts.resolved)),
                ("Sensitive", "yes" if incident.sensitive else "no"),
                ("Tags", md.cell(", ".join(incident.tags))),
            ],
        ),
        "",
        "## Impact",
        "",
        f"**Recorded summary:** {md.text(incident.summary, 2_000) if shown else LIST_MASK}",
        "",
        "_Who and what was affected, where, for how long, and how many people saw it?_",
        "",
        "## Milestones",
        "",
        *md.table(
            ("Milestone", "At", "Since opened"),
            [
                (name, md.when(moment), duration_text(facts.since_opened(moment)))
                for name, moment in (
                    ("Opened", facts.opened),
                    ("Acknowledged", facts.acknowledged),
                    ("First escalation", facts.escalated),
                    ("Mitigated", facts.mitigated),
                    ("Resolved", facts.resolved),
                )
            ],
        ),
        "",
        _sla_line(facts),
        f"Reopened: {facts.reopened} time(s).",
        *_clock_lines(facts),
        "",
        "## Responders",
        "",
        *([f"* {md.text(name)}" for name in facts.responders] or ["_None recorded._"]),
        "",
        "## Escalations",
        "",
        *md.table(
            ("At", "By", "To", "Note", "Answered"),
            [
                (
                    md.when(step.at),
                    md.cell(step.actor),
                    md.cell(", ".join(names(t) for t in step.targets)),
                    md.cell(step.note),
                    "_not recorded_",
                )
                for step in facts.escalations
            ],
        ),
        "",
        "## Timeline",
        "",
        *md.table(
            ("At", "Who", "What", "Note"),
            [
                (
                    md.when(event.at),
                    md.cell(event.actor),
                    md.cell(_what(event, names)),
                    md.cell(event.message),
                )
                for event in sorted(timeline, key=lambda e: e.seq)
            ],
        ),
    ]
    for heading, question in PROMPTS:
        lines += ["", f"## {heading}", "", f"_{question}_"]
    lines += [
        "",
        "## Action items",
        "",
        "_Each with one owner and a due date; prefer fixes that prevent over ones that detect._",
        "",
        *md.table(ACTION_HEADERS, [tuple("" for _ in ACTION_HEADERS)]),
    ]
    return "\n".join(lines) + "\n"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _seconds(facts: Milestones, moment: datetime | None) -> int | None:
    span = facts.since_opened(moment)
    return None if span is None else int(span.total_seconds())


def render_json(
    incident: Incident,
    timeline: Sequence[TimelineEvent],
    facts: Milestones,
    *,
    now: datetime,
    reveal: bool = False,
) -> str:
    """The same post-mortem as JSON: the record's facts and the sections still to write."""
    item: dict[str, Any] = incident.model_dump(mode="json")
    if incident.sensitive and not reveal:
        item["title"], item["summary"] = LIST_MASK, ""
    milestones: Mapping[str, datetime | None] = {
        "opened": facts.opened,
        "acknowledged": facts.acknowledged,
        "escalated": facts.escalated,
        "mitigated": facts.mitigated,
        "resolved": facts.resolved,
    }
    body = {
        "generated_at": now.isoformat(),
        "incident": item,
        "milestones": {
            name: {"at": _iso(moment), "seconds_since_opened": _seconds(facts, moment)}
            for name, moment in milestones.items()
        },
        "sla": {
            "due_at": facts.due_at.isoformat(),
            "state": facts.sla.value,
            "margin_seconds": int(facts.sla_margin.total_seconds()),
        },
        "clocks": [
            {
                "clock_id": clock.clock_id,
                "rule": clock.rule,
                "state": clock.state,
                "started_at": clock.started.isoformat(),
                "due_at": clock.due_at.isoformat(),
                "done_at": _iso(clock.done_at),
                "margin_seconds": None
                if clock.margin is None
                else int(clock.margin.total_seconds()),
                "pauses": clock.pauses,
                "paused_seconds": int(clock.paused.total_seconds()),
                "extensions": clock.extensions,
                "extended_seconds": int(clock.extended_by.total_seconds()),
            }
            for clock in facts.clocks
        ],
        "reopened": facts.reopened,
        "responders": list(facts.responders),
        "escalations": [
            {
                "at": step.at.isoformat(),
                "by": step.actor,
                "targets": list(step.targets),
                "note": step.note,
            }
            for step in facts.escalations
        ],
        "timeline": [
            event.model_dump(mode="json") for event in sorted(timeline, key=lambda e: e.seq)
        ],
        "to_write": [heading for heading, _ in PROMPTS] + ["Action items"],
    }
    return json.dumps(body, indent=2, ensure_ascii=True) + "\n"
