"""The backends the dashboard can open: `Profile`, and the profile every configuration has.

A profile says where a backend is and where its token comes from, never the
token itself: that is an environment variable or a command that prints it.
"""

from __future__ import annotations

import re
import shlex
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from rr_tui.config.fields import Section
from rr_tui.models import Category, Region, Severity, Source


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    return value.rstrip("/")


def _env_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise ValueError(f"{value!r} is not an environment variable name")
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
    service_sources: dict[str, Source] = Field(default_factory=dict)
    """PagerDuty only: where each service's incidents come in from, e.g. {PXYZ123 = "regulator"}
    (default internal_detection): with market and category, what starts a legal clock at intake."""
    clock_rules: str = ""
    """PagerDuty only: a team's clock rules file (TOML [rules.<id>] tables) added to the shipped
    catalogue and replacing its rules of the same id (the rr server's --clock-rules)."""
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


BUILTIN_PROFILES: dict[str, dict[str, Any]] = {"local": {}}
"""The profile every configuration has: `rr-tui serve` on this machine, token in $RR_TUI_TOKEN."""
