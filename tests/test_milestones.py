"""The milestone definitions over hand-made timelines: the messy histories included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rr_tui.models import (
    EventKind,
    Incident,
    SlaState,
    Status,
    TimelineEvent,
    duration_text,
    milestones,
)

OPENED = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def minutes(n: int) -> datetime:
    return OPENED + timedelta(minutes=n)


def incident(status: Status, *, due: int = 120, resolved: int | None = None) -> Incident:
    return Incident.model_validate(
        {
            "id": "RR-1",
            "title": "t",
            "severity": "SEV1",
            "status": status,
            "category": "hate_speech",
            "region": "TH",
            "source": "user_report",
            "created_at": OPENED,
            "updated_at": OPENED,
            "due_at": minutes(due),
            "resolved_at": None if resolved is None else minutes(resolved),
            "version": 5,
        }
    )


def timeline(*steps: tuple[int, str, EventKind, dict[str, Any]]) -> list[TimelineEvent]:
    created: tuple[int, str, EventKind, dict[str, Any]] = (0, "intake", EventKind.CREATED, {})
    return [
        TimelineEvent(
            seq=seq, incident_id="RR-1", at=minutes(at), actor=actor, kind=kind, data=data
        )
        for seq, (at, actor, kind, data) in enumerate([created, *steps], start=1)
    ]


def status(before: Status, after: Status) -> dict[str, Any]:
    return {"from": before.value, "to": after.value}


def test_a_straight_run_meets_the_sla_and_names_who_worked() -> None:
    events = timeline(
        (4, "mei.tan", EventKind.ACKNOWLEDGED, status(Status.NEW, Status.ACKNOWLEDGED)),
        (6, "lead", EventKind.ASSIGNED, {"from": None, "to": "arjun"}),
        (
            9,
            "arjun",
            EventKind.ESCALATED,
            {"targets": ["legal-sg"], **status(Status.ACKNOWLEDGED, Status.ESCALATED)},
        ),
        (50, "arjun", EventKind.STATUS_CHANGED, status(Status.ESCALATED, Status.MITIGATED)),
        (200, "arjun", EventKind.RESOLVED, status(Status.MITIGATED, Status.RESOLVED)),
    )
    got = milestones(incident(Status.RESOLVED, resolved=200), events, now=minutes(300))
    assert (got.to_acknowledge, got.to_escalate, got.to_mitigate, got.to_resolve) == (
        timedelta(minutes=4),
        timedelta(minutes=9),
        timedelta(minutes=50),
        timedelta(minutes=200),
    )
    assert got.sla is SlaState.MET
    assert got.sla_margin == timedelta(minutes=70)
    assert got.responders == ("mei.tan", "lead", "arjun")
    assert [step.targets for step in got.escalations] == [("legal-sg",)]
    assert got.reopened == 0


def test_resolved_without_acknowledgement_says_so() -> None:
    events = timeline((30, "mei.tan", EventKind.RESOLVED, status(Status.NEW, Status.RESOLVED)))
    got = milestones(incident(Status.RESOLVED, resolved=30), events, now=minutes(40))
    assert got.acknowledged is None
    assert got.mitigated == got.resolved == minutes(30)
    assert got.sla is SlaState.MET


def test_reopened_is_unresolved_until_resolved_again_and_keeps_its_first_mitigation() -> None:
    events = timeline(
        (5, "a", EventKind.ACKNOWLEDGED, status(Status.NEW, Status.ACKNOWLEDGED)),
        (60, "a", EventKind.RESOLVED, status(Status.ACKNOWLEDGED, Status.RESOLVED)),
        (90, "b", EventKind.REOPENED, status(Status.RESOLVED, Status.ACKNOWLEDGED)),
    )
    still_open = milestones(incident(Status.ACKNOWLEDGED), events, now=minutes(100))
    assert still_open.resolved is None
    assert still_open.reopened == 1
    assert still_open.mitigated == minutes(60)
    assert still_open.sla is SlaState.MET

    again = [
        *events,
        *timeline((300, "b", EventKind.RESOLVED, status(Status.ACKNOWLEDGED, Status.RESOLVED)))[1:],
    ]
    again[-1] = again[-1].model_copy(update={"seq": 10})
    done = milestones(incident(Status.RESOLVED, resolved=300), again, now=minutes(400))
    assert done.resolved == minutes(300)
    assert done.reopened == 1


def test_re_escalation_keeps_every_step_and_the_first_time() -> None:
    events = timeline(
        (
            10,
            "a",
            EventKind.ESCALATED,
            {"targets": ["pp-id"], **status(Status.NEW, Status.ESCALATED)},
        ),
        (40, "b", EventKind.ESCALATED, {"targets": ["legal-sg", "comms-apac"]}),
    )
    got = milestones(incident(Status.ESCALATED), events, now=minutes(60))
    assert got.escalated == got.acknowledged == minutes(10)
    assert [(s.actor, s.targets) for s in got.escalations] == [
        ("a", ("pp-id",)),
        ("b", ("legal-sg", "comms-apac")),
    ]
    assert got.sla is SlaState.RUNNING
    assert got.sla_margin == timedelta(minutes=60)


def test_sla_missed_when_late_or_still_open_past_due() -> None:
    late = timeline((150, "a", EventKind.STATUS_CHANGED, status(Status.NEW, Status.MITIGATED)))
    got = milestones(incident(Status.MITIGATED), late, now=minutes(160))
    assert (got.sla, got.sla_margin) == (SlaState.MISSED, timedelta(minutes=-30))
    overdue = milestones(incident(Status.NEW), timeline(), now=minutes(125))
    assert (overdue.sla, overdue.sla_margin) == (SlaState.MISSED, timedelta(minutes=-5))
    assert overdue.responders == ()
    assert overdue.clocks == ()  # no clock event, no clock


def test_durations_read_as_people_say_them() -> None:
    assert [
        duration_text(span)
        for span in (
            None,
            timedelta(minutes=45),
            timedelta(minutes=125),
            timedelta(hours=76),
            timedelta(minutes=-12),
        )
    ] == ["-", "45m", "2h05m", "3d4h", "-12m"]


def test_a_reopening_counts_even_when_the_resolution_is_before_the_timeline_read() -> None:
    """A partial timeline (PagerDuty's log, a long history cut short) starts after the
    resolution: the reopening it does hold still counts."""
    events = timeline(
        (90, "b", EventKind.REOPENED, status(Status.RESOLVED, Status.ACKNOWLEDGED)),
    )
    got = milestones(incident(Status.ACKNOWLEDGED), events, now=minutes(100))
    assert (got.reopened, got.resolved) == (1, None)


def test_resolved_unacknowledged_then_reopened_is_acknowledged_by_the_next_response() -> None:
    events = timeline(
        (30, "a", EventKind.RESOLVED, status(Status.NEW, Status.RESOLVED)),
        (45, "b", EventKind.REOPENED, status(Status.RESOLVED, Status.NEW)),
        (50, "b", EventKind.ACKNOWLEDGED, status(Status.NEW, Status.ACKNOWLEDGED)),
        (70, "b", EventKind.RESOLVED, status(Status.ACKNOWLEDGED, Status.RESOLVED)),
        (80, "c", EventKind.REOPENED, status(Status.RESOLVED, Status.ESCALATED)),
    )
    got = milestones(incident(Status.ESCALATED), events, now=minutes(90))
    assert (got.acknowledged, got.mitigated, got.resolved) == (minutes(50), minutes(30), None)
    assert got.reopened == 2
    assert got.sla is SlaState.MET  # the harm stopped at 30, inside the SLA
