"""What is wrong with a configuration, in words: `Problem`, and pydantic's errors as problems.

A problem is a key path and a message that names the value and what was
expected (`'SEV9' is not one of SEV0..SEV4`, `unknown key 'bel' (did you mean
'bell'?)`); `Layers.describe` adds where the value was written.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from rr_tui.config.model import Settings
from rr_tui.models import Severity

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration: the key path and what is wrong with its value."""

    loc: Loc
    message: str


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


def problem_of(error: ErrorDetails) -> Problem:
    """One of pydantic's validation errors as a problem, in the words of the file."""
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
    close = difflib.get_close_matches(name, known, n=3)
    # A typo rarely changes how a word starts: `polling` means `poll_interval`, not the
    # (by letters alone) closer `wellbeing`. Stable sort: the best score among those first.
    close.sort(key=lambda candidate: not candidate.startswith(name[:3]))
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
