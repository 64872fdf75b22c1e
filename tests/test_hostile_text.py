"""Hostile text (issue 7, part 2): served by the real server, shown everywhere, acted on nowhere.

Every string goes in through the API (or the directory, for contacts) and
comes back over HTTP; the dashboard shows it in the queue, the detail header,
the timeline, the stakeholder pane, the search and the dialogs. Nothing may
reach the terminal as a control or escape sequence, markup must show as
typed, and the rows around a hostile one must keep their layout.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from textual.app import App

from rr_tui.models import Contact, IncidentCreate, Role, Severity, Source, Team
from rr_tui.screens.escalate import EscalateDialog
from rr_tui.server.store import Actor
from rr_tui.widgets.contacts import StakeholderPane
from rr_tui.widgets.queue import QueueView
from tests.conftest import DashboardFactory, FakeClock, RunningServer, make_app, screen_text, settle

LEAD_ACTOR = Actor("lee.lead", Role.LEAD)

CORPUS: dict[str, str] = {
    "rich markup": "[bold red]URGENT[/] [link=https://evil.example]click[/link]",
    "action link": "[@click=app.quit]quit[/] [@click=app.bell]ring[/]",
    "ansi colours": "\x1b[31mred\x1b[0m \x1b[2J\x1b[H cleared?",
    "osc 52 clipboard": "\x1b]52;c;cm0gLXJmIH4=\x07 copied?",
    "osc title": "\x1b]0;pwned\x07\x1b]2;pwned\x1b\\ title?",
    "c1 csi": "\x9b31m c1 csi \x9c",
    "bidi override": "invoice \u202ecod.exe\u202c and \u2066isolate\u2069",
    "zero width": "pay\u200bpal \u200d\u2060 \ufeffbom",
    "combining": "Z\u0351\u0300\u0301a\u0352\u0300l\u0353\u0300g\u0354o" + "\u0300" * 40,
    "wide cjk and emoji": "緊急 炎上 🔥🔥👩\u200d👩\u200d👧 ムスリム 한국어",
    "nul and controls": "before\x00after\x07\x08\x7f end",
    "newlines": "line one\nline two\r\nline three\ttab",
    "very long": "A" * 290 + "END",
}
"""Name → string. Each becomes an incident title, its summary, a note and a contact name."""


def cells(app: App[None]) -> list[int]:
    return [strip.cell_length for strip in app.screen._compositor.render_strips()]


FORBIDDEN = ["\x1b", "\x07", "\x9b", "\x9c", "\x00", "\u202e", "\u2066", "\u200b", "\ufeff", "\x7f"]


def assert_inert(app: App[None]) -> None:
    """Nothing a terminal would act on, and every line exactly the screen's width."""
    text = screen_text(app)
    for char in FORBIDDEN:
        assert char not in text, f"{char!r} reached the screen"
    widths = set(cells(app))
    assert widths == {app.size.width}, f"line widths {widths}: a row's layout broke"


@pytest.fixture
def hostile_server(demo_server: RunningServer) -> RunningServer:
    """The demo server with the corpus in incidents, notes and the directory."""
    with demo_server.store.write() as tx:
        for name, text in CORPUS.items():
            # Built without validation: the API refuses NUL (422), but another
            # backend may send it, so it goes into the store behind the API.
            created = tx.create(
                IncidentCreate.model_construct(
                    title=text[:300],
                    summary=text,
                    severity=Severity.SEV0,
                    category="hate_speech",
                    region="TH",
                    source=Source.USER_REPORT,
                    tags=[name],
                ),
                LEAD_ACTOR,
            )
            tx.add_note(created.id, text, LEAD_ACTOR)
    contacts, _ = demo_server.store.contacts()
    hostile = [
        Contact(
            id=f"hostile-{n}",
            name=text[:200],
            team=Team.LEGAL,
            role=text[:200],
            regions=["TH"],
            timezone="Asia/Bangkok",
            phone=text[:100],
            email="x@example.com",
            on_call=True,
        )
        for n, text in enumerate(CORPUS.values())
    ]
    demo_server.store.replace_contacts([*hostile, *contacts])
    return demo_server


async def test_every_hostile_string_renders_inert_everywhere(
    hostile_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    async with dashboard(url=hostile_server.url) as d:
        app, pilot = d.app, d.pilot
        queue = app.query_one(QueueView)
        hostile_ids = [i.id for i in app.store if i.title in {t[:300] for t in CORPUS.values()}]
        assert len(hostile_ids) == len(CORPUS)
        for incident_id in hostile_ids:
            queue.select(incident_id)
            await settle(app, pilot)
            assert_inert(app)
        # Markup shows as typed, in the detail header and the timeline.
        queue.select(hostile_ids[list(CORPUS).index("action link")])
        await settle(app, pilot)
        text = screen_text(app)
        assert "[@click=app.quit]quit[/] [@click=app.bell]ring[/]" in text
        # Clicking where a link would be does nothing.
        await pilot.click(QueueView, offset=(70, 1 + queue.cursor - round(queue.scroll_offset.y)))
        await pilot.pause()
        assert app.is_running
        # The stakeholder pane, its search, and the escalation dialog.
        await pilot.press("/", *"URGENT")
        await settle(app, pilot)
        assert app.query_one(StakeholderPane).shown
        assert_inert(app)
        await pilot.press("escape", "escape")
        await pilot.press("e")
        assert isinstance(app.screen, EscalateDialog)
        assert_inert(app)
        await pilot.press("escape")
        # Copying a hostile phone number copies text, never an escape sequence.
        await pilot.press("/", *"copied")
        await pilot.press("enter", "c")
        assert app.clipboard is not None
        assert "\x1b" not in app.clipboard
        assert app.is_running


async def test_other_rows_keep_their_layout(
    hostile_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    async with dashboard(url=hostile_server.url) as d:
        app = d.app
        lines = screen_text(app).splitlines()
        rows = [line for line in lines if "RR-" in line[:20]]
        # The ID column starts at the same cell on every row, hostile or not.
        starts = {line.index("RR-") for line in rows}
        assert len(starts) == 1, starts
        assert_inert(app)


def spoil(field: str, value: Any) -> httpx.AsyncBaseTransport:
    """A transport that puts `value` into `field` of the first incident of every page."""

    class Spoiler(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.real = httpx.AsyncHTTPTransport()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await self.real.handle_async_request(request)
            body = await response.aread()
            if request.url.path.endswith("/incidents") and response.status_code == 200:
                page = json.loads(body)
                if page["items"]:
                    page["items"][0][field] = value
                    text = json.dumps(page, ensure_ascii=False).encode("utf-8", "surrogatepass")
                    return httpx.Response(200, content=text, headers={"etag": "x"})
            return httpx.Response(response.status_code, content=body, headers=response.headers)

    return Spoiler()


@pytest.mark.parametrize(
    ("field", "value", "skipped"),
    [
        ("title", "M" * 1_000_000, 1),  # a 1 MB title breaks the schema: skipped, reported
        ("summary", "S" * 1_000_000, 1),
        ("title", "lone \ud800 surrogate", 0),  # parsed leniently, shown as U+FFFD
    ],
    ids=["1MB-title", "1MB-summary", "invalid-surrogate"],
)
async def test_what_the_server_would_refuse_is_handled_from_any_backend(
    demo_server: RunningServer,
    clock: FakeClock,
    field: str,
    value: str,
    skipped: int,
    dashboard: DashboardFactory,
) -> None:
    async with dashboard(transport=spoil(field, value)) as d:
        app = d.app
        assert app.poller.skipped_total == skipped
        assert len(app.store) >= len(demo_server.store.open_incidents()) - 1
        assert_inert(app)
        if skipped:
            assert "bad records skipped" in screen_text(app)
        assert app.is_running


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("name", ["action link", "wide cjk and emoji", "bidi override"])
def test_snapshot_hostile_incident(
    snap_compare: Any, hostile_server: RunningServer, clock: FakeClock, size: Any, name: str
) -> None:
    app = make_app(hostile_server.url, clock)
    target = CORPUS[name][:300]

    async def run_before(pilot: Any) -> None:
        await settle(app, pilot)
        incident = next(i for i in app.store if i.title == target)
        app.query_one(QueueView).select(incident.id)
        await pilot.press("enter")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
