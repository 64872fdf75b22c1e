"""The clock rules catalogue: the one shipped with rr-tui, overridden by a team's file.

Both files hold `[rules.<id>]` tables (see `clock_rules.toml` beside this
module). A team file adds rules and replaces shipped ones of the same id,
whole: a legal deadline is never half the shipped figure and half the team's.

A broken file gives one line per problem, naming the file, the line and the
key, like the dashboard's own configuration:

    team_rules.toml:7: rules.id-urgent.source: missing (every rule needs its public source)
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from rr_tui.deadlines.rules import ClockRule
from rr_tui.toml_lines import key_lines, line_of

SHIPPED = "clock_rules.toml"
"""The catalogue shipped in this package."""


class CatalogueError(Exception):
    """A rules file is invalid; `lines` says why, one problem a line."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class Catalogue:
    """Every rule a team works to, by id."""

    rules: Mapping[str, ClockRule] = field(default_factory=dict)

    def get(self, rule_id: str) -> ClockRule | None:
        """The rule with this id, or None."""
        return self.rules.get(rule_id)

    def applying(self, region: str, category: str) -> list[ClockRule]:
        """The rules that cover an incident in `region` and `category`, by duration."""
        found = [rule for rule in self.rules.values() if rule.applies_to(region, category)]
        return sorted(found, key=lambda rule: (rule.duration, rule.id))

    def at_intake(self, region: str, category: str, source: str) -> list[ClockRule]:
        """The rules whose clock intake of such an incident starts by itself."""
        found = [
            rule for rule in self.rules.values() if rule.starts_at_intake(region, category, source)
        ]
        return sorted(found, key=lambda rule: (rule.duration, rule.id))


def _fields(path: Iterable[str | int]) -> list[str]:
    """The keys allowed in the table at `path` below a rule (for "did you mean")."""
    target: type[BaseModel] = ClockRule
    for part in path:
        if isinstance(part, int):
            continue
        info = target.model_fields.get(part)
        annotation = info.annotation if info is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        target = annotation
    return [name for name in target.model_fields if name != "id"]


def _words(error: ErrorDetails, loc: tuple[str | int, ...]) -> str:
    """One pydantic error in the words of the file."""
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        if loc[-1:] == ("source",):
            return "missing (every rule needs its public source: title, url, checked)"
        return "missing"
    if kind == "extra_forbidden":
        name = str(loc[-1])
        known = _fields(loc[2:-1])
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key {name!r}{hint}"
    if kind in ("enum", "literal_error"):
        return f"{value!r} is not one of {error.get('ctx', {}).get('expected', '')}"
    if kind == "string_pattern_mismatch" and loc[-1:] == ("url",):
        return f"{value!r} is not an https:// address"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message if kind == "value_error" else f"{value!r}: {message}"


def parse(text: str, where: str) -> dict[str, ClockRule]:
    """The rules of one file's text; `where` names it in messages. Raises `CatalogueError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError([f"{where}: not valid TOML: {error}"]) from None
    lines = key_lines(text)
    problems: list[str] = []

    def at(path: tuple[str | int, ...]) -> str:
        line = line_of(lines, tuple(str(part) for part in path if isinstance(part, str)))
        return f"{where}:{line}" if line is not None else where

    for key in data:
        if key != "rules":
            problems.append(f"{at((key,))}: {key}: unknown key (a rules file holds [rules.<id>])")
    tables = data.get("rules", {})
    if not isinstance(tables, dict):
        problems.append(f"{at(('rules',))}: rules: is not a table of [rules.<id>] tables")
        tables = {}
    rules: dict[str, ClockRule] = {}
    for rule_id, table in tables.items():
        if not isinstance(table, dict):
            problems.append(f"{at(('rules', rule_id))}: rules.{rule_id}: is not a table")
            continue
        try:
            rules[rule_id] = ClockRule(**{**table, "id": rule_id})
        except ValidationError as error:
            for detail in error.errors():
                loc = ("rules", rule_id, *detail["loc"])
                dotted = ".".join(str(part) for part in loc)
                problems.append(f"{at(loc)}: {dotted}: {_words(detail, loc)}")
    if problems:
        raise CatalogueError(list(dict.fromkeys(problems)))
    return rules


def shipped_text() -> str:
    """The text of the shipped catalogue."""
    return resources.files("rr_tui.deadlines").joinpath(SHIPPED).read_text(encoding="utf-8")


def load(team_file: str | Path | None = None) -> Catalogue:
    """The shipped catalogue with a team's file (when given) added and overriding by id."""
    rules = parse(shipped_text(), SHIPPED)
    if team_file is not None:
        path = Path(team_file).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CatalogueError([f"{path}: no such file"]) from None
        except UnicodeDecodeError:
            raise CatalogueError([f"{path}: not UTF-8 text"]) from None
        except OSError as error:
            raise CatalogueError([f"{path}: cannot read: {error.strerror}"]) from None
        rules.update(parse(text, str(path)))
    return Catalogue(rules)
