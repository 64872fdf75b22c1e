"""Legal clocks in the milestones, over hand-made timelines: paused, extended, met late, cancelled.

The clock events are written as the reference server writes them
(`server/clock_steps._record`): `clock_id`, `rule`, `step`, the clock's stored `state`
and `due_at` after the step, and the reason. A paused clock's stored `due_at` is the
one it had when it paused (the engine keeps the time left, not a due time).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from markdown_it import MarkdownIt

from rr_tui.deadlines.wire import ClockResult
from rr_tui.models import (
    ClockOutcome,
    EventKind,
    Incident,
    Status,
    TimelineEvent,
    TimelinePage,
    milestones,
)
from rr_tui.present import postmortem
from tests.test_api import create
from tests.test_clocks_api import clocks, start, step
from tests.test_milestones import incident, minutes, status, timeline

Step = tuple[int, str, EventKind, dict[str, Any]]


def clock(
    at: int,
    step: str,
    state: str,
    due: int,
    *,
    clock_id: int = 1,
    rule: str = "in-it-3h",
    **more: Any,
) -> Step:
    """A clock event `at` minutes after opening: the clock `due` minutes after opening."""
    data = {
        "clock_id": clock_id,
        "rule": rule,
        "step": step,
        "state": state,
        "due_at": minutes(due).isoformat(),
        "reason": "",
        **more,
    }
    return (at, "lead", EventKind.CLOCK, data)


def outcomes(events: list[TimelineEvent], now: int) -> tuple[ClockOutcome, ...]:
    return milestones(incident(Status.ACKNOWLEDGED), events, now=minutes(now)).clocks


def test_a_clock_met_on_time_and_one_met_late_say_by_how_much() -> None:
    events = timeline(
        clock(0, "started", "running", 180),
        clock(0, "started", "running", 60, clock_id=2, rule="eu-tco-1h"),
        clock(100, "met", "met", 180, evidence="removed"),
        clock(75, "met late", "missed", 60, clock_id=2, rule="eu-tco-1h"),
    )
    on_time, late = outcomes(events, now=200)
    assert (on_time.rule, on_time.state, on_time.done_at) == ("in-it-3h", "met", minutes(100))
    assert (on_time.margin, on_time.missed_by) == (timedelta(minutes=80), None)
    assert (late.rule, late.state, late.missed_by) == ("eu-tco-1h", "missed", timedelta(minutes=15))


def test_a_running_clock_past_due_is_missed_by_itself_and_by_how_long_so_far() -> None:
    events = timeline(clock(0, "started", "running", 60))
    (before,) = outcomes(events, now=50)
    assert (before.state, before.margin, before.missed_by) == (
        "running",
        timedelta(minutes=10),
        None,
    )
    (after,) = outcomes(events, now=90)
    assert (after.state, after.missed_by, after.done_at) == ("missed", timedelta(minutes=30), None)


def test_a_paused_clock_is_never_missed_while_paused_and_counts_its_pause() -> None:
    # Due at 60; paused at 20 with 40 min left; still paused at 120, past the old due time.
    events = timeline(clock(0, "started", "running", 60), clock(20, "paused", "paused", 60))
    (paused,) = outcomes(events, now=120)
    assert (paused.state, paused.missed_by) == ("paused", None)
    assert (paused.pauses, paused.paused) == (1, timedelta(minutes=100))
    assert paused.margin == timedelta(minutes=40)  # the time left when it paused

    # Resumed at 130 with its 40 min: due at 170, met at 150, 20 min to spare.
    resumed = [
        *events,
        *timeline(clock(130, "resumed", "running", 170), clock(150, "met", "met", 170))[1:],
    ]
    (met,) = outcomes(renumbered(resumed), now=200)
    assert (met.state, met.due_at, met.margin) == ("met", minutes(170), timedelta(minutes=20))
    assert (met.pauses, met.paused) == (1, timedelta(minutes=110))


def test_met_while_paused_is_met_with_the_time_it_had_left() -> None:
    # Paused at 20 (40 min left), met at 100 while paused: the old due time (60) has passed,
    # but the clock was not counting; the engine stores it met.
    events = timeline(
        clock(0, "started", "running", 60),
        clock(20, "paused", "paused", 60),
        clock(100, "met", "met", 60),
    )
    (met,) = outcomes(events, now=120)
    assert (met.state, met.missed_by, met.margin) == ("met", None, timedelta(minutes=40))
    assert met.paused == timedelta(minutes=80)


def test_extensions_move_the_due_time_and_are_summed_paused_or_not() -> None:
    events = timeline(
        clock(0, "started", "running", 60),
        clock(30, "extended", "running", 120, amount_seconds=3600),
        clock(40, "paused", "paused", 120),
        # Extended while paused: the stored due time does not move, the time left does.
        clock(50, "extended", "paused", 120, amount_seconds=1800),
        clock(70, "resumed", "running", 180),
    )
    (extended,) = outcomes(events, now=100)
    assert (extended.extensions, extended.extended_by) == (2, timedelta(minutes=90))
    assert (extended.state, extended.due_at, extended.margin) == (
        "running",
        minutes(180),
        timedelta(minutes=80),
    )


def test_an_extension_without_its_amount_counts_what_the_due_time_moved() -> None:
    """Events written before the amount was recorded: a running extension still says it."""
    events = timeline(clock(0, "started", "running", 60), clock(30, "extended", "running", 120))
    (extended,) = outcomes(events, now=40)
    assert (extended.extensions, extended.extended_by) == (1, timedelta(minutes=60))


def test_a_cancelled_clock_is_neither_met_nor_missed() -> None:
    events = timeline(clock(0, "started", "running", 60), clock(10, "cancelled", "cancelled", 60))
    (cancelled,) = outcomes(events, now=300)
    assert (cancelled.state, cancelled.margin, cancelled.missed_by) == ("cancelled", None, None)
    assert cancelled.done_at == minutes(10)


def test_clocks_come_in_the_order_they_started_and_ignore_other_events() -> None:
    events = timeline(
        (5, "a", EventKind.ACKNOWLEDGED, status(Status.NEW, Status.ACKNOWLEDGED)),
        clock(30, "started", "running", 90, clock_id=7, rule="au-osa-24h"),
        clock(10, "started", "running", 70, clock_id=3, rule="eu-tco-1h"),
        (40, "a", EventKind.NOTE, {}),
    )
    got = milestones(incident(Status.ACKNOWLEDGED), events, now=minutes(50))
    assert [c.rule for c in got.clocks] == ["eu-tco-1h", "au-osa-24h"]
    assert got.acknowledged == minutes(5)  # a clock step is not an acknowledgement


def renumbered(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """Hand-made timelines joined together: seq in order again."""
    return [event.model_copy(update={"seq": n}) for n, event in enumerate(events, start=1)]


def test_a_broken_clock_event_is_skipped_not_fatal() -> None:
    """A backend's event data is outside input: a bad due time or id loses that event only."""
    events = timeline(
        clock(0, "started", "running", 60),
        (5, "x", EventKind.CLOCK, {"clock_id": 1, "step": "extended", "due_at": "soon"}),
        (6, "x", EventKind.CLOCK, {"clock_id": [1], "step": "started", "due_at": None}),
        (7, "x", EventKind.CLOCK, {"step": "met"}),
        (
            8,
            "x",
            EventKind.CLOCK,
            {"clock_id": 1, "step": "met", "state": "exploded", "due_at": minutes(60).isoformat()},
        ),
    )
    (only,) = outcomes(events, now=30)
    assert (only.state, only.due_at, only.extensions) == ("running", minutes(60), 0)


def _walk(lead: httpx.Client, result: ClockResult, *steps: tuple[str, dict[str, str]]) -> Incident:
    for name, body in steps:
        answer = step(lead, result, name, **body)
        assert answer.status_code == 200, answer.text
        result = ClockResult.model_validate_json(answer.content)
    return result.incident


def test_the_milestones_of_a_real_timeline_agree_with_the_servers_clocks(
    lead: httpx.Client,
) -> None:
    """Paused, resumed and met (EU TCO); extended and met (eSafety, noticed 23 h ago); met
    late (EU TCO, received 2 h ago)."""
    ago = {hours: (datetime.now(UTC) - timedelta(hours=hours)).isoformat() for hours in (2, 23)}
    eu = create(lead, region="DE", category="violent_extremism", assignee="lee.lead")
    au = create(lead, region="AU", category="harassment", assignee="lee.lead")
    old = create(lead, region="FR", category="violent_extremism", assignee="lee.lead")

    def started(subject: Incident, rule: str, **body: Any) -> ClockResult:
        return ClockResult.model_validate_json(start(lead, subject, rule, **body).content)

    walked = [
        _walk(
            lead,
            started(eu, "eu-tco-removal"),
            ("pause", {"reason": "asked the issuer"}),
            ("resume", {"reason": "clarified"}),
            ("met", {"evidence": "removed"}),
        ),
        _walk(
            lead,
            started(au, "au-osa-removal", trigger_at=ago[23]),
            ("extend", {"reason": "Commissioner allowed 2 h more", "amount": "2h"}),
            ("met", {"evidence": "removed"}),
        ),
        _walk(lead, started(old, "eu-tco-removal", trigger_at=ago[2]), ("met", {"evidence": "x"})),
    ]
    read = []
    for worked in walked:
        events = TimelinePage.model_validate_json(
            lead.get(f"/incidents/{worked.id}/timeline").content
        ).items
        (stored,) = clocks(lead, worked.id).items
        (outcome,) = milestones(worked, events, now=datetime.now(UTC)).clocks
        assert stored.outcome is not None
        assert (outcome.clock_id, outcome.rule, outcome.due_at, outcome.done_at) == (
            stored.id,
            stored.rule.id,
            stored.due_at,
            stored.outcome.at,
        )
        assert outcome.state == stored.state.value
        assert outcome.pauses == len(stored.pauses)
        paused = sum(((p.until or p.at) - p.at for p in stored.pauses), timedelta(0))
        assert outcome.paused == paused
        assert outcome.extended_by == sum((e.amount for e in stored.extensions), timedelta(0))
        read.append(outcome)
    assert [(o.state, o.pauses, o.extensions) for o in read] == [
        ("met", 1, 0),
        ("met", 0, 1),
        ("missed", 0, 0),
    ]
    assert read[1].extended_by == timedelta(hours=2)
    late = read[2].missed_by
    assert late is not None
    assert timedelta(minutes=59) < late < timedelta(hours=2)


def test_the_post_mortem_lists_each_clock_with_its_outcome() -> None:
    events = timeline(
        clock(0, "started", "running", 60, rule="eu-tco-removal"),
        clock(20, "paused", "paused", 60, rule="eu-tco-removal"),
        clock(30, "resumed", "running", 70, rule="eu-tco-removal"),
        clock(95, "met late", "missed", 70, rule="eu-tco-removal"),
        clock(1, "started", "running", 300, clock_id=2, rule="au-osa-removal|x"),
    )
    subject = incident(Status.ACKNOWLEDGED)
    facts = milestones(subject, events, now=minutes(100))
    text = postmortem.render_markdown(subject, events, facts, now=minutes(100))
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    cells = [t.content for t in tokens if t.type == "inline"]
    assert "**missed** by 25m" in text
    assert "1x, 10m" in cells  # the pause
    assert "au-osa-removal\\|x" in text  # a rule id is escaped like every backend string
    assert "running, 3h20m left" in cells
    body = json.loads(postmortem.render_json(subject, events, facts, now=minutes(100)))
    assert [(c["rule"], c["state"], c["margin_seconds"]) for c in body["clocks"]] == [
        ("eu-tco-removal", "missed", -25 * 60),
        ("au-osa-removal|x", "running", 200 * 60),
    ]
