"""The clock rules catalogue and the clock engine, over a frozen clock (no real time is read)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rr_tui import deadlines
from rr_tui.cli import main
from rr_tui.deadlines import (
    AS_PUBLISHED,
    CatalogueError,
    Clock,
    ClockError,
    ClockRule,
    ClockState,
    Deliverable,
)
from rr_tui.deadlines.calendar import add_working, working_between
from rr_tui.models import Role

T0 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
SOURCE = {"title": "Test Act s 1", "url": "https://example.org/act", "checked": "2026-12-01"}


def rule(**fields: object) -> ClockRule:
    """A test rule: 1 h wall clock, ID only, with a source, changed by `fields`."""
    base: dict[str, object] = {
        "id": "test-rule",
        "label": "test",
        "instrument": "Test Act",
        "markets": ["ID"],
        "trigger": "order_received",
        "duration": "1h",
        "deliverable": "remove",
        "source": SOURCE,
    }
    return ClockRule.model_validate({**base, **fields})


def started(**fields: object) -> Clock:
    return deadlines.start(rule(**fields), "RR-1", trigger_at=T0, now=T0, by="mei.tan")


# --- the catalogue ---------------------------------------------------------------------------


def test_shipped_catalogue_holds_the_seven_clocks_each_sourced_and_marked() -> None:
    catalogue = deadlines.load()
    expected = {
        "eu-tco-removal": timedelta(hours=1),
        "au-osa-removal": timedelta(hours=24),
        "in-it-rules-order": timedelta(hours=3),
        "in-it-rules-ncii": timedelta(hours=2),
        "id-permen5-urgent": timedelta(hours=4),
        "id-permen5-takedown": timedelta(hours=24),
        "vn-decree147-authority": timedelta(hours=24),
        "vn-decree147-complaint": timedelta(hours=48),
        "jp-idpa-decision": timedelta(days=7),
        "us-ncmec-report": timedelta(hours=24),
    }
    assert {rule_id: catalogue.rules[rule_id].duration for rule_id in expected} == expected
    for shipped in catalogue.rules.values():
        assert shipped.label.endswith(f"({AS_PUBLISHED})"), shipped.id
        assert shipped.source.url.startswith("https://"), shipped.id
    assert catalogue.rules["us-ncmec-report"].evidence_retention == timedelta(days=365)


def test_intake_match_starts_only_the_rules_for_that_source_market_and_category() -> None:
    catalogue = deadlines.load()
    ids = [found.id for found in catalogue.at_intake("ID", "violent_extremism", "regulator")]
    assert ids == ["id-permen5-urgent"]
    assert catalogue.at_intake("ID", "violent_extremism", "user_report") == []
    assert catalogue.at_intake("ID", "scams_fraud", "regulator") == []
    applying = [found.id for found in catalogue.applying("ID", "child_safety")]
    assert applying == ["id-permen5-urgent", "id-permen5-takedown", "us-ncmec-report"]


def test_a_broken_rules_file_gives_one_line_per_problem_naming_file_line_and_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "team.toml"
    path.write_text(
        "[rules.no-source]\n"  # 1
        'label = "x"\n'
        'instrument = "x"\n'
        'markets = ["ID"]\n'
        'trigger = "order_received"\n'
        'duration = "1h"\n'
        'deliverable = "remove"\n'  # 7
        "\n"
        "[rules.bad]\n"  # 9
        'label = "x"\n'
        'instrument = "x"\n'
        'markets = ["ID"]\n'
        'trigger = "order_received"\n'
        'duration = "soon"\n'  # 14
        'counting = "working_hours"\n'
        'deliverable = "remove"\n'
        "pausible = true\n"  # 17
        "[rules.bad.source]\n"  # 18
        'title = "x"\n'
        'url = "http://example.org"\n'  # 20
        "checked = 2026-12-01\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        deadlines.load(path)
    assert caught.value.lines == [
        f"{path}:1: rules.no-source.source: missing (every rule needs its public source:"
        " title, url, checked)",
        f"{path}:14: rules.bad.duration: 'soon' is not a duration such as 30m, 2h, 1h30m or 3d",
        f"{path}:20: rules.bad.source.url: 'http://example.org' is not an https:// address",
        f"{path}:17: rules.bad.pausible: unknown key 'pausible' (did you mean 'pausable'?)",
    ]


def test_a_team_file_adds_rules_and_replaces_shipped_ones_whole(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(
        "[rules.au-osa-removal]\n"
        'label = "our AU rule"\ninstrument = "x"\nmarkets = ["AU"]\n'
        'trigger = "notice_received"\nduration = "12h"\ndeliverable = "remove"\n'
        '[rules.au-osa-removal.source]\ntitle = "x"\nurl = "https://example.org"\n'
        "checked = 2026-12-01\n",
        encoding="utf-8",
    )
    catalogue = deadlines.load(path)
    replaced = catalogue.rules["au-osa-removal"]
    assert (replaced.label, replaced.duration, replaced.intake_sources) == (
        "our AU rule",
        timedelta(hours=12),
        [],
    )
    assert "eu-tco-removal" in catalogue.rules


# --- the engine ------------------------------------------------------------------------------


def test_manual_start_counts_from_a_past_trigger_time_and_refuses_a_future_one() -> None:
    received = T0 - timedelta(minutes=40)
    clock = deadlines.start(rule(), "RR-1", trigger_at=received, now=T0, by="mei.tan")
    assert clock.due_at == received + timedelta(hours=1)
    assert clock.left(T0) == timedelta(minutes=20)
    with pytest.raises(ClockError, match="future"):
        deadlines.start(rule(), "RR-1", trigger_at=T0 + timedelta(1), now=T0, by="mei.tan")


def test_a_clock_is_missed_by_itself_when_its_due_time_passes_unmet() -> None:
    clock = started()
    assert clock.state_at(T0 + timedelta(minutes=59)) is ClockState.RUNNING
    assert clock.state_at(T0 + timedelta(hours=1)) is ClockState.MISSED
    with pytest.raises(ClockError, match="missed"):
        deadlines.pause(clock, now=T0 + timedelta(hours=2), by="mei.tan", reason="x")
    late = deadlines.meet(clock, now=T0 + timedelta(hours=2), by="mei.tan", evidence="done late")
    assert late.state is ClockState.MISSED
    assert late.outcome is not None
    assert late.outcome.note == "done late"


def test_pause_keeps_the_time_left_and_resume_counts_it_from_then() -> None:
    clock = started(pausable=True)
    paused = deadlines.pause(
        clock, now=T0 + timedelta(minutes=15), by="mei.tan", reason="asked issuer"
    )
    assert paused.state_at(T0 + timedelta(hours=5)) is ClockState.PAUSED
    assert paused.left(T0 + timedelta(hours=5)) == timedelta(minutes=45)
    resumed = deadlines.resume(paused, now=T0 + timedelta(hours=5), by="mei.tan", reason="clear")
    assert resumed.due_at == T0 + timedelta(hours=5, minutes=45)
    assert resumed.pauses[0].until == T0 + timedelta(hours=5)
    with pytest.raises(ClockError, match="cannot be paused"):
        deadlines.pause(started(), now=T0, by="mei.tan", reason="x")
    with pytest.raises(ClockError, match="not paused"):
        deadlines.resume(resumed, now=T0 + timedelta(hours=5), by="mei.tan", reason="x")


def test_only_the_roles_a_rule_names_may_extend_it_and_never_past_its_maximum() -> None:
    clock = started(extendable_by=["lead"], max_extension="2h")
    hour = timedelta(hours=1)
    with pytest.raises(ClockError, match="only a lead"):
        deadlines.extend(clock, now=T0, by="mei.tan", role=Role.ANALYST, amount=hour, reason="x")
    longer = deadlines.extend(clock, now=T0, by="lead", role=Role.LEAD, amount=hour, reason="ok")
    assert longer.due_at == T0 + 2 * hour
    with pytest.raises(ClockError, match="2:00:00 in all"):
        deadlines.extend(longer, now=T0, by="lead", role=Role.LEAD, amount=2 * hour, reason="x")
    with pytest.raises(ClockError, match="cannot be extended"):
        deadlines.extend(started(), now=T0, by="lead", role=Role.LEAD, amount=hour, reason="x")


def test_met_records_the_deliverable_evidence_and_how_long_to_keep_it() -> None:
    clock = started(evidence_retention="365d")
    now = T0 + timedelta(minutes=30)
    with pytest.raises(ClockError, match="evidence"):
        deadlines.meet(clock, now=now, by="mei.tan", evidence="  ")
    met = deadlines.meet(clock, now=now, by="mei.tan", evidence="URL gone, screenshot in case")
    assert met.state_at(now + timedelta(days=9)) is ClockState.MET
    assert met.outcome is not None
    assert met.outcome.deliverable is Deliverable.REMOVE
    assert met.outcome.keep_evidence_until == now + timedelta(days=365)
    with pytest.raises(ClockError, match="is met"):
        deadlines.cancel(met, now=now, by="mei.tan", reason="x")


def test_cancel_needs_a_reason_and_ends_the_clock() -> None:
    with pytest.raises(ClockError, match="why"):
        deadlines.cancel(started(), now=T0, by="mei.tan", reason="")
    cancelled = deadlines.cancel(started(), now=T0, by="mei.tan", reason="order withdrawn")
    assert cancelled.state_at(T0 + timedelta(days=1)) is ClockState.CANCELLED
    assert deadlines.soonest([cancelled, started()], T0) == started()


DUBLIN_WEEKDAYS = {"timezone": "Europe/Dublin", "start": "09:00", "end": "18:00"}


def test_working_hours_skip_the_weekend_and_keep_local_hours_across_a_dst_change() -> None:
    calendar = rule(counting="working_hours", calendar=DUBLIN_WEEKDAYS).calendar
    assert calendar is not None
    # Friday 23 Oct 2026 16:00 IST (UTC+1); Ireland goes back to GMT on Sunday 25 Oct.
    friday = datetime(2026, 10, 23, 15, 0, tzinfo=UTC)
    due = add_working(calendar, friday, timedelta(hours=4))
    # 2 h on Friday to 18:00 IST, then Monday 09:00 GMT + 2 h: 11:00 UTC, not 10:00.
    assert due == datetime(2026, 10, 26, 11, 0, tzinfo=UTC)
    assert working_between(calendar, friday, due) == timedelta(hours=4)
    clock = deadlines.start(
        rule(counting="working_hours", calendar=DUBLIN_WEEKDAYS, duration="4h"),
        "RR-1",
        trigger_at=friday,
        now=friday,
        by="mei.tan",
    )
    assert clock.due_at == due


def test_a_calendar_with_holidays_and_a_pause_over_the_weekend_counts_working_time_only() -> None:
    calendar = {**DUBLIN_WEEKDAYS, "holidays": ["2026-10-26"]}
    clock = deadlines.start(
        rule(counting="working_hours", calendar=calendar, duration="4h", pausable=True),
        "RR-1",
        trigger_at=datetime(2026, 10, 23, 15, 0, tzinfo=UTC),
        now=datetime(2026, 10, 23, 15, 0, tzinfo=UTC),
        by="mei.tan",
    )
    # The Monday is a holiday: the last 2 h fall on Tuesday 09:00-11:00 GMT.
    assert clock.due_at == datetime(2026, 10, 27, 11, 0, tzinfo=UTC)
    paused = deadlines.pause(
        clock, now=datetime(2026, 10, 23, 16, 0, tzinfo=UTC), by="mei.tan", reason="x"
    )
    assert paused.left_at_pause == timedelta(hours=3)
    resumed = deadlines.resume(
        paused, now=datetime(2026, 10, 24, 12, 0, tzinfo=UTC), by="mei.tan", reason="y"
    )
    assert resumed.due_at == datetime(2026, 10, 27, 12, 0, tzinfo=UTC)


def test_a_working_hours_rule_without_a_calendar_is_refused() -> None:
    with pytest.raises(ValueError, match="no calendar"):
        rule(counting="working_hours")


def test_serve_refuses_a_broken_team_rules_file_with_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "team.toml"
    path.write_text('[rules.x]\nlabel = "x"\n', encoding="utf-8")
    code = main(["serve", "--clock-rules", str(path), "--db", str(tmp_path / "x.db")])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert f"rr-tui serve: {path}:1: rules.x.source: missing" in err[-1]
    assert len(err) == 6  # instrument, markets, trigger, duration, deliverable, source
