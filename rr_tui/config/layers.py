"""Where each value of the configuration came from: a flag, a variable, or a file and line.

`Layers` keeps what each source gave before the merge, so a problem found in the
merged values can be traced back to the flag, the `RR_TUI_*` variable or the
line of the file that wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rr_tui.config.model import ENV_PREFIX
from rr_tui.config.problems import Loc, Problem, dotted
from rr_tui.config.toml_lines import KeyPath, line_of


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
