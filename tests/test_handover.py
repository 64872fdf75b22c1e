"""The shift handover: a golden file from the seeded server at a frozen time, and the command."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from markdown_it import MarkdownIt

from rr_tui.backends.rr_http import RrHttpBackend
from rr_tui.cli import main
from rr_tui.models import Incident
from rr_tui.present.handover import render_markdown
from rr_tui.reports import fetch_handover
from tests.conftest import ANALYST, LEAD, FakeClock, RunningServer
from tests.test_postmortem import golden


def _raise_one(server: RunningServer, clock: FakeClock) -> str:
    """Something happens during the shift: the lead raises an open SEV2 to SEV1."""
    clock.advance(20 * 60)
    with server.client(LEAD) as client:
        items = client.get("/incidents").json()["items"]
        target = next(i for i in items if i["severity"] == "SEV2" and i["status"] == "new")
        response = client.patch(
            f"/incidents/{target['id']}",
            json={"severity": "SEV1", "reason": "spreading to TH"},
            headers={"If-Match": f'"{target["version"]}"'},
        )
        assert response.status_code == 200, response.text
    return str(Incident.model_validate_json(response.content).id)


async def test_handover_markdown_matches_the_golden_file_and_renders(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    raised = _raise_one(demo_server, clock)
    backend = RrHttpBackend(demo_server.url, LEAD)
    since = clock.now - timedelta(hours=8)
    summary, warnings = await fetch_handover(
        backend, since, clock.now, "RR watch: TH election rumours; Legal ID on call until 18:00"
    )
    assert warnings == []
    assert any(c.incident_id == raised and c.what == "raised" for c in summary.changes)
    text = render_markdown(summary)
    golden("handover.md", text)

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0].startswith("Shift handover")
    assert [h for h in headings if not h.startswith("Open SEV")][1:] == [
        "Notes for the next shift",
        "Breached or about to",
        "What changed this shift",
        "Escalations waiting for an answer",
    ]
    assert any(h.startswith("Open SEV0") for h in headings)
    assert sum(t.type == "table_open" for t in tokens) >= 4
    assert "▒▒▒ sensitive" in text  # sensitive titles stay masked


def test_handover_command_stores_a_note_for_leads_only(
    demo_server: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--url", demo_server.url]
    refused = main(["handover", "--note", "x", "--token", ANALYST, *url])
    assert (refused, "only a lead" in capsys.readouterr().err) == (1, True)

    assert (
        main(
            ["handover", "--since", "2h", "--format", "json", "--note", "hi", "--token", LEAD, *url]
        )
        == 0
    )
    body = json.loads(capsys.readouterr().out)
    assert [(n["author"], n["note"]) for n in body["notes"]] == [("lee.lead", "hi")]
    assert set(body) == {"since", "until", "open", "at_risk", "changes", "waiting", "notes"}
    assert body["open"]

    with pytest.raises(SystemExit):
        main(["handover", "--since", "8 weeks", *url])
    assert "not a span" in capsys.readouterr().err
