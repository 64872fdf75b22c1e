"""Clock alerts over a frozen clock: each threshold and the breach once, and what is said.

`AlertTracker` is pure: fed deadlines and asked with a time, it says what came
due. These tests feed it as the dashboard does (on every poll, re-fetch and
view switch, from the queue's data and then from the full clocks) and check
that nothing is said twice, that the configured fractions are the ones said,
and that a dashboard started long after a crossing stays quiet about it.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from rr_tui.deadlines import Clock, ClockRule, ClockState
from rr_tui.deadlines import catalogue as rules_catalogue
from rr_tui.deadlines.clocks import Extension
from rr_tui.deadlines.rules import Calendar
from rr_tui.models import Incident
from rr_tui.screens.telling import clock_alert
from rr_tui.sync.clock_alerts import AlertTracker, ClockAlert, Deadline, deadlines_of

T0 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def one_hour(incident_id: str = "RR-1", *, due: datetime = T0 + HOUR) -> Deadline:
    return Deadline(incident_id, "eu-tco-removal", "EU TCO removal", due, HOUR)


def said(alerts: list[ClockAlert]) -> list[tuple[str, float | None]]:
    return [(alert.deadline.incident_id, alert.fraction) for alert in alerts]


def walk(
    tracker: AlertTracker, deadline: Deadline, minutes: range
) -> list[tuple[int, float | None]]:
    """Feed and ask every minute, as the dashboard's polls and ticks do."""
    heard = []
    for minute in minutes:
        now = T0 + timedelta(minutes=minute)
        tracker.feed(deadline.incident_id, [deadline], now)
        heard += [(minute, fraction) for _, fraction in said(tracker.due(now))]
    return heard


def test_each_threshold_and_the_breach_fire_once_however_often_fed() -> None:
    tracker = AlertTracker([0.5, 0.8])
    assert walk(tracker, one_hour(), range(0, 120)) == [(30, 0.5), (48, 0.8), (60, None)]
    # Fed again and asked again, much later: nothing new.
    assert walk(tracker, one_hour(), range(120, 130)) == []


def test_the_configured_fractions_are_the_ones_said() -> None:
    assert walk(AlertTracker([0.25]), one_hour(), range(0, 70)) == [(15, 0.25), (60, None)]
    assert walk(AlertTracker([]), one_hour(), range(0, 70)) == [(60, None)]
    # Given in any order, said in time order.
    assert walk(AlertTracker([0.9, 0.1]), one_hour(), range(0, 70)) == [
        (6, 0.1),
        (54, 0.9),
        (60, None),
    ]


def test_the_queue_row_then_the_full_clocks_say_nothing_twice() -> None:
    """The queue's soonest deadline (rule duration) and the held clocks (with an extension)
    name the same deadline by incident and rule: one alert per threshold, not one per source."""
    tracker = AlertTracker([0.5])
    row = one_hour()
    tracker.feed("RR-1", [row], T0)
    assert said(tracker.due(T0 + timedelta(minutes=31))) == [("RR-1", 0.5)]
    extended = Deadline("RR-1", row.rule_id, row.label, row.due_at + HOUR, 2 * HOUR)
    tracker.feed("RR-1", [extended], T0 + timedelta(minutes=31))
    tracker.feed("RR-1", [row], T0 + timedelta(minutes=32))
    assert tracker.due(T0 + timedelta(minutes=59)) == []
    tracker.feed("RR-1", [extended], T0 + timedelta(minutes=59))
    assert said(tracker.due(T0 + 2 * HOUR)) == [("RR-1", None)]


def test_a_restart_long_after_a_crossing_is_quiet_about_it() -> None:
    """A new tracker (a dashboard restart) says only what crossed within the grace."""
    late = AlertTracker([0.5, 0.8], grace=timedelta(minutes=5))
    now = T0 + timedelta(minutes=50)  # 0.5 at :30 and 0.8 at :48 are past
    late.feed("RR-1", [one_hour()], now)
    assert said(late.due(now)) == [("RR-1", 0.8)]  # 2 min ago: news; 20 min ago: not
    later = AlertTracker([0.5, 0.8], grace=timedelta(minutes=5))
    now = T0 + 3 * HOUR
    later.feed("RR-1", [one_hour()], now)
    assert later.due(now) == []  # missed two hours ago: the LEGAL column says so, in red
    assert walk(later, one_hour(), range(180, 200)) == []


def test_several_thresholds_due_at_once_say_only_the_last() -> None:
    """Asleep for an hour (a laptop lid): one alert, the breach, not three."""
    tracker = AlertTracker([0.5, 0.8])
    tracker.feed("RR-1", [one_hour()], T0)
    assert said(tracker.due(T0 + timedelta(minutes=61))) == [("RR-1", None)]
    assert tracker.due(T0 + 2 * HOUR) == []


def test_a_clock_met_or_an_incident_dropped_alerts_no_more() -> None:
    tracker = AlertTracker([0.5])
    tracker.feed("RR-1", [one_hour("RR-1")], T0)
    tracker.feed("RR-2", [one_hour("RR-2")], T0)
    tracker.feed("RR-1", [], T0 + timedelta(minutes=10))  # met: no running deadline
    tracker.forget("RR-2")  # the store dropped it
    assert tracker.due(T0 + 2 * HOUR) == []
    # Seen again (it came back into the store): what was not said may still be.
    tracker.feed("RR-2", [one_hour("RR-2")], T0 + timedelta(minutes=59))
    assert said(tracker.due(T0 + timedelta(minutes=60))) == [("RR-2", None)]


def test_many_incidents_fed_on_every_poll_keep_the_queue_small() -> None:
    tracker = AlertTracker([0.5, 0.8])
    for poll in range(200):
        now = T0 + timedelta(seconds=2 * poll)
        for n in range(20):
            tracker.feed(f"RR-{n}", [one_hour(f"RR-{n}", due=T0 + 5 * HOUR)], now)
    assert len(tracker._queue) <= 64 + 4 * 20 * 3
    assert tracker.due(T0 + timedelta(minutes=10)) == []


def test_working_hours_count_only_working_time() -> None:
    """A quarter of 8 working hours gone, due Monday 13:00 (09-18 Mon-Fri, UTC): 6 h are left
    from Friday 16:00, since the weekend does not count."""
    calendar = Calendar(timezone="UTC", days=[1, 2, 3, 4, 5], start=time(9), end=time(18))
    monday = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    deadline = Deadline("RR-1", "x", "x", monday, timedelta(hours=8), calendar)
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert deadline.crossing(0.25) == friday
    assert deadline.crossing(0.75) == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    tracker = AlertTracker([0.25])
    tracker.feed("RR-1", [deadline], friday - 5 * HOUR)
    assert tracker.due(friday - timedelta(seconds=1)) == []
    assert said(tracker.due(friday)) == [("RR-1", 0.25)]


def _rule(rule_id: str) -> ClockRule:
    rule = rules_catalogue.load().get(rule_id)
    assert rule is not None
    return rule


def test_deadlines_come_from_the_clocks_when_held_else_from_the_queue_row() -> None:
    rule = _rule("eu-tco-removal")
    incident = Incident.model_validate(
        {
            "id": "RR-1",
            "title": "t",
            "severity": "SEV1",
            "status": "new",
            "category": "violent_extremism",
            "region": "ID",
            "version": 1,
            "source": "regulator",
            "created_at": T0,
            "updated_at": T0,
            "due_at": T0 + 4 * HOUR,
            "deadline_at": T0 + HOUR,
            "deadline_rule": rule.id,
        }
    )
    (row,) = deadlines_of(incident, None, {rule.id: rule})
    assert (row.due_at, row.total) == (T0 + HOUR, rule.duration)
    (unknown,) = deadlines_of(incident, None, {})
    assert unknown.total is None
    assert unknown.crossing(0.5) is None
    running = Clock(
        incident_id="RR-1",
        rule=rule,
        started_by="lead",
        started_via="manual",
        trigger_at=T0,
        due_at=T0 + 2 * HOUR,
        extensions=[Extension(at=T0, by="lead", amount=HOUR, reason="allowed")],
    )
    paused = running.model_copy(update={"state": ClockState.PAUSED})
    (held,) = deadlines_of(incident, [running, paused], {})
    assert (held.due_at, held.total) == (T0 + 2 * HOUR, 2 * HOUR)


def test_what_an_alert_says_to_the_minute_in_the_shift_zone() -> None:
    deadline = one_hour()  # due 07:00 UTC, 15:00 in Singapore
    half = clock_alert(ClockAlert(deadline, 0.5), T0 + timedelta(seconds=5), "Asia/Singapore")
    assert half.title == "Legal clock 50%"
    assert half.message.splitlines() == [
        "RR-1 · eu-tco-removal: 50% of its time gone, 59m left (due 15:00 SGT)",
        "EU TCO removal",
    ]
    week = Deadline("RR-1", "jp-idpa", "JP", T0 + timedelta(days=7), timedelta(days=7))
    early = clock_alert(ClockAlert(week, 0.01), T0 + timedelta(minutes=1), "UTC")
    assert "6d 23h left (due 06:00 UTC)" in early.message
    missed = clock_alert(ClockAlert(deadline, None), T0 + timedelta(minutes=62), "UTC")
    assert (missed.title, missed.severity) == ("Legal clock missed", "error")
    assert missed.message.startswith("RR-1 · eu-tco-removal missed, 2m ago (due 07:00 UTC)")
