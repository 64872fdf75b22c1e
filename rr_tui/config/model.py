"""The settings model: every option rr-tui reads from its TOML file and the environment.

Every field has a default and a docstring. The docstrings are written for users:
`rr-tui config init` and `config/rr-tui.example.toml` are generated from them
(see `example.py`), so the documentation of an option cannot drift from the
option itself.

Every model forbids unknown keys: a typo is an error that names the key, never
a setting silently ignored. The named tables (`profiles`, `views`,
`severities`) merge into their built-in defaults, so a file names only what
it changes: `[views.urgent] key = "u"` rebinds the built-in view and keeps its
filter.

The tables of the file are defined beside what they hold: `profiles` (backends),
`views` (saved views) and `severities`; the value types are in `fields`. Here are
the top-level settings, the alerts and triage tables, and how the named tables
merge into their built-in defaults.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from rr_tui.config.fields import (
    BindingId,
    ColumnName,
    Duration,
    Keys,
    Name,
    Section,
    format_duration,
)
from rr_tui.config.profiles import BUILTIN_PROFILES, Profile
from rr_tui.config.severities import Severities
from rr_tui.config.views import BUILTIN_VIEWS, View
from rr_tui.models import Severity, TimeZoneName
from rr_tui.options import DashboardOptions, SavedView, WellbeingOptions

ENV_PREFIX = "RR_TUI_"
"""Environment variables that override settings start with this (nested with `__`)."""


def _title(value: str) -> str:
    if not value.isprintable() or len(value) > 40:
        raise ValueError(f"{value!r} is not a title of at most 40 printable characters")
    return value


def _theme(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", value):
        raise ValueError(f"{value!r} is not a theme name such as 'textual-dark'")
    return value


Fraction = Annotated[float, Field(gt=0, lt=1)]
"""A share of a legal clock's time, above 0 and below 1."""


def _fractions(values: list[float]) -> list[float]:
    if len(set(values)) != len(values):
        raise ValueError("a fraction is listed twice")
    return sorted(values)


class Notify(Section):
    """Alerts for urgent incidents: new ones, or ones raised to an alerting severity."""

    alert_at: Severity = Severity.SEV1
    """Incidents at this severity or more urgent alert with a toast (and the bell): "SEV1"
    alerts for SEV0 and SEV1."""
    bell: bool = True
    """Ring the terminal bell with the toast."""
    quiet: bool = False
    """Quiet mode: no toasts and no bell (new and changed rows are still marked)."""
    flash_seconds: Annotated[float, Field(ge=0, le=60)] = 4.0
    """How long new and changed rows stay marked, in seconds."""
    clock_alerts: Annotated[list[Fraction], AfterValidator(_fractions)] = Field(
        default_factory=lambda: [0.5, 0.8]
    )
    """Fractions of a running legal clock's time at which it alerts with a toast, e.g.
    [0.5, 0.8]: half and four fifths gone. A missed clock always alerts; [] alerts only then."""
    clock_bell: bool = True
    """Ring the terminal bell with a legal clock alert."""


class Triage(Section):
    """Keyboard triage."""

    require_reason: bool = True
    """Severity changes ask for a reason, and an empty one is refused."""
    undo_seconds: Annotated[float, Field(ge=0, le=3600)] = 30.0
    """How long after a severity or assignment change `u` can undo it, in seconds."""


def _between(low: timedelta, high: timedelta) -> AfterValidator:
    def check(value: timedelta) -> timedelta:
        if not low <= value <= high:
            raise ValueError(
                f"{format_duration(value)} is not between {format_duration(low)} and "
                f"{format_duration(high)}"
            )
        return value

    return AfterValidator(check)


class Wellbeing(Section):
    """The analyst at the keyboard: break reminders, the reveal count, softer sensitive text.
    Everything here is off by default and never stops work."""

    break_reminder: bool = False
    """Remind you (one toast, never a dialog) when `break_after` has passed since your last
    break; `B` says you took one."""
    break_after: Annotated[Duration, _between(timedelta(minutes=10), timedelta(hours=12))] = (
        timedelta(minutes=90)
    )
    """How long after the dashboard opened, or after `B`, the reminder comes (10m to 12h)."""
    remind_again: Annotated[Duration, _between(timedelta(minutes=5), timedelta(hours=4))] = (
        timedelta(minutes=30)
    )
    """If no break follows, how long until the one reminder comes again (5m to 4h)."""
    status: bool = False
    """Show in the status bar how many sensitive items you revealed this shift and the time
    since your last break."""
    soften_sensitive: bool = False
    """Draw revealed sensitive titles and summaries dimmed and without colour or bold, so
    they read but do not jump out (terminals cannot blur text)."""


def _merge_named(builtins: dict[str, dict[str, Any]], given: Any) -> Any:
    if not isinstance(given, dict):
        return given
    merged: dict[str, Any] = {name: dict(body) for name, body in builtins.items()}
    for name, body in given.items():
        if isinstance(body, dict) and isinstance(merged.get(name), dict):
            merged[name] = {**merged[name], **body}
        else:
            merged[name] = body
    return merged


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"queue": {"cursor_down": "j"}}` as `{"queue.cursor_down": "j"}`.

    In TOML, `queue.cursor_down = "j"` under `[keymap]` is a dotted key, i.e. a nested
    table; binding ids are dotted names, so both spellings mean the same binding.
    """
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


class Settings(BaseSettings):
    """Everything rr-tui can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_ignore_empty=True,
        case_sensitive=False,
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
    )

    profile: Name = "local"
    """The profile the dashboard opens (--profile and $RR_TUI_PROFILE choose another)."""
    title: Annotated[str, AfterValidator(_title)] = "RR"
    """Shown first in the status bar, e.g. "RR · APAC shift"."""
    poll_interval: Annotated[float, Field(ge=1.0, le=3600.0)] = 2.0
    """Seconds between polls while the backend answers (at least 1)."""
    zones: list[TimeZoneName] = Field(default_factory=lambda: ["Asia/Singapore"])
    """Shift clock time zones (IANA names), shown beside UTC; the first is used for times."""
    theme: Annotated[str, AfterValidator(_theme)] = "textual-dark"
    """A Textual theme ("textual-dark", "textual-light", "nord", "gruvbox", "dracula", ...) or
    "rr-high-contrast"."""
    reveal_sensitive: bool = False
    """Show sensitive titles and summaries unmasked by default (`v` flips one incident)."""
    default_view: Name = "open"
    """The view the dashboard and `rr-tui list` start with (--view chooses another)."""
    columns: list[ColumnName] = Field(default_factory=list)
    """Queue columns in order, from sev, id, age, sla, status, region, category, assignee,
    title; [] chooses by the terminal's width. The title takes the space that is left."""
    notify: Notify = Field(default_factory=Notify)
    """Alerts for urgent incidents."""
    triage: Triage = Field(default_factory=Triage)
    """Keyboard triage."""
    wellbeing: Wellbeing = Field(default_factory=Wellbeing)
    """Break reminders, the reveal count and softer sensitive text (all off by default)."""
    severities: Severities = Field(default_factory=Severities)
    """Labels and SLA targets per severity."""
    profiles: dict[Name, Profile] = Field(
        default_factory=lambda: {
            name: Profile.model_validate(body) for name, body in BUILTIN_PROFILES.items()
        }
    )
    """Backends, by name. Switch with --profile NAME."""
    views: dict[Name, View] = Field(
        default_factory=lambda: {
            name: View.model_validate(body) for name, body in BUILTIN_VIEWS.items()
        }
    )
    """Saved views, by name, in the order `[` and `]` step through them."""
    keymap: dict[BindingId, Keys] = Field(default_factory=dict)
    """Key bindings by binding id, e.g. "queue.cursor_down" = "down,j". `?` in the dashboard
    lists every binding; `rr-tui check-config` reports ids that do not exist."""

    @model_validator(mode="before")
    @classmethod
    def _merge_builtins(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        data["profiles"] = _merge_named(BUILTIN_PROFILES, data.get("profiles", {}))
        data["views"] = _merge_named(BUILTIN_VIEWS, data.get("views", {}))
        if isinstance(data.get("keymap"), dict):
            data["keymap"] = _flatten(data["keymap"])
        return data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values given to the constructor.

        `load()` reads the file and the environment itself and merges them (flags over
        environment over file over defaults), so that it can say where a bad value came
        from; the model then validates the merged values in one go.
        """
        return (init_settings,)

    def active(self) -> tuple[str, Profile]:
        """The active profile's name and settings."""
        return self.profile, self.profiles[self.profile]

    def saved_views(self) -> tuple[SavedView, ...]:
        """The views as the dashboard and `rr-tui list` apply them."""
        return tuple(view.saved(name) for name, view in self.views.items())

    def dashboard_options(self, *, title: str | None = None) -> DashboardOptions:
        """What the dashboard reads, from these settings."""
        notify = self.notify
        return DashboardOptions(
            title=title or self.title,
            poll_interval=self.poll_interval,
            zones=tuple(self.zones),
            reveal_sensitive=self.reveal_sensitive,
            severity_labels={sev: self.severities.get(sev).label for sev in Severity},
            alert_rank=-1 if notify.quiet else notify.alert_at.rank,
            bell=notify.bell and not notify.quiet,
            flash_seconds=notify.flash_seconds,
            clock_alerting=not notify.quiet,
            clock_alerts=tuple(notify.clock_alerts),
            clock_bell=notify.clock_bell and not notify.quiet,
            require_reason=self.triage.require_reason,
            undo_seconds=self.triage.undo_seconds,
            views=self.saved_views(),
            default_view=self.default_view,
            keymap=dict(self.keymap),
            theme=self.theme,
            columns=tuple(self.columns),
            wellbeing=WellbeingOptions(
                break_after=self.wellbeing.break_after if self.wellbeing.break_reminder else None,
                remind_again=self.wellbeing.remind_again,
                status=self.wellbeing.status,
                soften_sensitive=self.wellbeing.soften_sensitive,
            ),
        )

    def sla_targets(self) -> dict[Severity, timedelta]:
        """SLA target per severity, for the reference server."""
        return {severity: self.severities.get(severity).sla for severity in Severity}
