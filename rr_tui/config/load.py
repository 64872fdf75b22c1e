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

The parts: `layers` says where a value came from, `problems` words what is wrong
with it, `checks` holds the checks across values.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import EnvSettingsSource, SettingsError

from rr_tui import locations
from rr_tui.config.checks import cross_check
from rr_tui.config.layers import Layers
from rr_tui.config.model import ENV_PREFIX, Settings
from rr_tui.config.problems import problem_of
from rr_tui.config.toml_lines import key_lines

if sys.version_info >= (3, 11):  # noqa: UP036 - the issue asks for tomli below 3.11
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_ENV = "RR_TUI_CONFIG"
"""The environment variable naming the config file (below --config, above the default)."""


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


class ConfigError(Exception):
    """The configuration is invalid; `lines` says why, one problem a line."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


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
        problems = [problem_of(detail) for detail in error.errors()]
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


def _unique(lines: Iterator[str] | list[str]) -> list[str]:
    return list(dict.fromkeys(lines))
