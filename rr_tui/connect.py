"""From the configuration to a Backend: the active profile's token, adapter and contacts.

A profile of kind "rr" talks the rr HTTP API v1; kind "pagerduty" is the PagerDuty
adapter, with stakeholders from the profile's local `contacts_file` (PagerDuty has
no directory of Legal, Policy or Comms contacts). Every problem is a `ConfigError`
or `TokenError` naming the profile key, so the dashboard never starts half-configured.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError

from rr_tui.config import ConfigError, Loaded, Profile, TokenError, resolve_token
from rr_tui.models import Contact, Severity

if TYPE_CHECKING:
    from rr_tui.backends.base import Backend


def connect(loaded: Loaded, token: str | None = None) -> Backend:
    """The backend of the active profile; `token` (the --token flag) beats the profile's."""
    name, profile = loaded.settings.active()
    return make_backend(name, profile, profile_token(loaded, token), loaded.settings.sla_targets())


def profile_token(loaded: Loaded, flag: str | None = None) -> SecretStr:
    """The active profile's bearer token: `flag` if given, else its token_env or token_command.

    Without a config file, a missing token also says how to start without one.
    """
    if flag:
        return SecretStr(flag)
    name, profile = loaded.settings.active()
    try:
        return resolve_token(name, profile)
    except TokenError as error:
        if loaded.layers.exists:
            raise
        raise TokenError(
            f"{error}. New here? `rr-tui demo` shows the dashboard on a demo backend, and "
            "`rr-tui config init` writes a starter config"
        ) from None


def make_backend(
    name: str, profile: Profile, token: SecretStr, sla: Mapping[Severity, timedelta] | None = None
) -> Backend:
    """The backend adapter for a profile: kind "rr" (the rr HTTP API v1) or "pagerduty".

    The name says profile and account, and keys the outbox: actions made through one
    profile are never sent through another.
    """
    host = urlsplit(profile.url).netloc
    if profile.kind == "pagerduty":
        from rr_tui import locations
        from rr_tui.backends.pagerduty import from_settings
        from rr_tui.backends.pagerduty.clock_file import ClockFileError
        from rr_tui.deadlines import CatalogueError
        from rr_tui.deadlines import load as load_catalogue

        try:
            catalogue = load_catalogue(profile.clock_rules or None)
        except CatalogueError as error:
            lines = [f"profiles.{name}.clock_rules: {line}" for line in error.lines]
            raise ConfigError(lines) from None
        try:
            backend = from_settings(
                profile.url,
                token.get_secret_value(),
                profile.from_email,
                service_ids=profile.service_ids,
                team_ids=profile.team_ids,
                severity_map=profile.severity_map or None,
                contacts=local_contacts(name, profile),
                service_regions=profile.service_regions or None,
                service_categories=profile.service_categories or None,
                service_sources={k: v.value for k, v in profile.service_sources.items()} or None,
                sla=sla,
                clock_file=locations.pd_clocks_path(name, profile.url),
                catalogue=catalogue,
            )
        except (ValueError, ClockFileError) as error:
            raise ConfigError([f"profiles.{name}: {error}"]) from None
        backend.name = f"{name} · PagerDuty {profile.from_email}"
        return backend
    from rr_tui.backends.rr_http import HOLD_SECONDS, RrHttpBackend

    secret = token.get_secret_value()
    return RrHttpBackend(profile.url, secret, name=f"{name} · rr {host}", hold=HOLD_SECONDS)


def local_contacts(name: str, profile: Profile) -> list[Contact]:
    """The stakeholders of the profile's `contacts_file` (none without one).

    Raises ConfigError saying what is wrong where: unreadable, not TOML, or the first
    invalid field of the first invalid contact.
    """
    if not profile.contacts_file:
        return []
    path = Path(profile.contacts_file).expanduser()
    where = f"profiles.{name}.contacts_file: {path}"
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError([f"{where}: cannot read: {error.strerror}"]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"{where}: not valid TOML: {error}"]) from None
    contacts = []
    for index, raw in enumerate(document.get("contacts", [])):
        try:
            contacts.append(Contact.model_validate(raw))
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            raise ConfigError([f"{where}: contacts[{index}].{field}: {first['msg']}"]) from None
    return contacts
