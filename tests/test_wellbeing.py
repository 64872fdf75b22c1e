"""Workload and wellbeing (issue 16, item 5): per-owner load, reveals, the break reminder.

The reminder and the counters are off by default and the default status bar is
unchanged; with them on, the reminder is one toast (never a dialog), `B` resets the
timer, and revealed sensitive text can be drawn softened (dim, no colour or bold).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.style import Style

from rr_tui.config import load
from rr_tui.models import Incident, Severity, Status
from rr_tui.options import DashboardOptions, WellbeingOptions
from rr_tui.present.workload import workload
from rr_tui.screens.help import groups
from rr_tui.screens.workload import WorkloadScreen
from rr_tui.sync.wellbeing import Wellbeing
from rr_tui.widgets.detail import IncidentDetail
from rr_tui.widgets.status import StatusBar
from tests.conftest import Dashboard, DashboardFactory, FakeClock, RunningServer, make_app
from tests.test_config import problems, write
from tests.test_snapshots import SIZES, SnapCompare, settled
from tests.test_widget_snapshots import NOW, incident

OPTIONS = DashboardOptions(title="RR · APAC shift")


def test_the_reminder_comes_once_then_after_remind_again_and_a_break_resets_it() -> None:
    clock = FakeClock(NOW)
    care = Wellbeing(clock, break_after=timedelta(minutes=90), remind_again=timedelta(minutes=30))
    clock.advance(89 * 60)
    assert not care.reminder_due()
    clock.advance(60)
    assert [care.reminder_due(), care.reminder_due()] == [True, False]  # once
    clock.advance(29 * 60)
    assert not care.reminder_due()
    clock.advance(60)
    assert care.reminder_due()  # no break yet: again, 30 min later
    care.took_break()
    assert care.since_break() == timedelta(0)
    clock.advance(89 * 60)
    assert not care.reminder_due()
    clock.advance(60)
    assert care.reminder_due()
    care.reveal("RR-1")
    care.reveal("RR-1")
    care.reveal("RR-2")
    assert care.revealed == 2  # distinct incidents


def test_no_reminder_when_it_is_off() -> None:
    clock = FakeClock(NOW)
    care = Wellbeing(clock)
    clock.advance(24 * 3600)
    assert not care.reminder_due()


def test_workload_puts_the_unassigned_first_then_the_most_urgent_load() -> None:
    incidents = [
        incident(1, Severity.SEV2, Status.NEW),
        incident(2, Severity.SEV1, Status.ACKNOWLEDGED, assignee="ana"),
        incident(3, Severity.SEV3, Status.ACKNOWLEDGED, assignee="ana"),
        incident(4, Severity.SEV0, Status.ESCALATED, assignee="joon"),
        # Mitigated: counted, but its stopped SLA is no deadline; its legal clock is.
        incident(9, Severity.SEV1, Status.MITIGATED, assignee="mei"),
        incident(
            8,
            Severity.SEV1,
            Status.MITIGATED,
            assignee="mei",
            deadline_at=NOW + timedelta(hours=3),
        ),
        incident(5, Severity.SEV0, Status.RESOLVED, assignee="kenji"),  # not open
    ]
    loads = workload(incidents)
    assert [load.owner for load in loads] == [None, "joon", "mei", "ana"]
    unassigned, joon, mei, ana = loads
    assert (unassigned.counts, unassigned.next_id) == ((0, 0, 1, 0, 0), "RR-2001")
    assert joon.counts == (1, 0, 0, 0, 0)
    assert (mei.total, mei.next_id, mei.next_due) == (2, "RR-2008", NOW + timedelta(hours=3))
    assert (ana.counts, ana.oldest) == ((0, 1, 0, 1, 0), NOW - timedelta(hours=3))
    assert ana.next_id == "RR-2003"  # opened first: its 2 h SLA runs out first


def test_the_wellbeing_settings_are_off_by_default_and_validated(tmp_path: Path) -> None:
    default = load(write(tmp_path, "")).settings.dashboard_options().wellbeing
    assert default == WellbeingOptions()
    assert default.break_after is None
    text = (
        '[wellbeing]\nbreak_reminder = true\nbreak_after = "2h"\nremind_again = "20m"\n'
        "status = true\nsoften_sensitive = true\n"
    )
    on = load(write(tmp_path, text)).settings.dashboard_options().wellbeing
    assert on == WellbeingOptions(timedelta(hours=2), timedelta(minutes=20), True, True)
    # break_after alone does not switch the reminder on.
    quiet = load(write(tmp_path, '[wellbeing]\nbreak_after = "2h"\n')).settings
    assert quiet.dashboard_options().wellbeing.break_after is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '[wellbeing]\nbreak_after = "2m"\n',
            "config.toml:2: wellbeing.break_after: 2m is not between 10m and 12h",
            id="too-short",
        ),
        pytest.param(
            '\n[wellbeing]\nremind_again = "soon"\n',
            "config.toml:3: wellbeing.remind_again: 'soon' is not a duration such as 30m, 2h, "
            "1h30m or 3d",
            id="not-a-duration",
        ),
        pytest.param(
            "[wellbeing]\nstatuss = true\n",
            "config.toml:2: wellbeing.statuss: unknown key 'statuss' (did you mean 'status'?)",
            id="typo",
        ),
        pytest.param(
            "[wellbeing]\nbreak_reminder = 3\n",
            "config.toml:2: wellbeing.break_reminder: 3 is not true or false",
            id="not-a-bool",
        ),
    ],
)
def test_bad_wellbeing_settings_name_the_file_line_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert problems(write(tmp_path, text)) == [expected]


def status_line(d: Dashboard) -> str:
    return str(d.app.query_one(StatusBar).render())


def a_sensitive_one(d: Dashboard) -> Incident:
    return next(i for i in d.app.dashboard.store if i.sensitive)


async def test_by_default_nothing_counts_aloud_and_no_reminder_comes(
    dashboard: DashboardFactory, clock: FakeClock
) -> None:
    async with dashboard() as d:
        await d.select(a_sensitive_one(d).id)
        await d.press("v")
        clock.advance(12 * 3600)
        d.app.dashboard.tick()
        await d.settle()
        assert "revealed" not in status_line(d)
        assert not any("break" in toast for toast in d.toasts())


async def test_reveals_are_counted_the_reminder_is_one_toast_and_b_resets_it(
    dashboard: DashboardFactory, clock: FakeClock
) -> None:
    wellbeing = WellbeingOptions(break_after=timedelta(minutes=90), status=True)
    async with dashboard(options=replace(OPTIONS, wellbeing=wellbeing)) as d:
        assert "0 revealed · 0m since break [B]" in status_line(d)
        sensitive = a_sensitive_one(d)
        await d.select(sensitive.id)
        await d.press("v", "v", "v")  # revealed, masked, revealed: one incident
        await d.until(lambda: "1 revealed" in status_line(d), "the reveal counted")

        clock.advance(91 * 60)
        d.app.dashboard.tick()
        d.app.dashboard.tick()
        await d.until(lambda: "1h31m since break" in status_line(d), "the timer")
        reminders = [t for t in d.toasts() if "since your last break" in t]
        assert len(reminders) == 1  # once, and no dialog: the dashboard keeps the keys
        assert d.on_dashboard()

        await d.press("B")
        await d.until(lambda: "0m since break" in status_line(d), "timer reset")
        assert any("Welcome back" in t for t in d.toasts())
        clock.advance(30 * 60)
        d.app.dashboard.tick()
        await d.settle()
        assert len([t for t in d.toasts() if "since your last break" in t]) == 1


async def test_w_shows_each_owners_load_and_the_analysts_own_shift(
    dashboard: DashboardFactory, clock: FakeClock
) -> None:
    async with dashboard(size=(80, 24)) as d:
        open_ones = [i for i in d.app.dashboard.store.all() if i.status.is_open]
        await d.select(a_sensitive_one(d).id)
        await d.press("v")
        await d.press("W")
        assert isinstance(d.screen, WorkloadScreen)
        await d.until(lambda: f"WORKLOAD · {len(open_ones)} open" in d.text(), "drawn")
        text = d.text()
        assert "S0" in text  # the narrow headers
        unassigned = sum(1 for i in open_ones if not i.assignee)
        row = next(line for line in text.splitlines() if line.strip().startswith("unassigned"))
        assert row.split()[1] == str(unassigned)
        assert "1 sensitive item revealed this shift" in text
        clock.advance(40 * 60)
        await d.press("r")
        await d.until(lambda: "40m since your last break" in d.text(), "redrawn")
        await d.press("B")
        await d.until(lambda: "0m since your last break" in d.text(), "reset from W")
        await d.press("escape")
        assert d.on_dashboard()


async def test_softened_sensitive_text_is_dim_and_never_bold_once_revealed(
    dashboard: DashboardFactory,
) -> None:
    soft = replace(OPTIONS, wellbeing=WellbeingOptions(soften_sensitive=True))
    for options, expected_dim in ((OPTIONS, False), (soft, True)):
        async with dashboard(options=options) as d:
            sensitive = a_sensitive_one(d)
            await d.select(sensitive.id)
            await d.press("v")
            header = d.app.query_one(IncidentDetail)._header(sensitive)
            spans = [s for s in header.spans if header.plain[s.start : s.end] == sensitive.title]
            style = Style.parse(str(spans[0].style))
            assert (bool(style.dim), bool(style.bold)) == (expected_dim, not expected_dim)
            rows = d.queue.rows
            title, cell_style = rows._cell("title", sensitive, d.app.clock(), (), (), False)
            assert title == sensitive.title  # revealed, in the queue too
            assert (cell_style == rows.style("queue--masked")) is expected_dim


@pytest.mark.parametrize("size", SIZES)
def test_workload_screen(
    snap_compare: SnapCompare, demo_server: RunningServer, clock: FakeClock, size: Any
) -> None:
    app = make_app(demo_server.url, clock)
    assert snap_compare(app, terminal_size=size, run_before=settled("W"))


def test_help_lists_the_shift_keys_w_and_b_among_them() -> None:
    """`?` did not list P, L, H or T at all (only the palette had them)."""
    titled = groups(OPTIONS)
    keys = {row.keys for _, rows in titled for row in rows}
    assert {"P", "L", "H", "T", "W", "B"} <= keys
    assert [title for title, _ in titled][-2:] == ["SHIFT", "APP"]


async def test_with_reveal_sensitive_on_the_count_is_of_sensitive_incidents_viewed(
    dashboard: DashboardFactory,
) -> None:
    """Unmasked by default, nothing is revealed with `v`: what the analyst is exposed to is
    each sensitive incident they open (its text shows in the detail pane), counted once."""
    wellbeing = WellbeingOptions(status=True)
    options = replace(OPTIONS, reveal_sensitive=True, wellbeing=wellbeing)
    async with dashboard(options=options) as d:
        store = d.app.dashboard.store
        plain = next(i for i in store if not i.sensitive)
        first, second = [i for i in store if i.sensitive][:2]
        await d.select(plain.id)
        await d.settle()
        seen = status_line(d).split(" revealed")[0].split()[-1]
        await d.select(first.id)
        await d.select(second.id)
        await d.select(first.id)  # opened again: still one
        await d.press("v")  # masks it: no more exposure, nothing more counted
        expected = int(seen) + 2
        await d.until(lambda: f"{expected} revealed" in status_line(d), "viewed counted")
        assert "all shown" not in status_line(d)
        await d.press("W")
        await d.until(lambda: "WORKLOAD" in d.text(), "drawn")
        assert f"{expected} sensitive items revealed this shift" in d.text()
