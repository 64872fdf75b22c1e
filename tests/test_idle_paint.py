"""Idle at the floor: the clock moves the texts it changes, and repaints nothing else (issue 14).

Counted, not timed: a spy on the queue's row renderer records which incidents
are painted, against the real dashboard on the demo server with the frozen
clock moved by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from textual.widgets import OptionList, Static

from rr_tui.models import IncidentCreate, Role
from rr_tui.present.format import age, sla, stamp
from rr_tui.server.store import Actor
from rr_tui.widgets.contacts import StakeholderPane
from rr_tui.widgets.queue import QueueView
from rr_tui.widgets.status import StatusBar
from tests.conftest import Dashboard, DashboardFactory, FakeClock, RunningServer

INTAKE = Actor("intake", Role.LEAD)
ROW = re.compile(r"(RR-\d+)\s+(\S+)\s+(\S+)")


def shown(d: Dashboard) -> dict[str, tuple[str, str]]:
    """AGE and SLA of every queue row on screen, as the terminal shows them, by id."""
    return {match[1]: (match[2], match[3]) for match in ROW.finditer(d.text())}


def truth(d: Dashboard, clock: FakeClock, ids: set[str]) -> dict[str, tuple[str, str]]:
    """What AGE and SLA should read now."""
    now = clock()
    held = {incident_id: d.app.store.get(incident_id) for incident_id in ids}
    return {i: (age(x, now), sla(x, now)[0]) for i, x in held.items() if x is not None}


@contextmanager
def painted_rows(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The ids of the queue rows rendered inside the block, in order."""
    rows: list[str] = []
    original = QueueView._row

    def spy(self: QueueView, incident, is_cursor, width):  # type: ignore[no-untyped-def]
        rows.append(incident.id)
        return original(self, incident, is_cursor, width)

    monkeypatch.setattr(QueueView, "_row", spy)
    yield rows


def status_line(d: Dashboard) -> str:
    """The status bar, as on screen."""
    return d.text().splitlines()[0]


async def tick(d: Dashboard, clock: FakeClock, seconds: float) -> None:
    """Move the clock, run the screen's one-second tick, and let it paint."""
    clock.advance(seconds)
    d.app.dashboard.tick()
    await d.pilot.pause()
    await d.pilot.pause()


async def test_age_sla_and_status_tick_exactly_when_their_text_changes(
    demo_server: RunningServer,
    clock: FakeClock,
    dashboard: DashboardFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_server.store.write() as tx:
        fresh = tx.create(
            IncidentCreate.model_validate(
                {
                    "title": "Live attack stream",
                    "severity": "SEV0",
                    "category": "violent_extremism",
                    "region": "TH",
                    "source": "trusted_flagger",
                }
            ),
            INTAKE,
        )
    async with dashboard() as d:
        await d.poll()
        assert shown(d)[fresh.id][0] == "0s"
        with painted_rows(monkeypatch) as rows:
            # Each second under a minute AGE moves, and only the rows whose text moved repaint.
            for seconds, ago in ((1, "1s"), (1, "2s"), (1, "3s"), (58, "1m")):
                before = shown(d)
                await tick(d, clock, seconds)
                assert f"● live · {ago} ago" in status_line(d)
                now = shown(d)
                assert now == truth(d, clock, set(now)), "AGE/SLA on screen are not the truth"
                moved = {i for i in now if now[i] != before.get(i)}
                assert fresh.id in moved
                assert set(rows) == moved, f"repainted {set(rows) - moved} with no new text"
                rows.clear()
            assert shown(d)[fresh.id][0] == "1m"
            # Above a minute AGE moves each minute: 30 s later the row is not painted again.
            before = shown(d)
            bar = d.app.query_one(StatusBar)
            monkeypatch.setattr(bar, "render", lambda: pytest.fail("status bar repainted"))
            await tick(d, clock, 30)
            assert shown(d)[fresh.id] == before[fresh.id]
            assert fresh.id not in rows
            assert shown(d) == truth(d, clock, set(before))
            # The status bar still reads "1m ago" and the minute has not turned: not repainted.
            assert "● live · 1m ago" in status_line(d)


async def test_a_poll_or_a_tick_that_changes_nothing_repaints_no_row(
    clock: FakeClock, dashboard: DashboardFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with dashboard() as d:
        visible = set(shown(d))
        assert len(visible) > 20
        with painted_rows(monkeypatch) as rows:
            await d.poll()
            await d.poll()
            assert rows == [], "a poll with no changes re-rendered queue rows"
            # Half a second: no AGE or SLA text moves (the clock starts on a whole second).
            await tick(d, clock, 0.5)
            assert rows == []
            before = shown(d)
            await tick(d, clock, 60)
            moved = {i for i, texts in shown(d).items() if texts != before[i]}
            assert set(rows) == moved
            # A cursor move repaints the row it leaves and the row it lands on, no more.
            rows.clear()
            await d.press("down")
            first, second = d.app.store.row(0).id, d.app.store.row(1).id
            assert sorted(rows) == sorted([first, second])


async def test_the_tick_compares_only_rows_whose_clock_text_can_have_moved(
    clock: FakeClock, dashboard: DashboardFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most rows read minutes or hours: a second later their texts cannot have moved, and
    the tick does not even work them out again (the screen still tells the truth)."""
    async with dashboard() as d:
        queue = d.app.query_one(QueueView)
        painted = len(queue._painted)
        assert painted > 20
        compared: list[str] = []
        original = queue.rows.clock_texts

        def spy(incident, now):  # type: ignore[no-untyped-def]
            compared.append(incident.id)
            return original(incident, now)

        monkeypatch.setattr(queue.rows, "clock_texts", spy)
        for _ in range(3):
            compared.clear()
            await tick(d, clock, 1)
            assert len(compared) < painted / 2, f"{len(compared)} of {painted} rows compared"
        before = shown(d)
        await tick(d, clock, 3600)
        assert shown(d) == truth(d, clock, set(before))


async def test_the_status_line_is_built_once_per_change(
    clock: FakeClock, dashboard: DashboardFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bar compares the new line with the one on screen and paints that same line."""
    async with dashboard() as d:
        bar = d.app.query_one(StatusBar)
        built: list[str] = []
        original = bar.line

        def spy():  # type: ignore[no-untyped-def]
            line = original()
            built.append(line.plain)
            return line

        monkeypatch.setattr(bar, "line", spy)
        await tick(d, clock, 1)
        assert "● live · 1s ago" in status_line(d)
        assert len(built) == 1, built


async def test_the_stakeholder_list_is_not_rebuilt_when_nothing_moved(
    clock: FakeClock, dashboard: DashboardFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tick, or a redraw of the directory, with nothing new: the pane touches nothing. The
    minute turning moves the local times in place: the cursor and the scroll stay."""
    async with dashboard() as d:
        pane = d.app.query_one(StakeholderPane)
        options = pane.query_one(OptionList)
        title = pane.query_one("#contacts-title", Static)
        calls: list[str] = []

        def counted(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
            def spy(*args: Any, **kwargs: Any) -> Any:
                calls.append(name)
                return call(*args, **kwargs)

            return spy

        monkeypatch.setattr(options, "clear_options", counted("clear", options.clear_options))
        replace = counted("replace", options.replace_option_prompt_at_index)
        monkeypatch.setattr(options, "replace_option_prompt_at_index", replace)
        monkeypatch.setattr(title, "update", counted("title", title.update))
        options.highlighted = 3
        await tick(d, clock, 0)
        pane.refresh_list()
        await d.pilot.pause()
        assert calls == []
        # 06:33 UTC: nobody's working hours start or end, only clocks move.
        await tick(d, clock, 60)
        assert "clear" not in calls
        assert "title" not in calls
        assert calls.count("replace") == len(pane.shown)
        assert options.highlighted == 3
        assert "14:33 SGT" in d.text()


async def test_the_stakeholder_list_says_when_someones_working_hours_start(
    clock: FakeClock, dashboard: DashboardFactory
) -> None:
    async with dashboard() as d:
        pane = d.app.query_one(StakeholderPane)
        contacts = d.app.directory.contacts
        # The next minute at which someone starts working, searched minute by minute.
        start = next(
            (clock() + timedelta(minutes=m), c)
            for m in range(1, 24 * 60)
            for c in contacts
            if c.is_working(clock() + timedelta(minutes=m))
            and not c.is_working(clock() + timedelta(minutes=m - 1))
        )
        at, starter = start
        clock.now = at - timedelta(minutes=1)
        await tick(d, clock, 0)
        line = pane.query_one(OptionList).get_option(starter.id).prompt
        assert "off hours" in str(line)
        await tick(d, clock, 60)
        line = pane.query_one(OptionList).get_option(starter.id).prompt
        assert " · working" in str(line)
        ranked = [item.contact.id for item in d.app.directory.ranked(pane.incident, clock())]
        assert [contact.id for contact in pane.shown] == ranked


def detail_sla(d: Dashboard) -> str:
    """The SLA words of the detail header, as on screen."""
    header = str(d.app.dashboard.query_one("#detail-header", Static).render())
    return header.split("SLA ", 1)[1].splitlines()[0].strip()


async def test_the_detail_header_never_shows_a_stale_sla(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    """It said `SLA 4s` for as long as the incident stayed selected, beside a queue row that
    had long said `-40s!`: a countdown drawn once, at selection. It now names the due time
    (in the shift's zone, as `opened` does), which does not move, and is marked breached
    (`!`, as in the queue) when that time passes."""
    async with dashboard() as d:
        incident = d.app.store.row(0)
        await d.select(incident.id)
        due = incident.due_at
        zone = d.app.options.zones[0]
        clock.now = due - timedelta(seconds=5)
        await tick(d, clock, 0)
        at = stamp(due, zone, clock())
        assert detail_sla(d) == at
        await tick(d, clock, 10)
        assert detail_sla(d) == f"{at}!"
        assert shown(d)[incident.id][1] == "-5s!"
