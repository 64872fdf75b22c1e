"""Settings: a TOML file plus `RR_TUI_*` environment variables, validated by pydantic.

`load()` finds the file (--config, else $RR_TUI_CONFIG, else the platform config
directory), merges flags over environment over file over defaults, and returns
valid `Settings` or raises `ConfigError` naming every problem. The settings make
the dashboard's `DashboardOptions`; `resolve_token` gets a profile's token.

This package never imports Textual, Rich or the backends: the command line
passes in the theme names and binding ids the dashboard knows.
"""

from rr_tui.config.example import render_example
from rr_tui.config.layers import Layers
from rr_tui.config.load import (
    CONFIG_ENV,
    ConfigError,
    Loaded,
    config_path,
    default_path,
    load,
)
from rr_tui.config.model import Settings
from rr_tui.config.problems import Problem
from rr_tui.config.profiles import Profile
from rr_tui.config.tokens import TokenError, resolve_token, token_source
from rr_tui.config.views import View

__all__ = [
    "CONFIG_ENV",
    "ConfigError",
    "Layers",
    "Loaded",
    "Problem",
    "Profile",
    "Settings",
    "TokenError",
    "View",
    "config_path",
    "default_path",
    "load",
    "render_example",
    "resolve_token",
    "token_source",
]
