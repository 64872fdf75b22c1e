"""Legal clocks on the client side: the queue order counts them, the column shows them."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from rr_tui import deadlines
from rr_tui.backends.base import Conflict
from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.config import Settings
from rr_tui.deadlines.wire import ClockStart, ClockStep
from rr_tui.listing import fetch_report, write_list
from rr_tui.models import Severity
from rr_tui.present.clocks import clock_lines
from rr_tui.present.columns import cell_text
from rr_tui.present.format import deadline
from rr_tui.sync.store import IncidentStore
from tests.conftest import LEAD, RunningServer
from tests.test_api import create
from tests.test_store import T0, ids, make

LABELS = {severity: severity.value for severity in Severity}


def test_within_a_severity_band_a_sooner_legal_clock_beats_a_sooner_sla() -> None:
    store = IncidentStore()
    store.apply(
        [
            make(1, due_at=T0 + timedelta(hours=1)),
            make(2, due_at=T0 + timedelta(hours=3), deadline_at=T0 + timedelta(minutes=20)),
            make(3, due_at=T0 + timedelta(hours=2), deadline_at=T0 + timedelta(hours=5)),
            make(4, severity="SEV1", due_at=T0 + timedelta(hours=6)),  # severity still first
        ]
    )
    assert ids(store) == ["RR-4", "RR-2", "RR-1", "RR-3"]


def test_the_deadline_cell_counts_down_warns_when_near_and_marks_a_miss() -> None:
    clocked = make(1, deadline_at=T0 + timedelta(hours=3), deadline_rule="in-it-rules-order")
    assert deadline(make(2), T0) == ("—", "")
    assert deadline(clocked, T0) == ("3h", "")
    assert deadline(clocked, T0 + timedelta(hours=2, minutes=35)) == ("25m", "near")
    assert deadline(clocked, T0 + timedelta(hours=3, minutes=4)) == ("-4m!", "missed")
    assert cell_text("deadline", clocked, T0, LABELS) == "3h"


def test_the_detail_lines_give_due_in_shift_and_market_time_left_rule_and_source() -> None:
    rules = deadlines.load()
    incident = make(1, region="IN")
    order = deadlines.start(
        rules.rules["in-it-rules-order"], incident.id, trigger_at=T0, now=T0, by="mei.tan"
    )
    ncii = deadlines.start(
        rules.rules["in-it-rules-ncii"], incident.id, trigger_at=T0, now=T0, by="mei.tan"
    )
    met = deadlines.meet(ncii, now=T0 + timedelta(hours=1), by="mei.tan", evidence="removed")
    now = T0 + timedelta(hours=2, minutes=40)
    lines = clock_lines([met, order], now, "Asia/Singapore", "IN")
    assert [line.head for line in lines] == [
        "● running in-it-rules-order  17:00 SGT · 14:30 Kolkata  20m left",
        "✓ met in-it-rules-ncii  16:00 SGT · 13:30 Kolkata  met",
    ]
    assert [line.tone for line in lines] == ["near", "done"]
    assert lines[0].source.strip().startswith("IT Amendment Rules 2026, G.S.R. 120(E)")
    later = clock_lines([order], now + timedelta(hours=1), "Asia/Singapore", "IN")[0]
    assert (later.head.split()[:2], later.tone) == (["!", "missed"], "missed")


async def test_the_rr_client_starts_lists_and_steps_clocks_with_versions(
    server: RunningServer,
) -> None:
    with server.client() as lead:
        incident = create(lead, region="VN", category="hate_speech")
    backend = RrHttpBackend(server.url, LEAD)
    try:
        assert "vn-decree147-authority" in {rule.id for rule in await backend.clock_rules()}
        body = ClockStart(rule="vn-decree147-authority", note="MIC letter")
        started = await backend.start_clock(incident.id, body, incident.version, "k-1")
        assert started.incident.version == incident.version + 1
        assert [kept.id for kept in await backend.clocks(incident.id)] == [started.clock.id]
        with pytest.raises(Conflict):
            await backend.step_clock(
                incident.id, started.clock.id, ClockStep(step="met", evidence="x"), 1, "k-2"
            )
        met = await backend.step_clock(
            incident.id,
            started.clock.id,
            ClockStep(step="met", evidence="removed, MIC told"),
            started.incident.version,
            "k-3",
        )
        assert met.clock.state is deadlines.ClockState.MET
    finally:
        await backend.aclose()


async def test_rr_tui_list_carries_the_next_deadline_and_every_clock(
    server: RunningServer,
) -> None:
    with server.client() as lead:
        clocked = create(lead, source="regulator", region="ID", category="violent_extremism")
        create(lead, source="user_report")
    settings = Settings()
    view = next(v for v in settings.saved_views() if v.name == settings.default_view)
    incidents, _, clocks = await fetch_report(RrHttpBackend(server.url, LEAD), view)
    assert list(clocks) == [clocked.id]  # only incidents that have clocks are keyed
    out = io.StringIO()
    now = datetime.now(UTC)
    write_list(out, "json", incidents, settings, now=now, profile="p", view="v", clocks=clocks)
    items = {item["id"]: item for item in json.loads(out.getvalue())["items"]}
    (clock,) = items[clocked.id]["clocks"]
    assert (clock["rule"]["id"], clock["state"]) == ("id-permen5-urgent", "running")
    assert items[clocked.id]["deadline_rule"] == "id-permen5-urgent"
    assert 238 <= items[clocked.id]["deadline_minutes_left"] <= 240
    out = io.StringIO()
    write_list(out, "csv", incidents, settings, now=now, profile="p", view="v", clocks=clocks)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows[clocked.id]["clocks"].startswith("id-permen5-urgent running ")


async def test_rr_tui_list_carries_clocks_no_longer_running_and_the_protocol(
    server: RunningServer,
) -> None:
    """Failed before: only incidents with a clock running were asked for their clocks, so a
    met (or cancelled) clock was missing from JSON and CSV; the CSV had no protocol."""
    with server.client() as lead:
        clocked = create(lead, source="regulator", region="ID", category="child_safety")
        answer = lead.get(f"/incidents/{clocked.id}/clocks").json()
        (clock,) = answer["items"]
        met = lead.post(
            f"/incidents/{clocked.id}/clocks/{clock['id']}/steps",
            json={"step": "met", "evidence": "removed"},
            headers={"If-Match": f'"{clocked.version}"'},
        ).json()
        lead.post(
            f"/incidents/{clocked.id}/protocols",
            json={"protocol": "child-safety"},
            headers={"If-Match": f'"{met["incident"]["version"]}"'},
        )
    settings = Settings()
    view = next(v for v in settings.saved_views() if v.name == settings.default_view)
    incidents, _, clocks = await fetch_report(RrHttpBackend(server.url, LEAD), view)
    now = datetime.now(UTC)
    out = io.StringIO()
    write_list(out, "json", incidents, settings, now=now, profile="p", view="v", clocks=clocks)
    item = next(i for i in json.loads(out.getvalue())["items"] if i["id"] == clocked.id)
    assert item["deadline_at"] is None  # none runs
    assert [(c["rule"]["id"], c["state"]) for c in item["clocks"]] == [("id-permen5-urgent", "met")]
    assert item["protocol"] == "CSAM 0/5"
    out = io.StringIO()
    write_list(out, "csv", incidents, settings, now=now, profile="p", view="v", clocks=clocks)
    row = next(r for r in csv.DictReader(io.StringIO(out.getvalue())) if r["id"] == clocked.id)
    assert row["clocks"].startswith("id-permen5-urgent met ")
    assert row["protocol"] == "CSAM 0/5"
    out = io.StringIO()
    write_list(out, "table", incidents, settings, now=now, profile="p", view="v", clocks=clocks)
    assert "CSAM 0/5 · " in out.getvalue()
