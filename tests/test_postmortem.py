"""The post-mortem draft: a golden file from a real server at a frozen time, and its Markdown."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from markdown_it import MarkdownIt

from rr_tui import locations
from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.cli import main
from rr_tui.models import Incident
from rr_tui.reports import IncidentRecord, fetch_record, postmortem_text
from rr_tui.widgets.detail import IncidentDetail
from tests.conftest import LEAD, DashboardFactory, FakeClock, RunningServer

GOLDEN = Path(__file__).parent / "golden"

HOSTILE_TITLE = "Doxxing | thread # [click](javascript:alert(1)) <b>x</b>"


def golden(name: str, text: str) -> None:
    """Compare `text` with the golden file; `RR_TUI_GOLDEN=update` rewrites it (then review)."""
    path = GOLDEN / name
    if os.environ.get("RR_TUI_GOLDEN") == "update":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def _change(client: httpx.Client, incident: Incident, **body: Any) -> Incident:
    response = client.patch(
        f"/incidents/{incident.id}", json=body, headers={"If-Match": f'"{incident.version}"'}
    )
    assert response.status_code == 200, response.text
    return Incident.model_validate_json(response.content)


def worked_incident(server: RunningServer, clock: FakeClock) -> str:
    """An incident taken from intake to resolution, escalated twice, on the frozen clock."""
    with server.client(LEAD) as client:
        body = {
            "title": HOSTILE_TITLE,
            "summary": "Home address of a journalist posted; reposts in three groups.",
            "severity": "SEV1",
            "category": "privacy_doxxing",
            "region": "PH",
            "source": "trusted_flagger",
        }
        response = client.post("/incidents", json=body, headers={"Idempotency-Key": "pm-1"})
        assert response.status_code == 201, response.text
        incident = Incident.model_validate_json(response.content)
        clock.advance(6 * 60)
        incident = _change(client, incident, status="acknowledged", assignee="lee.lead", reason="x")
        clock.advance(9 * 60)
        for targets, note in ((["legal-ph-1"], "takedown | now"), (["legal-sg-1"], "no answer")):
            response = client.post(
                f"/incidents/{incident.id}/escalations",
                json={"targets": targets, "note": note},
                headers={"Idempotency-Key": f"pm-{targets[0]}"},
            )
            assert response.status_code in (200, 201), response.text
            clock.advance(20 * 60)
        incident = Incident.model_validate_json(client.get(f"/incidents/{incident.id}").content)
        incident = _change(client, incident, status="mitigated", reason="reposts removed")
        clock.advance(3 * 3600)
        _change(client, incident, status="resolved", reason="closed with partner")
    return incident.id


async def record_of(server: RunningServer, incident_id: str) -> IncidentRecord:
    record = await fetch_record(RrHttpBackend(server.url, LEAD), incident_id)
    assert record is not None
    return record


async def test_postmortem_markdown_matches_the_golden_file_and_renders(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    incident_id = worked_incident(demo_server, clock)
    record = await record_of(demo_server, incident_id)
    text = postmortem_text(record, "md", now=clock.now, reveal=False)
    golden("postmortem.md", text.replace(incident_id, "RR-ID"))

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    headings = [
        "".join(c.content for c in tokens[i + 1].children or [] if c.type.startswith("text"))
        for i, t in enumerate(tokens)
        if t.type == "heading_open"
    ]
    assert headings[1:] == [
        "Summary",
        "Impact",
        "Milestones",
        "Responders",
        "Escalations",
        "Timeline",
        "Root cause",
        "Contributing factors",
        "What went well",
        "What went wrong",
        "Where we got lucky",
        "Action items",
    ]
    assert headings[0].endswith(HOSTILE_TITLE)  # shown as written, not as markup
    tables = [t for t in tokens if t.type == "table_open"]
    assert len(tables) == 5
    # Hostile text neither becomes a link or HTML nor breaks a table row into more cells.
    assert not [t for t in tokens if t.type in ("link_open", "html_inline", "html_block")]
    rows = [t for t in tokens if t.type == "tr_open"]
    for row in rows:
        cells = tokens[tokens.index(row) :]
        width = next(i for i, t in enumerate(cells) if t.type == "tr_close")
        assert sum(t.type in ("th_open", "td_open") for t in cells[:width]) in (2, 3, 4, 5)


def test_postmortem_command_prints_json_and_names_a_missing_incident(
    demo_server: RunningServer, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = worked_incident(demo_server, clock)
    args = ["--url", demo_server.url, "--token", LEAD]
    assert main(["postmortem", incident_id, "--format", "json", *args]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["sla"]["state"] == "met"
    assert body["milestones"]["acknowledged"]["seconds_since_opened"] == 6 * 60
    assert body["milestones"]["mitigated"]["seconds_since_opened"] == (6 + 9 + 40) * 60
    assert [step["targets"] for step in body["escalations"]] == [["legal-ph-1"], ["legal-sg-1"]]
    assert body["responders"] == ["lee.lead"]
    assert body["to_write"][-1] == "Action items"

    assert main(["postmortem", "RR-NOPE", *args]) == 1
    assert "no incident RR-NOPE" in capsys.readouterr().err


async def test_p_key_writes_the_draft_and_toasts_where_or_why_not(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    async with dashboard() as d:
        detail = d.app.query_one(IncidentDetail)
        await d.until(lambda: detail.incident is not None and detail.events, "timeline shown")
        assert detail.incident is not None
        # A file where the reports folder should be: the write fails, the dashboard goes on.
        blocker = locations.reports_dir()
        blocker.parent.mkdir(parents=True, exist_ok=True)
        blocker.write_text("not a folder")
        await d.press("P")
        await d.until(lambda: any("not written" in t for t in d.toasts()), "failure toast")
        assert d.on_dashboard()

        blocker.unlink()
        await d.press("P")
        await d.until(lambda: [t for t in d.toasts() if t.endswith(".md")], "path toast")
        written = [Path(t) for t in d.toasts() if t.endswith(".md")]
        text = written[0].read_text(encoding="utf-8")
        assert f"# Post-mortem: {detail.incident.id}" in text
        assert text.count(" UTC | ") >= len(detail.events)  # every event, with its date
        assert not list(blocker.glob("*.partial"))
