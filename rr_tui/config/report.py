"""What `rr-tui check-config` says: where the settings came from and what the dashboard would use.

Tokens are never shown, and token commands are not run: only where a token would
come from, and whether its environment variable is set.
"""

from __future__ import annotations

import os
from typing import Any

from rr_tui.config.load import Loaded
from rr_tui.config.model import ENV_PREFIX
from rr_tui.config.profiles import Profile
from rr_tui.config.tokens import token_source


def describe(loaded: Loaded) -> list[str]:
    """The lines of the report on checked settings, ending with "ok"."""
    settings, layers = loaded.settings, loaded.layers
    if layers.exists:
        lines = [f"config: {layers.path} (from {layers.origin})"]
    else:
        lines = [f"config: no file at {layers.path}: defaults and environment only"]
    if layers.env:
        lines.append("environment: " + ", ".join(_env_names(layers.env)))
    name, profile = settings.active()
    lines.append(
        f"profile: {name}: {profile.kind} {profile.url}, token from {_token_note(profile)}"
    )
    if len(settings.profiles) > 1:
        lines.append("profiles: " + ", ".join(settings.profiles))
    views = ", ".join(
        f"{view} ({config.key})" if config.key else view for view, config in settings.views.items()
    )
    lines.append(f"views: {views}; starting with {settings.default_view}")
    lines.append(
        f"theme {settings.theme}, polling every {settings.poll_interval:g}s, "
        f"{len(settings.keymap)} key binding(s) changed"
    )
    lines.append("ok")
    return lines


def _token_note(profile: Profile) -> str:
    """Where the token comes from, and whether it is there: never the token itself."""
    if profile.token_command:
        return f"{token_source(profile)} (not run by check-config)"
    state = "set" if os.environ.get(profile.token_env, "").strip() else "NOT SET"
    return f"{token_source(profile)} ({state})"


def _env_names(env: dict[str, Any], prefix: str = ENV_PREFIX) -> list[str]:
    """The environment variables behind a nested dict of settings read from the environment."""
    names: list[str] = []
    for key, value in env.items():
        name = prefix + key.upper()
        if isinstance(value, dict) and key != "keymap":
            names.extend(_env_names(value, name + "__"))
        else:
            names.append(name)
    return names
