"""The README's clock catalogue table says what the shipped catalogue holds.

The README is what a lead reads before trusting a deadline, so a rule added,
dropped or re-timed in `clock_rules.toml` without its row fails here.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rr_tui.deadlines import load

README = Path(__file__).resolve().parents[1] / "README.md"
HEADER = "| rule | market | trigger | duration | source |"


def catalogue_rows() -> dict[str, list[str]]:
    """The README table's rows by rule id (cells without the pipes)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # past the header and its --- line
    rows: dict[str, list[str]] = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = cells
    return rows


def figures(duration: timedelta) -> set[str]:
    """The ways the README may write a rule's duration."""
    hours = duration / timedelta(hours=1)
    written = {f"{hours:g} h"}
    if duration % timedelta(days=1) == timedelta(0):
        days = duration.days
        written.add(f"{days} day" if days == 1 else f"{days} days")
    return written


def test_every_shipped_rule_has_one_row_and_no_row_names_a_missing_rule() -> None:
    shipped = {rule.id for rule in load().rules.values()}
    assert set(catalogue_rows()) == shipped


def test_each_row_gives_its_rule_s_duration_market_and_source() -> None:
    rows = catalogue_rows()
    for rule in load().rules.values():
        _, market, _, duration, source = rows[rule.id]
        assert any(figure in duration for figure in figures(rule.duration)), (rule.id, duration)
        if "*" in rule.markets:
            assert market.startswith("every market"), (rule.id, market)
        elif len(rule.markets) == 1:
            assert market == rule.markets[0], (rule.id, market)
        else:
            assert "EU" in rule.markets, rule.id
            assert market == "EU member states", (rule.id, market)
        host = rule.source.url.split("//", 1)[1].split("/", 1)[0].removeprefix("www.")
        assert host in source, (rule.id, source)
