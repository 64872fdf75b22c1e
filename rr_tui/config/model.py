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
"""

from __future__ import annotations

import re
import shlex
from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from rr_tui.models import (
    DEFAULT_SLA,
    OPEN_STATUSES,
    Category,
    Region,
    Severity,
    Status,
    TimeZoneName,
)
from rr_tui.options import DashboardOptions, SavedView
from rr_tui.sync.store import Filter

ENV_PREFIX = "RR_TUI_"
"""Environment variables that override settings start with this (nested with `__`)."""

# --- value types ------------------------------------------------------------------


def _name(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", value):
        raise ValueError(
            f"{value!r} is not a valid name: use lower-case letters, digits, - and _, "
            "starting with a letter (at most 32)"
        )
    return value


Name = Annotated[str, AfterValidator(_name)]
"""A profile or view name, e.g. `apac-prod`: safe on a command line, in a key and on screen."""


_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_duration(value: object) -> timedelta:
    """`"30m"`, `"2h"`, `"1h30m"`, `"3d"`, `"90s"` as a timedelta."""
    if isinstance(value, timedelta):
        return value
    text = value.strip() if isinstance(value, str) else ""
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        raise ValueError(f"{value!r} is not a duration such as 30m, 2h, 1h30m or 3d")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if duration <= timedelta(0):
        raise ValueError(f"{value!r} is not a duration above zero")
    return duration


def format_duration(value: timedelta) -> str:
    """The shortest `1d2h30m` spelling of a duration (what `parse_duration` reads)."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]
"""A duration written as in `30m`, `2h`, `1h30m`, `3d`."""


def _label(value: str) -> str:
    if not value or not value.isprintable() or len(value) > 8:
        raise ValueError(f"{value!r} is not a label of 1 to 8 printable characters")
    return value


def _title(value: str) -> str:
    if not value.isprintable() or len(value) > 40:
        raise ValueError(f"{value!r} is not a title of at most 40 printable characters")
    return value


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    return value.rstrip("/")


def _env_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise ValueError(f"{value!r} is not an environment variable name")
    return value


def _keys(value: str) -> str:
    if not re.fullmatch(r"[^\s,]+(,[^\s,]+)*", value):
        raise ValueError(
            f"{value!r} is not a key list such as 'j' or 'down,j' (comma-separated, no spaces)"
        )
    return value


def _binding_id(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)*", value):
        raise ValueError(f"{value!r} is not a binding id such as 'queue.cursor_down'")
    return value


def _command(value: object) -> object:
    """A command as a list of arguments; a string is split as a shell would (no shell runs)."""
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as error:
            raise ValueError(f"not a command line: {error}") from None
    if isinstance(value, list) and any(isinstance(part, str) and not part for part in value):
        raise ValueError("a command with an empty argument")
    return value


def _theme(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", value):
        raise ValueError(f"{value!r} is not a theme name such as 'textual-dark'")
    return value


Keys = Annotated[str, AfterValidator(_keys)]
"""Keys as Textual names them, comma-separated: `j`, `down,j`, `ctrl+r`, `f5`."""

BindingId = Annotated[str, AfterValidator(_binding_id)]
"""The id of a key binding, e.g. `queue.cursor_down` (`?` in the dashboard lists them)."""

ColumnName = Literal["sev", "id", "age", "sla", "status", "region", "category", "assignee", "title"]
"""The queue's columns, by key."""


# --- sections ---------------------------------------------------------------------


class Section(BaseModel):
    """A table of the file: unknown keys are errors; docstrings document the fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Profile(Section):
    """A backend the dashboard can open. Tokens never go in this file: they come from an
    environment variable (`token_env`) or from a command that prints them (`token_command`)."""

    kind: Literal["rr", "pagerduty"] = "rr"
    """The kind of backend: "rr" is the rr HTTP API v1 (`rr-tui serve`, or a compatible server);
    "pagerduty" is PagerDuty's REST API v2 (see "Connecting to PagerDuty" in the README)."""
    url: Annotated[str, AfterValidator(_url)] = "http://127.0.0.1:8765"
    """The server's address; /api/v1 is added for kind "rr". For kind "pagerduty" the default is
    https://api.pagerduty.com."""
    from_email: str = ""
    """PagerDuty only, and required there: the email of the PagerDuty user the dashboard acts
    as (sent as the From header on every change)."""
    service_ids: list[str] = Field(default_factory=list)
    """PagerDuty only: show incidents of these services only (empty: all)."""
    team_ids: list[str] = Field(default_factory=list)
    """PagerDuty only: show incidents of these teams only (empty: all)."""
    severity_map: dict[str, dict[str, Severity]] = Field(default_factory=dict)
    """PagerDuty only: override how priorities and urgency map onto severities, e.g.
    {priorities = {P1 = "SEV0", P2 = "SEV1"}, urgency = {low = "SEV3"}}."""
    service_regions: dict[str, Region] = Field(default_factory=dict)
    """PagerDuty only: the market of each service id, e.g. {PXYZ123 = "ID"} (default ZZ)."""
    service_categories: dict[str, Category] = Field(default_factory=dict)
    """PagerDuty only: the category of each service id (default "pagerduty")."""
    contacts_file: str = ""
    """PagerDuty only: a TOML file of stakeholders who are not in PagerDuty (Legal, Policy,
    partners), as [[contacts]] tables with the fields of GET /api/v1/contacts."""
    token_env: Annotated[str, AfterValidator(_env_name)] = "RR_TUI_TOKEN"  # noqa: S105
    """The environment variable that holds this profile's bearer token."""
    token_command: Annotated[list[str], BeforeValidator(_command)] = Field(default_factory=list)
    """A command that prints the token, e.g. ["pass", "show", "rr/prod"] or "pass show rr/prod";
    the first line of its output is the token. Run without a shell; if set, token_env is not
    read."""

    @model_validator(mode="before")
    @classmethod
    def _pagerduty_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") == "pagerduty" and "url" not in data:
            return {**data, "url": "https://api.pagerduty.com"}
        return data

    @model_validator(mode="after")
    def _one_token_source(self) -> Profile:
        explicit = self.model_fields_set
        if "token_env" in explicit and self.token_command:
            raise ValueError("give token_env or token_command, not both")
        if self.kind == "pagerduty" and "@" not in self.from_email:
            raise ValueError('a "pagerduty" profile needs from_email: the PagerDuty user to act as')
        return self


class View(Section):
    """A saved view: a named filter of the queue. Empty lists mean "any"."""

    key: Annotated[str, AfterValidator(lambda value: _keys(value) if value else value)] = ""
    """A key that switches the queue to this view ("" for none); `[` and `]` step through
    the views and ctrl+p finds them by name."""
    severities: list[Severity] = Field(default_factory=list)
    """Only these severities, e.g. ["SEV0", "SEV1"]."""
    statuses: list[Status] = Field(
        default_factory=lambda: [status for status in Status if status in OPEN_STATUSES]
    )
    """Only these statuses (new, acknowledged, escalated, mitigated, resolved). The backend
    sends resolved incidents for 24 hours only."""
    regions: list[Region] = Field(default_factory=list)
    """Only these markets, e.g. ["ID", "TH", "VN"]."""
    categories: list[Category] = Field(default_factory=list)
    """Only these categories, e.g. ["violent_extremism", "child_safety"]."""
    assignee: str = ""
    """"me" for incidents assigned to you (the backend says who the token belongs to), a user
    name for theirs, or "" for anyone's."""
    text: Annotated[str, Field(max_length=200)] = ""
    """Only incidents whose title or id contains this text (case-insensitive)."""

    def saved(self, name: str) -> SavedView:
        """This view as the dashboard applies it ("me" is resolved when it is shown)."""
        mine = self.assignee == "me"
        return SavedView(
            name=name,
            filter=Filter(
                severities=frozenset(self.severities),
                statuses=frozenset(self.statuses),
                regions=frozenset(self.regions),
                categories=frozenset(self.categories),
                assignee=None if mine or not self.assignee else self.assignee,
                text=self.text,
            ),
            key=self.key,
            mine=mine,
        )


class SeverityConfig(Section):
    """How one severity is shown, and its SLA target."""

    label: Annotated[str, AfterValidator(_label)]
    """Shown in the queue, status bar and alerts (4 characters fit the queue column)."""
    sla: Duration
    """Time from creation to mitigation before the SLA is breached. `rr-tui serve` and
    `rr-tui demo` give new incidents this due time; the dashboard counts down to the due time
    each incident carries from its backend."""


SEVERITY_DEFAULTS: dict[str, dict[str, str]] = {
    severity.value: {"label": severity.value, "sla": format_duration(sla)}
    for severity, sla in DEFAULT_SLA.items()
}
"""Each severity's label (its name) and SLA target (`models.DEFAULT_SLA`), spelled as in
the file."""


def _severity_default(severity: str) -> Any:
    return Field(default_factory=lambda: SeverityConfig.model_validate(SEVERITY_DEFAULTS[severity]))


class Severities(Section):
    """Labels and SLA targets per severity. Set only what you change, e.g.
    `[severities.SEV1]` with `label = "P1"` keeps SEV1's SLA target."""

    SEV0: SeverityConfig = _severity_default("SEV0")
    """Critical: imminent threat to life, live violent event."""
    SEV1: SeverityConfig = _severity_default("SEV1")
    """High: spreading harm that needs action within the hour."""
    SEV2: SeverityConfig = _severity_default("SEV2")
    """Elevated: contained harm, same-shift action."""
    SEV3: SeverityConfig = _severity_default("SEV3")
    """Moderate: next-day action."""
    SEV4: SeverityConfig = _severity_default("SEV4")
    """Informational."""

    @model_validator(mode="before")
    @classmethod
    def _fill_from_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {
            key: {**SEVERITY_DEFAULTS[key], **value}
            if key in SEVERITY_DEFAULTS and isinstance(value, dict)
            else value
            for key, value in data.items()
        }

    def get(self, severity: Severity) -> SeverityConfig:
        """The settings of one severity."""
        config: SeverityConfig = getattr(self, severity.value)
        return config


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


class Triage(Section):
    """Keyboard triage."""

    require_reason: bool = True
    """Severity changes ask for a reason, and an empty one is refused."""
    undo_seconds: Annotated[float, Field(ge=0, le=3600)] = 30.0
    """How long after a severity or assignment change `u` can undo it, in seconds."""


BUILTIN_PROFILES: dict[str, dict[str, Any]] = {"local": {}}
"""The profile every configuration has: `rr-tui serve` on this machine, token in $RR_TUI_TOKEN."""

BUILTIN_VIEWS: dict[str, dict[str, Any]] = {
    "open": {"key": "A"},
    "urgent": {"key": "U", "severities": ["SEV0", "SEV1"]},
    "mine": {"key": "M", "assignee": "me"},
}
"""The views every configuration has; a file may change them or add its own.

Their keys are capitals (All open, Urgent, Mine) because the digits and most lower-case
letters are triage and navigation keys.
"""


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
            require_reason=self.triage.require_reason,
            undo_seconds=self.triage.undo_seconds,
            views=self.saved_views(),
            default_view=self.default_view,
            keymap=dict(self.keymap),
            theme=self.theme,
            columns=tuple(self.columns),
        )

    def sla_targets(self) -> dict[Severity, timedelta]:
        """SLA target per severity, for the reference server."""
        return {severity: self.severities.get(severity).sla for severity in Severity}
