"""The clock rules catalogue: the one shipped with rr-tui, overridden by a team's file.

Both files hold `[rules.<id>]` tables and `[protocols.<id>]` tables (see
`clock_rules.toml` beside this module). A team file adds rules and protocols
and replaces shipped ones of the same id, whole: a legal deadline is never half
the shipped figure and half the team's, nor a checklist half each. A protocol
step that starts a clock names a rule of the catalogue (the shipped ones, the
team's, or its own file's); an unknown one is an error of the file, by line.

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

from rr_tui.deadlines.protocols import ProtocolRule
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
    protocols: Mapping[str, ProtocolRule] = field(default_factory=dict)
    """The protocols (playbooks), by id, in the order the files write them."""

    def protocol(self, protocol_id: str) -> ProtocolRule | None:
        """The protocol with this id, or None."""
        return self.protocols.get(protocol_id)

    def protocols_for(self, region: str, category: str) -> list[ProtocolRule]:
        """The protocols that cover an incident in `region` and `category`, as written."""
        return [found for found in self.protocols.values() if found.applies_to(region, category)]

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


def _model(annotation: object) -> type[BaseModel] | None:
    """The model a field holds: itself, or a table of them (`dict[str, Model]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args: tuple[object, ...] = getattr(annotation, "__args__", ())
    if getattr(annotation, "__origin__", None) is dict and len(args) == 2:
        return _model(args[1])
    return None


def _fields(root: type[BaseModel], path: Iterable[str | int]) -> list[str]:
    """The keys allowed in the table at `path` below a rule or protocol (for "did you mean")."""
    target: type[BaseModel] = root
    keyed = False  # the part after a table of tables is the table's name: skip it
    for part in path:
        if isinstance(part, int) or keyed:
            keyed = False
            continue
        info = target.model_fields.get(part)
        annotation = info.annotation if info is not None else None
        found = _model(annotation)
        if found is None:
            return []
        keyed = getattr(annotation, "__origin__", None) is dict
        target = found
    return [name for name in target.model_fields if name != "id"]


def _words(error: ErrorDetails, loc: tuple[str | int, ...]) -> str:
    """One pydantic error in the words of the file."""
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        if loc[-1:] == ("source",):
            return "missing (every rule needs its public source: title, url, checked)"
        return "missing"
    if kind == "too_short" and loc[-1:] == ("steps",):
        return "no steps (write [protocols.<id>.steps.<step>] tables)"
    if kind == "extra_forbidden":
        name = str(loc[-1])
        known = _fields(ProtocolRule if loc[0] == "protocols" else ClockRule, loc[2:-1])
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key {name!r}{hint}"
    if kind in ("enum", "literal_error"):
        return f"{value!r} is not one of {error.get('ctx', {}).get('expected', '')}"
    if kind == "string_pattern_mismatch" and loc[-1:] == ("url",):
        return f"{value!r} is not an https:// address"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message if kind == "value_error" else f"{value!r}: {message}"


@dataclass(frozen=True)
class Parsed:
    """What one file holds: its rules and protocols, by id, as written."""

    rules: dict[str, ClockRule]
    protocols: dict[str, ProtocolRule]


def parse_file(text: str, where: str, known_rules: Iterable[str] = ()) -> Parsed:
    """The rules and protocols of one file's text; `where` names it in messages.

    A protocol step may start a rule of this file or one of `known_rules` (the
    catalogue the file is added to). Raises `CatalogueError`, one line a problem.
    """
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
        if key not in ("rules", "protocols"):
            problems.append(
                f"{at((key,))}: {key}: unknown key "
                "(a rules file holds [rules.<id>] and [protocols.<id>])"
            )
    found: dict[str, dict[str, BaseModel]] = {"rules": {}, "protocols": {}}
    for section, model in (("rules", ClockRule), ("protocols", ProtocolRule)):
        tables = data.get(section, {})
        if not isinstance(tables, dict):
            problems.append(
                f"{at((section,))}: {section}: is not a table of [{section}.<id>] tables"
            )
            continue
        for item_id, table in tables.items():
            if not isinstance(table, dict):
                problems.append(f"{at((section, item_id))}: {section}.{item_id}: is not a table")
                continue
            try:
                found[section][item_id] = model(**{**table, "id": item_id})
            except ValidationError as error:
                for detail in error.errors():
                    loc = (section, item_id, *detail["loc"])
                    dotted = ".".join(str(part) for part in loc)
                    problems.append(f"{at(loc)}: {dotted}: {_words(detail, loc)}")
    rules = {key: value for key, value in found["rules"].items() if isinstance(value, ClockRule)}
    protocols = {
        key: value for key, value in found["protocols"].items() if isinstance(value, ProtocolRule)
    }
    known = [*known_rules, *rules]
    for protocol in protocols.values():
        for step in protocol.steps.values():
            if step.starts is not None and step.starts not in known:
                loc = ("protocols", protocol.id, "steps", step.id, "starts")
                close = difflib.get_close_matches(step.starts, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(
                    f"{at(loc)}: {'.'.join(loc)}: no clock rule {step.starts!r} "
                    f"in the catalogue{hint}"
                )
    if problems:
        raise CatalogueError(list(dict.fromkeys(problems)))
    return Parsed(rules, protocols)


def parse(text: str, where: str) -> dict[str, ClockRule]:
    """The rules of one file's text; `where` names it in messages. Raises `CatalogueError`."""
    return parse_file(text, where).rules


def shipped_text() -> str:
    """The text of the shipped catalogue."""
    return resources.files("rr_tui.deadlines").joinpath(SHIPPED).read_text(encoding="utf-8")


def load(team_file: str | Path | None = None) -> Catalogue:
    """The shipped catalogue with a team's file (when given) added and overriding by id."""
    shipped = parse_file(shipped_text(), SHIPPED)
    rules, protocols = shipped.rules, shipped.protocols
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
        team = parse_file(text, str(path), known_rules=rules)
        rules.update(team.rules)
        protocols.update(team.protocols)
    return Catalogue(rules, protocols)
