"""Find, read, merge and validate the configuration; say exactly what is wrong with it.

Precedence, highest first: command-line flags, `RR_TUI_*` environment variables
(nested with `__`: `RR_TUI_NOTIFY__BELL=false`), the TOML file, the defaults.
Tables merge key by key across the layers; lists and values replace.

Every problem is one line naming where the bad value was written, the key, the
value and what was expected:

    ~/.config/rr-tui/config.toml:14: views.apac.severities[1]: 'SEV9' is not one of SEV0..SEV4
    $RR_TUI_POLL_INTERVAL: poll_interval: 0.5 is below the minimum of 1
    --profile: profile: 'prod' is not a profile (local, staging)

Every value that breaks its type is reported at once; the checks across values
(does `profile` name a profile, is each keymap id a binding, ...) follow once the
values themselves are right. Nothing is left for the dashboard to trip over
later: `load` raises `ConfigError` instead of returning settings.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import EnvSettingsSource, SettingsError

from rr_tui import locations
from rr_tui.config.model import ENV_PREFIX, Settings
from rr_tui.config.toml_lines import KeyPath, key_lines, line_of
from rr_tui.models import Severity
from rr_tui.options import HIGH_CONTRAST_THEME

if sys.version_info >= (3, 11):  # noqa: UP036 - the issue asks for tomli below 3.11
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_ENV = "RR_TUI_CONFIG"
"""The environment variable naming the config file (below --config, above the default)."""

Loc = tuple[str | int, ...]


def default_path() -> Path:
    """The config file when neither --config nor $RR_TUI_CONFIG names one."""
    return locations.config_file()


def config_path(flag: str | Path | None = None) -> tuple[Path, str]:
    """The config file to read, and what chose it: "--config", "$RR_TUI_CONFIG" or "default"."""
    if flag:
        return Path(flag).expanduser(), "--config"
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser(), f"${CONFIG_ENV}"
    return default_path(), "default"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration: the key path and what is wrong with its value."""

    loc: Loc
    message: str


class ConfigError(Exception):
    """The configuration is invalid; `lines` says why, one problem a line."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class Layers:
    """The values each source gave, before merging, to say where a value came from."""

    path: Path
    origin: str
    """What chose the file: --config, $RR_TUI_CONFIG or default."""
    exists: bool
    file: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)
    lines: dict[KeyPath, int] = field(default_factory=dict)
    flag_names: dict[str, str] = field(default_factory=dict)
    """Top-level setting → the flag that gave it (e.g. "profile" → "--profile")."""

    def where(self, loc: Loc) -> str:
        """The file and line, environment variable or flag a value at `loc` came from."""
        spellings = [loc, _expand(loc)]
        if any(_holds(self.flags, spelling) for spelling in spellings):
            return self.flag_names.get(str(loc[0]), "command line")
        for spelling in spellings:
            if _holds(self.env, spelling):
                keys = [str(part) for part in spelling if isinstance(part, str)]
                return "$" + ENV_PREFIX + "__".join(key.upper() for key in keys)
        if not self.exists:
            return "defaults"
        paths = [tuple(str(part) for part in s if isinstance(part, str)) for s in spellings]
        line = next((self.lines[path] for path in paths if path in self.lines), None)
        if line is None:
            line = line_of(self.lines, paths[0])
        if line is not None:
            return f"{self.path}:{line}"
        return str(self.path) if not loc or _holds(self.file, loc[:1]) else "defaults"

    def describe(self, problem: Problem) -> str:
        """One line: where, which key, what is wrong."""
        key = dotted(problem.loc)
        where = self.where(problem.loc)
        return f"{where}: {key}: {problem.message}" if key else f"{where}: {problem.message}"


@dataclass(frozen=True)
class Loaded:
    """Valid settings and where their values came from."""

    settings: Settings
    layers: Layers


def load(
    path: str | Path | None = None,
    *,
    flags: Mapping[str, Any] | None = None,
    flag_names: Mapping[str, str] | None = None,
    url: str | None = None,
    themes: Collection[str] | None = None,
    binding_ids: Collection[str] | None = None,
) -> Loaded:
    """Read the file and the environment, apply `flags`, and validate everything.

    `path` is what --config said (None: $RR_TUI_CONFIG, else the default file). A file
    named by --config or $RR_TUI_CONFIG must exist; the default file may be missing
    (then the defaults and the environment apply). `url` (--url) replaces the active
    profile's url. `themes` and `binding_ids`, when
    given, are the names the dashboard knows: the theme and keymap are checked against
    them. Raises `ConfigError` with every problem found.
    """
    file_path, origin = config_path(path)
    exists = file_path.is_file()
    text = ""
    data: dict[str, Any] = {}
    if exists or origin != "default":
        text, data = _read(file_path)
    env = _read_env()
    given_flags = dict(flags or {})
    if url is not None:
        active = _deep_merge(_deep_merge(data, env), given_flags).get("profile", "local")
        given_flags["profiles"] = {str(active): {"url": url}}
    layers = Layers(
        path=file_path,
        origin=origin,
        exists=exists,
        file=data,
        env=env,
        flags=given_flags,
        lines=key_lines(text),
        flag_names=dict(flag_names or {}),
    )
    merged = _deep_merge(_deep_merge(data, env), given_flags)
    try:
        settings = Settings(**merged)
    except ValidationError as error:
        problems = [_problem(detail) for detail in error.errors()]
        raise ConfigError(_unique(layers.describe(problem) for problem in problems)) from None
    problems = cross_check(settings, themes=themes, binding_ids=binding_ids)
    if problems:
        raise ConfigError(_unique(layers.describe(problem) for problem in problems))
    return Loaded(settings, layers)


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not UTF-8 text"]) from None
    except OSError as error:
        raise ConfigError([f"{path}: cannot read: {error.strerror}"]) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line = re.search(r"at line (\d+)", message)
        where = f"{path}:{line.group(1)}" if line else str(path)
        raise ConfigError([f"{where}: not valid TOML: {message}"]) from None


def _read_env() -> dict[str, Any]:
    """The `RR_TUI_*` variables that name settings, as nested values (JSON for lists)."""
    try:
        return dict(EnvSettingsSource(Settings)())
    except SettingsError as error:
        match = re.search(r'field "(\w+)"', str(error))
        name = ENV_PREFIX + (match.group(1).upper() if match else "…")
        raise ConfigError(
            [f"${name}: not valid JSON (lists and tables in the environment are JSON)"]
        ) from None


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        below = merged.get(key)
        if isinstance(below, Mapping) and isinstance(value, Mapping):
            merged[key] = _deep_merge(below, value)
        else:
            merged[key] = value
    return merged


def _expand(loc: Loc) -> Loc:
    """A keymap id's loc as the nested tables a dotted TOML key or env var makes of it."""
    if len(loc) > 1 and loc[0] == "keymap" and isinstance(loc[1], str):
        return ("keymap", *loc[1].split("."), *loc[2:])
    return loc


def _holds(data: Any, loc: Loc) -> bool:
    """Whether `data` has a value at the full path `loc`."""
    return _depth(data, loc) == len(loc) and bool(loc)


def _depth(data: Any, loc: Loc) -> int:
    """How many parts of `loc` can be followed in `data`."""
    depth = 0
    for part in loc:
        in_table = isinstance(data, Mapping) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (in_table or in_list):
            break
        data = data[part]
        depth += 1
    return depth


def _unique(lines: Iterator[str] | list[str]) -> list[str]:
    return list(dict.fromkeys(lines))


def dotted(loc: Loc) -> str:
    """`views.apac.severities[1]` for ("views", "apac", "severities", 1)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z0-9_-]+", part):
            text += ("." if text else "") + part
        else:
            text += ("." if text else "") + '"' + part.replace('"', '\\"') + '"'
    return text


# --- turning pydantic's errors into problems -----------------------------------------

_SECRET_KEY = re.compile(r"token|secret|password", re.IGNORECASE)


def show(value: Any) -> str:
    """A value as the message shows it: `'SEV9'`, `0.5`, `['a', 'b']` (long ones cut)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _choices(expected: str) -> str:
    values = re.findall(r"'([^']*)'", expected)
    if values == [severity.value for severity in Severity]:
        return "SEV0..SEV4"
    return ", ".join(values) if values else expected


_PATTERN_WORDS = {
    "regions": "a market code such as 'ID' (two capital letters)",
    "categories": "a category such as 'violent_extremism' (lower-case letters, digits, _)",
}
_NUMBER_ERRORS = {"float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"}
_BOUNDS = {
    "greater_than_equal": ("ge", "below the minimum of"),
    "greater_than": ("gt", "not above"),
    "less_than_equal": ("le", "above the maximum of"),
    "less_than": ("lt", "not below"),
}


def _problem(error: ErrorDetails) -> Problem:
    loc: Loc = tuple(part for part in error["loc"] if part != "[key]")
    kind = error["type"]
    value = error.get("input")
    context = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return Problem(loc, _unknown_key(loc))
    if kind in ("enum", "literal_error"):
        return Problem(loc, f"{show(value)} is not one of {_choices(str(context['expected']))}")
    if kind == "missing":
        return Problem(loc, "missing")
    if kind in _NUMBER_ERRORS:
        return Problem(loc, f"{show(value)} is not a number")
    if kind in ("bool_parsing", "bool_type"):
        return Problem(loc, f"{show(value)} is not true or false")
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        expected = {
            "string_type": "a string",
            "list_type": "a list",
        }.get(kind, "a table")
        return Problem(loc, f"{show(value)} is not {expected}")
    if kind in _BOUNDS:
        name, words = _BOUNDS[kind]
        return Problem(loc, f"{show(value)} is {words} {context[name]:g}")
    if kind == "string_too_long":
        return Problem(loc, f"{show(value)} is longer than {context['max_length']} characters")
    if kind == "string_pattern_mismatch":
        what = next((_PATTERN_WORDS[part] for part in loc if part in _PATTERN_WORDS), None)
        expected = what or f"text matching {context['pattern']}"
        return Problem(loc, f"{show(value)} is not {expected}")
    if kind == "value_error":
        return Problem(loc, str(error["msg"]).removeprefix("Value error, "))
    return Problem(loc, f"{show(value)}: {error['msg']}")


def _unknown_key(loc: Loc) -> str:
    name = str(loc[-1])
    known = _known_keys(loc[:-1])
    if _SECRET_KEY.search(name) and loc[:1] == ("profiles",):
        return (
            f"unknown key {name!r}: tokens never go in this file; "
            "use token_env (an environment variable) or token_command"
        )
    if not known:
        return f"unknown key {name!r}"
    if known == [severity.value for severity in Severity]:
        return f"{name!r} is not one of SEV0..SEV4"
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"unknown key {name!r} (did you mean {close[0]!r}?)"
    return f"unknown key {name!r} (expected one of: {', '.join(known)})"


def _known_keys(loc: Loc) -> list[str]:
    """The keys the model allows in the table at `loc`."""
    target: Any = Settings
    for part in loc:
        if isinstance(target, type) and issubclass(target, BaseModel):
            info = target.model_fields.get(str(part))
            if info is None:
                return []
            target = info.annotation
        elif get_origin(target) is dict:
            target = get_args(target)[1]
        elif get_origin(target) is list:
            target = get_args(target)[0]
        else:
            return []
    if isinstance(target, type) and issubclass(target, BaseModel):
        return list(target.model_fields)
    return []


# --- checks across fields, and against what the dashboard knows ----------------------


def _is_not(value: str, what: str, known: Collection[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(value, names, n=1)
    hint = f"did you mean {close[0]!r}?" if close else ", ".join(names[:30])
    if not close and len(names) > 30:
        hint += ", ..."
    return f"{value!r} is not {what} ({hint})"


def cross_check(
    settings: Settings,
    *,
    themes: Collection[str] | None = None,
    binding_ids: Collection[str] | None = None,
) -> list[Problem]:
    """What field-by-field validation cannot see: names that must refer to something."""
    problems: list[Problem] = []
    if settings.profile not in settings.profiles:
        problems.append(
            Problem(("profile",), _is_not(settings.profile, "a profile", settings.profiles))
        )
    if settings.default_view not in settings.views:
        problems.append(
            Problem(("default_view",), _is_not(settings.default_view, "a view", settings.views))
        )
    keys: dict[str, str] = {}
    for name, view in settings.views.items():
        for key in view.key.split(",") if view.key else []:
            if key in keys:
                problems.append(
                    Problem(
                        ("views", name, "key"),
                        f"{key!r} is also the key of view {keys[key]!r}",
                    )
                )
            keys.setdefault(key, name)
    seen: set[str] = set()
    for index, column in enumerate(settings.columns):
        if column in seen:
            problems.append(Problem(("columns", index), f"{column!r} is listed twice"))
        seen.add(column)
    if themes is not None:
        known_themes = {*themes, HIGH_CONTRAST_THEME}
        if settings.theme not in known_themes:
            problems.append(Problem(("theme",), _is_not(settings.theme, "a theme", known_themes)))
    if binding_ids is not None:
        known_ids = {*binding_ids, *(f"views.{name}" for name in settings.views)}
        for binding_id in settings.keymap:
            if binding_id not in known_ids:
                problems.append(
                    Problem(("keymap", binding_id), _is_not(binding_id, "a binding id", known_ids))
                )
    return problems
