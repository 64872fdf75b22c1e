"""The checks across values: names that must refer to something that exists.

Field-by-field validation cannot see that `profile` names no profile, that two
views share a key, or that a keymap id is not a binding the dashboard knows;
these run once every value is valid on its own.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection

from rr_tui.config.model import Settings
from rr_tui.config.problems import Problem
from rr_tui.options import HIGH_CONTRAST_THEME


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
