"""Protocols on the dashboard: the whole flow from the keyboard, and pictures of a checklist.

Against the demo server with a frozen clock: `K` activates the child-safety
protocol from those that apply, ticks steps (one with a note, one that starts
the NCMEC clock), unticks one, and `escape` closes everything; the queue shows
the progress beside the title and the side column lists the steps with ticks.
The snapshots show the dialog and the detail at 80x24 and 160x48.
"""

from __future__ import annotations

from typing import Any

import pytest

from rr_tui.deadlines import ProtocolRun
from rr_tui.models import Incident
from rr_tui.screens.dialogs import TextPrompt
from rr_tui.screens.protocol_dialog import ProtocolDialog
from rr_tui.server import clock_steps, protocol_steps
from rr_tui.widgets.protocols import ProtocolsPane
from tests.conftest import FakeClock, RunningServer, make_app
from tests.test_api import create
from tests.test_clock_screens import showing
from tests.test_snapshots import SIZES, SnapCompare


def child_safety_report(server: RunningServer) -> Incident:
    with server.client() as lead:
        return create(
            lead,
            severity="SEV1",
            source="trusted_flagger",
            region="PH",
            category="child_safety",
            title="Partner NGO flags an exploitation ring's group chats",
        )


def runs(server: RunningServer, incident_id: str) -> list[ProtocolRun]:
    with server.store.engine.connect() as conn:
        return protocol_steps.stored(conn, incident_id)


def ticked(server: RunningServer, incident_id: str) -> list[str]:
    return [tick.step for run in runs(server, incident_id) for tick in run.ticks]


async def test_the_whole_protocol_flow_from_the_keyboard(
    dashboard: Any, demo_server: RunningServer
) -> None:
    incident = child_safety_report(demo_server)
    async with dashboard() as board:
        await board.poll()
        await board.select(incident.id)

        def dialog() -> ProtocolDialog | None:
            return board.screen if isinstance(board.screen, ProtocolDialog) else None

        await board.press("K")
        await board.until(dialog, "the protocols dialog")
        shown = dialog()
        assert shown is not None
        assert [choice.label.split()[:2] for choice in shown.offered] == [
            ["activate", "Child"],
            ["activate", "Imminent"],
        ]
        await board.press("enter")  # activate child-safety: the dialog opens on its first step
        await board.until(lambda: runs(demo_server, incident.id), "activated on the server")
        await board.until(lambda: (d := dialog()) is not None and d.at == 1, "opened again")
        await board.press("enter")  # restrict
        await board.until(lambda: ticked(demo_server, incident.id) == ["restrict"], "ticked")
        await board.until(lambda: (d := dialog()) is not None and d.at == 2, "on preserve")
        await board.press("n")  # preserve, with a note
        await board.until(lambda: isinstance(board.screen, TextPrompt), "the note prompt")
        await board.press(*"case 7", "enter")
        await board.until(lambda: len(ticked(demo_server, incident.id)) == 2, "ticked with note")
        await board.until(lambda: (d := dialog()) is not None and d.at == 3, "on the report")
        await board.press("enter")  # ncmec-report: starts the clock
        await board.until(lambda: len(ticked(demo_server, incident.id)) == 3, "report ticked")
        await board.until(lambda: (d := dialog()) is not None and d.at == 4, "on remove")
        await board.press("up", "up", "up", "enter")  # restrict again: ticked, so untick
        await board.until(lambda: isinstance(board.screen, TextPrompt), "the why prompt")
        await board.press(*"ticked in error", "enter")
        await board.until(lambda: len(ticked(demo_server, incident.id)) == 2, "unticked")
        await board.until(dialog, "the dialog again")
        await board.press("escape")
        await board.until(board.on_dashboard, "everything closed")
        await board.settle()

        pane = board.app.query_one(ProtocolsPane)
        await board.until(lambda: len(pane.runs) == 1 and pane.runs[0].done == 2, "pane shown")
        assert "CSAM 2/5 · Partner NGO" in board.text()
        assert "✓ Preserve evidence" in str(pane.render())
        assert any("its step starts us-ncmec-report" in toast for toast in board.toasts())
    (run,) = runs(demo_server, incident.id)
    assert [(tick.step, tick.note) for tick in run.ticks] == [
        ("preserve", "case 7"),
        ("ncmec-report", ""),
    ]
    with demo_server.store.engine.connect() as conn:
        (clock,) = clock_steps.stored(conn, incident.id)
    assert clock.rule.id == "us-ncmec-report"


def with_two_ticks(server: RunningServer) -> Incident:
    """The child-safety protocol on one incident, two steps ticked (one started a clock)."""
    incident = child_safety_report(server)
    with server.client() as lead:
        answer = lead.post(
            f"/incidents/{incident.id}/protocols",
            json={"protocol": "child-safety"},
            headers={"If-Match": f'"{incident.version}"'},
        ).json()
        for step in ("preserve", "ncmec-report"):
            answer = lead.post(
                f"/incidents/{incident.id}/protocols/{answer['run']['id']}/ticks",
                json={"step": step},
                headers={"If-Match": f'"{answer["incident"]["version"]}"'},
            ).json()
    return Incident.model_validate(answer["incident"])


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("what", ["dialog", "detail"])
def test_snapshot_a_protocol_on_one_incident(
    snap_compare: SnapCompare, demo_server: RunningServer, clock: FakeClock, size: Any, what: str
) -> None:
    incident = with_two_ticks(demo_server)
    assert incident.protocol == "CSAM 2/5"
    app = make_app(demo_server.url, clock)
    if what == "dialog":
        keys: tuple[str, ...] = ("K",)
    else:  # 80x24: the side column replaces the queue
        keys = ("enter",) if size == (80, 24) else ()
    assert snap_compare(app, terminal_size=size, run_before=showing(incident.id, *keys))
