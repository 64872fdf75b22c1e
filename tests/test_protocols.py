"""Protocols (playbooks) in the catalogue, and their runs: issue 15, item 5.

The shipped protocols load and are marked as examples, every step that starts
a clock names a rule of the catalogue, a team file adds and replaces protocols
whole, and a broken file gives one line per problem naming file, line and key.
The run engine ticks and unticks over a given time, never the real one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rr_tui import deadlines
from rr_tui.deadlines import EXAMPLE, CatalogueError, ProtocolError, ProtocolRule
from rr_tui.deadlines import protocols as engine
from rr_tui.present.protocols import run_lines

T0 = datetime(2026, 11, 24, 6, 32, tzinfo=UTC)


def test_the_shipped_protocols_load_marked_as_examples_and_start_known_rules() -> None:
    catalogue = deadlines.load()
    assert list(catalogue.protocols) == ["livestream-violence", "child-safety", "threat-to-life"]
    for protocol in catalogue.protocols.values():
        assert EXAMPLE in protocol.label
        for step in protocol.steps.values():
            assert step.starts is None or step.starts in catalogue.rules
    starts = {
        protocol.id: [step.starts for step in protocol.steps.values() if step.starts]
        for protocol in catalogue.protocols.values()
    }
    assert starts == {
        "livestream-violence": ["eu-tco-removal"],
        "child-safety": ["us-ncmec-report"],
        "threat-to-life": [],
    }
    livestream = catalogue.protocols["livestream-violence"]
    assert [step.id for step in livestream.steps.values()][:4] == [
        "confirm",
        "gifct",
        "christchurch-call",
        "eu-crisis-protocol",
    ]
    applying = [found.id for found in catalogue.protocols_for("ID", "child_safety")]
    assert applying == ["child-safety", "threat-to-life"]
    assert catalogue.protocols_for("SG", "scams_fraud") == []


def test_a_broken_protocol_file_gives_one_line_per_problem_naming_file_line_and_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "team.toml"
    path.write_text(
        "[protocols.no-steps]\n"  # 1
        'label = "x"\n'
        'short = "X"\n'
        'markets = ["ID"]\n'
        "\n"
        "[protocols.bad]\n"  # 6
        'label = "x"\n'
        'short = "much too long a name"\n'  # 8
        'markets = ["ID"]\n'
        "[protocols.bad.steps.first]\n"  # 10
        'label = "report"\n'
        'starts = "us-ncmec-reprot"\n'  # 12
        "[protocols.bad.steps.second]\n"  # 13
        'lable = "typo"\n'  # 14
        "[protocols.bad.steps.third]\n"  # 15
        'label = "ours"\n'
        'starts = "ours-missing"\n'  # 17
        "[playbooks.x]\n",  # 18
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        deadlines.load(path)
    assert caught.value.lines == [
        f"{path}:18: playbooks: unknown key (a rules file holds [rules.<id>] and [protocols.<id>])",
        f"{path}:1: protocols.no-steps.steps: missing",
        f"{path}:8: protocols.bad.short: 'much too long a name': String should match"
        " pattern '^[A-Za-z0-9][A-Za-z0-9_-]{0,9}$'",
        f"{path}:13: protocols.bad.steps.second.label: missing",
        f"{path}:14: protocols.bad.steps.second.lable: unknown key 'lable' (did you mean 'label'?)",
    ]


def test_a_step_that_starts_an_unknown_rule_is_named_by_line_with_the_closest_rule(
    tmp_path: Path,
) -> None:
    path = tmp_path / "team.toml"
    path.write_text(
        "[protocols.ours]\n"
        'label = "ours"\nshort = "OURS"\nmarkets = ["*"]\n'
        "[protocols.ours.steps.report]\n"  # 5
        'label = "report"\n'
        'starts = "us-ncmec-reprot"\n'  # 7
        "[protocols.ours.steps.own]\n"
        'label = "our own clock"\n'
        'starts = "partner-notice"\n'  # 10: a rule of this same file
        "[rules.partner-notice]\n"
        'label = "x"\ninstrument = "x"\nmarkets = ["SG"]\ntrigger = "notice_received"\n'
        'duration = "24h"\ndeliverable = "notify_issuer"\n'
        '[rules.partner-notice.source]\ntitle = "x"\nurl = "https://example.org"\n'
        "checked = 2026-12-01\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        deadlines.load(path)
    assert caught.value.lines == [
        f"{path}:7: protocols.ours.steps.report.starts: no clock rule 'us-ncmec-reprot' in the"
        " catalogue (did you mean 'us-ncmec-report'?)"
    ]


def test_a_team_file_replaces_a_shipped_protocol_whole_and_adds_its_own(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(
        "[protocols.child-safety]\n"
        'label = "Our child safety runbook"\nshort = "CS"\nmarkets = ["*"]\n'
        'categories = ["child_safety"]\n'
        '[protocols.child-safety.steps.report]\nlabel = "report"\nstarts = "us-ncmec-report"\n'
        "[protocols.elections]\n"
        'label = "Election day"\nshort = "VOTE"\nmarkets = ["ID", "IN"]\n'
        '[protocols.elections.steps.warroom]\nlabel = "Open the war room"\n',
        encoding="utf-8",
    )
    catalogue = deadlines.load(path)
    replaced = catalogue.protocols["child-safety"]
    assert (replaced.short, list(replaced.steps)) == ("CS", ["report"])
    assert [found.id for found in catalogue.protocols_for("IN", "misinformation_elections")] == [
        "elections"
    ]
    assert "livestream-violence" in catalogue.protocols


def test_a_run_ticks_and_unticks_steps_and_words_its_progress() -> None:
    protocol = deadlines.load().protocols["child-safety"]
    run = engine.activate(protocol, "RR-1", now=T0, by="lee.lead")
    assert (run.progress, run.complete) == ("CSAM 0/5", False)
    run = engine.tick(run, "preserve", now=T0, by="ana.lyst", note="case 7")
    run = engine.tick(run, "ncmec-report", now=T0, by="ana.lyst", clock_id=3)
    assert run.progress == "CSAM 2/5"
    ticked = run.ticked("ncmec-report")
    assert ticked is not None
    assert (ticked.by, ticked.clock_id) == ("ana.lyst", 3)
    with pytest.raises(ProtocolError, match=r"ticked by ana\.lyst at 06:32 UTC"):
        engine.tick(run, "preserve", now=T0, by="lee.lead")
    with pytest.raises(ProtocolError, match="has no step 'nope'"):
        engine.tick(run, "nope", now=T0, by="lee.lead")
    run = engine.untick(run, "preserve")
    assert (run.progress, run.ticked("preserve")) == ("CSAM 1/5", None)
    with pytest.raises(ProtocolError, match="preserve is not ticked"):
        engine.untick(run, "preserve")
    for step in ("restrict", "preserve", "remove", "child-at-risk"):
        run = engine.tick(run, step, now=T0, by="lee.lead")
    assert (run.progress, run.complete) == ("CSAM 5/5", True)
    later = T0 + timedelta(minutes=1)
    other = engine.activate(deadlines.load().protocols["threat-to-life"], "RR-1", now=later, by="x")
    assert engine.progress([run, other]) == "LIFE 0/5 +1"
    assert engine.progress([]) is None


def test_hostile_text_in_a_team_protocol_is_words_not_markup_or_escapes() -> None:
    protocol = ProtocolRule(
        id="ours",
        label="[@click=app.quit]x[/]\x1b[31m",
        short="OURS",
        markets=["*"],
        steps={"a": {"label": "\x07ring [b]bold[/b]", "starts": "us-ncmec-report"}},
    )
    run = engine.activate(protocol, "RR-1", now=T0, by="lee.lead")
    lines = [line.text for line in run_lines([run], T0, "UTC")]
    assert "[@click=app.quit]x[/]" in lines[0]
    assert "[b]bold[/b]" in lines[1]
    assert not any(char in line for line in lines for char in "\x1b\x07")
