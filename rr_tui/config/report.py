"""What `rr-tui check-config` says: where the settings came from and what the dashboard would use.

Tokens are never shown, and token commands are not run: only where a token would
come from, and whether its environment variable is set. A token that is not set
is a problem, as it is for the dashboard, which then refuses to start.

The config path is looked at (`lstat`, `stat`) before anything reads it: a
directory, a dangling symlink, a symlink loop or a FIFO is said to be one, and
a FIFO is never opened (reading it would wait for a writer for ever).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

from rr_tui.config.load import Loaded
from rr_tui.config.model import ENV_PREFIX
from rr_tui.config.profiles import Profile
from rr_tui.config.tokens import token_source


def path_problem(path: Path) -> str | None:
    """What is wrong with the config path as a file to read, without opening it; None if fine.

    A missing path is fine here (the default file may be absent; `load` says
    when a named one must exist).
    """
    try:
        link = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as error:
        return f"{path}: cannot look at it: {error.strerror}"
    try:
        target = path.stat()
    except FileNotFoundError:
        return f"{path}: a dangling symlink (to {os.readlink(path)})"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return f"{path}: a symlink loop"
        return f"{path}: cannot look at it: {error.strerror}"
    if stat.S_ISDIR(target.st_mode):
        return f"{path}: a directory, not a config file"
    if not stat.S_ISREG(target.st_mode):
        kind = "a fifo" if stat.S_ISFIFO(target.st_mode) else "not a regular file"
        via = " (through a symlink)" if stat.S_ISLNK(link.st_mode) else ""
        return f"{path}: {kind}{via}, not a config file"
    return None


def problems(loaded: Loaded) -> list[str]:
    """What would stop the dashboard although the settings are valid (today: a missing token)."""
    name, profile = loaded.settings.active()
    if profile.token_command or os.environ.get(profile.token_env, "").strip():
        return []
    return [f"no token for profile '{name}': set ${profile.token_env} (or give it a token_command)"]


def describe(loaded: Loaded) -> list[str]:
    """The lines of the report on checked settings, ending with "ok" if nothing is wrong."""
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
    if not problems(loaded):
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
