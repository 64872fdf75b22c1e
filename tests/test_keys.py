"""Every key does what was meant (issue 12): no key lost or misread, Escape always gets back."""

from __future__ import annotations

from pathlib import Path

import httpx
from textual import events
from textual.widgets import TextArea

from rr_tui.models import IncidentCreate, IncidentPatch, Role, Severity, Status
from rr_tui.screens.confirm import ConfirmBulk
from rr_tui.screens.dialogs import CannotAct, TextPrompt
from rr_tui.screens.help import HelpScreen
from rr_tui.screens.writing import LongTextPrompt
from rr_tui.server.store import Actor
from rr_tui.widgets.contacts import StakeholderPane
from tests.conftest import ANALYST, Dashboard, DashboardFactory, FakeClock, RunningServer, make_app
from tests.test_triage import someone_else

LEAD = Actor("lee.lead", Role.LEAD)


def create(server: RunningServer, severity: str, status: str = "new") -> str:
    body = IncidentCreate.model_validate(
        {
            "title": "Attack livestream re-uploads surging",
            "severity": severity,
            "category": "violent_extremism",
            "region": "TH",
            "source": "trusted_flagger",
        }
    )
    with server.store.write() as tx:
        incident = tx.create(body, LEAD)
    return incident.id


async def test_a_reason_typed_after_a_no_op_severity_key_runs_no_key(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """`0` on a SEV0 opened nothing, so "raise to SEV0" + Enter pressed `r` and resolved it."""
    incident_id = create(demo_server, "SEV0")
    before = demo_server.store.get(incident_id)
    async with dashboard() as d:
        await d.select(incident_id)
        await d.press("0")
        assert isinstance(d.screen, CannotAct)
        assert "already there" in d.text()
        await d.press(*"raise to SEV0 quickly", "enter")
        await d.settle()
        assert d.on_dashboard()
        assert not d.app.outbox.waiting()
        assert d.app.is_running
        assert d.queue.selected_id == incident_id
    after = demo_server.store.get(incident_id)
    assert (after.status, after.version) == (Status.NEW, before.version)


async def test_a_no_op_resolve_or_reopen_swallows_what_is_typed(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident_id = create(demo_server, "SEV2")
    async with dashboard() as d:
        await d.select(incident_id)
        await d.press("o")  # nothing to reopen: it is open
        assert isinstance(d.screen, CannotAct)
        await d.press(*"quick note", "escape")
        assert d.on_dashboard()
        assert d.app.is_running
    assert demo_server.store.get(incident_id).version == 1


async def test_an_analyst_is_refused_before_typing_a_reason(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident_id = create(demo_server, "SEV1")
    async with dashboard(token=ANALYST) as d:
        await d.select(incident_id)
        await d.press("minus")
        assert isinstance(d.screen, CannotAct), "asked for a reason it would then refuse"
        assert "only a lead may lower severity" in d.text()
        await d.press(*"not that bad", "enter")
        assert d.on_dashboard()
        assert not d.app.outbox.waiting()
    assert demo_server.store.get(incident_id).severity is Severity.SEV1


async def test_the_raise_prompt_names_the_target_level(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    incident_id = create(demo_server, "SEV2")
    async with dashboard() as d:
        await d.select(incident_id)
        await d.press("plus")
        assert isinstance(d.screen, TextPrompt)
        assert "Raise severity to SEV1: why?" in d.text()
        await d.press("escape")


async def test_escape_from_the_contact_search_gives_the_keys_back_to_the_queue(
    dashboard: DashboardFactory,
) -> None:
    """`/` `legal` `escape` `j`: the cursor did not move, and the search's hits stayed under
    the incident's header."""
    async with dashboard() as d:
        first = d.queue.selected_id
        await d.press("/", *"legal", "escape", "j")
        assert d.queue.selected_id != first
        assert d.queue.cursor == 1
        pane = d.app.query_one(StakeholderPane)
        assert not pane.searching
        selected = d.app.store.get(d.queue.selected_id or "")
        assert selected is not None
        await d.settle()
        ranked = d.app.directory.ranked(selected, d.app.clock())
        assert [c.id for c in pane.shown] == [r.contact.id for r in ranked]


async def test_escape_at_80_columns_returns_from_the_side_pane_and_search(
    dashboard: DashboardFactory,
) -> None:
    async with dashboard(size=(80, 24)) as d:
        await d.press("/", *"policy", "escape", "escape", "j")
        assert d.queue.cursor == 1
        assert d.queue.region.width > 0


async def test_stakeholder_times_tick_with_the_shift_clock(
    dashboard: DashboardFactory, clock: FakeClock
) -> None:
    """ "03:22 IST" stayed on screen from 05:52 to 05:55 SGT: the pane redraws as minutes turn."""
    async with dashboard() as d:
        assert "14:32 SGT" in d.text()
        clock.advance(180)
        d.app.dashboard.tick()
        await d.settle()
        text = d.text()
        assert "14:35 SGT" in text
        side = "\n".join(line.split("▏", 1)[-1] for line in text.splitlines())
        # The stakeholders' times (the detail header above names the SLA's due time, 14:32).
        assert "14:32" not in side.split("STAKEHOLDERS", 1)[1]


async def test_the_view_name_stays_on_screen_at_80_columns(
    dashboard: DashboardFactory, tmp_path: Path
) -> None:
    """At 80x24 the bar dropped the view's name: an empty `mine` view looked like no work."""
    from rr_tui.config import load

    (tmp_path / "config.toml").write_text('default_view = "mine"\n')
    options = load(tmp_path / "config.toml").settings.dashboard_options()
    async with dashboard(size=(80, 24), options=options) as d:
        await d.until(lambda: d.app.dashboard.view is not None)
        await d.settle()
        assert "view mine" in d.text().splitlines()[0]


class WritesRefused(httpx.AsyncBaseTransport):
    """Reads reach the real server; every write is refused before it leaves (a dead uplink
    the real server cannot fake on demand)."""

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            raise httpx.ConnectError("no route to host", request=request)
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


async def test_quitting_with_actions_waiting_asks_first(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """`q` with `↻ 1 waiting` quit without a word (the action is kept, but nobody knew)."""
    incident_id = create(demo_server, "SEV2")
    async with dashboard(transport=WritesRefused()) as d:
        await d.select(incident_id)
        await d.press("a")
        await d.until(lambda: d.app.outbox.waiting() and d.app.drainer.failures > 0)
        await d.press("q")
        assert d.app.return_code is None, "quit with an action waiting, without a word"
        assert any("still wait for the backend" in m for m in d.toasts())
        await d.press("q")
        assert d.app.return_code == 0


async def test_mitigate_stops_the_sla_clock(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """No key marked an incident mitigated, the status that stops the SLA clock."""
    incident_id = create(demo_server, "SEV1")
    async with dashboard() as d:
        await d.select(incident_id)
        await d.press("m", *"takedown done", "enter")
        await d.drained()
        assert d.app.store.get(incident_id).status is Status.MITIGATED  # type: ignore[union-attr]
        await d.press("m")  # again: nothing to mitigate, and the text typed goes nowhere
        assert isinstance(d.screen, CannotAct)
        await d.press(*"oops", "enter")
    server_side = demo_server.store.get(incident_id)
    assert server_side.status is Status.MITIGATED
    assert demo_server.store.timeline(incident_id)[-1].message == "takedown done"


async def test_new_urgent_incidents_stay_counted_until_acknowledged_and_one_key_finds_them(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """A new SEV0 was easy to miss: the toast went, the flash lasted 4 s, nothing stayed."""
    async with dashboard() as d:
        first = d.app.store.unacknowledged()
        assert first > 0
        assert f"⚑ {first} to ack" in d.text()
        await d.press("G")  # scrolled away to the bottom
        await d.press("exclamation_mark")
        selected = d.app.store.get(d.queue.selected_id or "")
        assert selected is not None
        assert (selected.status, selected.severity.rank <= 1) == (Status.NEW, True)
        await d.press("a")
        await d.drained()
        assert d.app.store.unacknowledged() == first - 1
        if first == 1:
            assert "to ack [!]" not in d.text()
        else:
            assert f"⚑ {first - 1} to ack" in d.text()


async def test_the_resolved_view_and_reopen(
    demo_server: RunningServer, dashboard: DashboardFactory, tmp_path: Path
) -> None:
    """No built-in view showed resolved incidents, so `o` always said "Nothing to reopen"."""
    from rr_tui.config import load

    incident_id = create(demo_server, "SEV2")
    current = demo_server.store.get(incident_id)
    with demo_server.store.write() as tx:
        tx.patch(
            incident_id,
            IncidentPatch(status=Status.RESOLVED, reason="removed"),
            LEAD,
            current.version,
        )
    (tmp_path / "config.toml").write_text("")
    options = load(tmp_path / "config.toml").settings.dashboard_options()
    async with dashboard(options=options) as d:
        await d.press("R")
        await d.until(
            lambda: d.app.dashboard.view is not None and d.app.dashboard.view.name == "resolved"
        )
        await d.settle()
        assert d.app.store.index_of(incident_id) is not None
        await d.select(incident_id)
        await d.press("o", *"came back", "enter")
        await d.drained()
    assert demo_server.store.get(incident_id).status is Status.ACKNOWLEDGED


async def test_readme_counts_acknowledge_the_most_urgent_new_incident_in_two_keys(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """Acknowledging the most urgent new incident took 12 keys (issue 12): now `!` `a`."""
    async with dashboard() as d:
        await d.press("G")
        rows = [d.app.store.row(i) for i in range(len(d.app.store))]
        most_urgent = next(i for i in rows if d.app.store.needs_acknowledging(i))
        await d.press("exclamation_mark", "a")
        await d.drained()
    assert demo_server.store.get(most_urgent.id).status is Status.ACKNOWLEDGED


async def test_pastes_are_taken_whole_or_refused_in_words_and_notes_take_lines(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """A paste over ~10,000 characters into a note vanished silently (the backend's note cap,
    `TEXT_MAX`, is 10,000; a reason's is 1,000); notes and resolutions were one line."""
    incident_id = create(demo_server, "SEV2")
    async with dashboard() as d:
        await d.select(incident_id)
        await d.press("n", *"so far")
        assert isinstance(d.screen, LongTextPrompt)
        d.app.post_message(events.Paste("x" * 12_000))
        await d.until(lambda: "Not pasted: that is 12,000 characters" in d.text())
        assert "a note holds 10,000" in d.text()
        assert d.screen.query_one(TextArea).text == "so far", "what was typed was lost"
        d.app.post_message(events.Paste(":\nline two\n" + "y" * 9_000))
        await d.until(lambda: "line two" in d.screen.query_one(TextArea).text)
        await d.press("enter", *"line three", "ctrl+s")
        await d.drained()
        note = demo_server.store.timeline(incident_id)[-1].message
        assert note.startswith("so far:\nline two\nyyy")
        assert note.endswith("y\nline three")

        await d.press("plus")  # a reason is one line: a longer paste is refused, not cut
        d.app.post_message(events.Paste("r" * 1_200))
        await d.until(lambda: "Not pasted: that is 1,200 characters" in d.text())
        d.app.post_message(events.Paste("first\nsecond"))
        await d.until(lambda: "takes one line" in d.text())
        await d.press("escape")

        await d.press("r", *"removed", "enter", *"by the partner")
        assert isinstance(d.screen, LongTextPrompt)
        assert "ctrl+s: send   enter: new line" in d.text()
        await d.press("ctrl+s")
        await d.drained()
    assert demo_server.store.timeline(incident_id)[-1].message == "removed\nby the partner"


async def test_one_escape_from_every_dialog_state_returns_to_the_queue(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """`/` `legal` `escape` `j` left the cursor where it was; three Escapes did not help."""
    incident_id = create(demo_server, "SEV2")
    async with dashboard() as d:
        await d.select(incident_id)
        incident = demo_server.store.get(incident_id)
        someone_else(demo_server, incident, status="acknowledged", assignee="oth.er")
        await d.press("1", *"spreading", "enter")  # meets the other change: one conflict
        await d.drained()
        states = {
            "reason prompt": ("plus", *"half a reason"),
            "note": ("n", *"half", "enter", *"a note"),
            "cannot act": ("o", *"typed on"),
            "assign": ("I", *"ana"),
            "picker with filter text": ("e", *"leg"),
            "picker note": ("e", "tab", *"for legal"),
            "conflicts list": ("C", "j"),
            "contact search with text": ("slash", *"policy", "enter"),
            "palette with text": ("ctrl+p", *"reso"),
            "help": ("question_mark",),
        }
        for state, keys in states.items():
            await d.select(incident_id)
            await d.press(*keys)
            assert not d.on_dashboard() or state.startswith(("contact", "help")), state
            await d.press("escape")
            await d.settle()
            assert d.on_dashboard(), f"{state}: one escape left {d.screen}"
            assert d.app.focused is d.queue, f"{state}: the keys went to {d.app.focused}"
            cursor = d.queue.cursor
            await d.press("j")
            assert d.queue.cursor == cursor + 1, f"{state}: j did not move the queue"
    assert demo_server.store.get(incident_id).severity is Severity.SEV2  # nothing was sent


async def test_bulk_resolve_or_lower_of_sev0_sev1_asks_a_second_time(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """`*` `r` resolved 64 incidents, SEV0s among them, with one reason and no second look."""
    urgent, minor = create(demo_server, "SEV1"), create(demo_server, "SEV3")
    async with dashboard() as d:
        for incident_id in (urgent, minor):
            await d.select(incident_id)
            await d.press("space")
        await d.press("r", *"all done", "ctrl+s")
        assert isinstance(d.screen, ConfirmBulk)
        assert "Resolve 2 incidents? 1 SEV1 among them." in d.text()
        await d.press("q", "a", "n")  # swallowed, swallowed, no
        assert d.on_dashboard()
        assert d.app.is_running
        assert not d.app.outbox.waiting()
        await d.press("minus", *"calmer", "enter")
        assert "Lower 2 incidents? 1 SEV1 among them." in d.text()
        await d.press("y")
        await d.drained()
    assert demo_server.store.get(urgent).severity is Severity.SEV2
    assert demo_server.store.get(minor).severity is Severity.SEV4
    assert demo_server.store.get(urgent).status is Status.NEW


async def test_help_lists_the_products_own_keys_grouped(
    dashboard: DashboardFactory, tmp_path: Path
) -> None:
    """`?` listed Textual's bindings (Scroll Left, Page Left, Copy selected text) beside ours."""
    from rr_tui.config import load

    (tmp_path / "config.toml").write_text('[keymap]\n"triage.ack" = "A"\n')
    options = load(tmp_path / "config.toml").settings.dashboard_options()
    async with dashboard(options=options) as d:
        await d.press("question_mark")
        assert isinstance(d.screen, HelpScreen)
        text = d.text()
        for internal in ("Scroll Left", "Page Left", "Copy selected text", "Maximize"):
            assert internal not in text
        headings = ["NAVIGATE", "TRIAGE", "VIEWS", "CONTACTS", "SHIFT", "APP"]
        lines = text.splitlines()
        at = {
            heading: next(
                (row, line.index(heading)) for row, line in enumerate(lines) if heading in line
            )
            for heading in headings
        }
        # Two columns at 160x48: navigate and triage on the left, the rest on the right.
        assert at["NAVIGATE"][0] < at["TRIAGE"][0]
        assert at["NAVIGATE"][1] == at["TRIAGE"][1]
        assert [at[h][0] for h in headings[2:]] == sorted(at[h][0] for h in headings[2:])
        assert {at[h][1] for h in headings[2:]} == {at["VIEWS"][1]}
        assert at["VIEWS"][1] > 40
        assert "Legal clocks: start, pause" in text
        assert "Protocols (playbooks)" in text
        assert "Command palette" in text  # the last line: every key shows, none scrolled off
        assert "Acknowledge the selected or marked incidents" in text
        assert "A            Acknowledge" in text, "the user's keymap is not shown"
        assert "0/1/2/3/4" in text
        assert "Copy phone" in text
        await d.press("question_mark")
        assert d.on_dashboard()


async def test_toasts_never_cover_queue_rows_at_80_columns(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    """At 80x24 a toast covered the bottom rows of the queue, the cursor's among them."""
    from textual.widgets._toast import Toast

    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        d = Dashboard(app, pilot)
        await d.settle()
        await d.press("G", "a", "a")  # "Nothing to acknowledge" (the last row is not new)
        await d.until(lambda: len(d.app.screen.query(Toast)) >= 1)
        await d.settle()
        queue = d.queue.region
        for toast in d.app.screen.query(Toast):
            assert not toast.region.overlaps(queue), (toast.region, queue)
        top = round(d.queue.scroll_offset.y)
        assert top <= d.queue.cursor < top + d.queue.page_height, "the cursor's row is hidden"


async def test_a_toast_at_80_columns_shows_its_message_not_only_its_title(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    """At 80x24 a toast's last line (its message) sat under the footer: "Not available",
    and not why."""
    from textual.widgets._toast import Toast

    app = make_app(demo_server.url, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        d = Dashboard(app, pilot)
        await d.settle()
        await d.press("G", "a")  # "Nothing to acknowledge" (the last row is not new)
        await d.until(lambda: len(d.app.screen.query(Toast)) == 1)
        await d.settle()
        assert "Nothing to acknowledge" in d.text()
        footer = d.app.screen.query_one("Footer").region
        assert not d.app.screen.query_one(Toast).region.overlaps(footer)


async def test_switching_views_keeps_the_cursor_on_the_incident_still_shown(
    demo_server: RunningServer, dashboard: DashboardFactory, tmp_path: Path
) -> None:
    """Switching views put the cursor back on the top row."""
    from rr_tui.config import load

    incident_id = create(demo_server, "SEV3")  # new: in the open view and the new view
    (tmp_path / "config.toml").write_text("")
    options = load(tmp_path / "config.toml").settings.dashboard_options()
    async with dashboard(options=options) as d:
        await d.until(lambda: d.app.dashboard.view is not None)
        await d.settle()
        await d.select(incident_id)
        assert d.queue.cursor > 0
        for step in ("right_square_bracket",) * len(options.views):
            await d.press(step)
            await d.settle()
            view = d.app.dashboard.view
            assert view is not None
            if d.app.store.index_of(incident_id) is not None:
                assert d.queue.selected_id == incident_id, f"view {view.name} moved the cursor"
