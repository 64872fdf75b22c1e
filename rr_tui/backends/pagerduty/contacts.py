"""How a PagerDuty user on call becomes a stakeholder in the escalation directory.

Pure, like `mapping`: the directory id, phone, email, time zone and tier of an
on-call user, clipped to what a `Contact` accepts. `oncall` fetches who is on
call and merges them with the local directory.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rr_tui.backends.pagerduty.mapping import clip
from rr_tui.backends.pagerduty.wire import PdContactMethod, PdUser
from rr_tui.models import (
    CONTACT_NAME_MAX,
    CONTACT_NOTES_MAX,
    EMAIL_MAX,
    PHONE_MAX,
    Contact,
    Team,
)


def valid_zone(name: str | None) -> str:
    """The user's IANA time zone, or UTC when PagerDuty's value is missing or unknown."""
    if not name:
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def contact_id(user_id: str) -> str:
    """The directory id of a PagerDuty user, e.g. `pd-pxpgf42`."""
    return "pd-" + re.sub(r"[^a-z0-9._-]", "-", user_id.lower())[:60]


def phone_of(methods: Sequence[PdContactMethod]) -> str:
    """The first phone (or SMS) number, with its country code."""
    for kind in ("phone_contact_method", "sms_contact_method"):
        for method in methods:
            if method.type == kind and method.address:
                prefix = f"+{method.country_code} " if method.country_code else ""
                return clip(prefix + method.address, PHONE_MAX)
    return ""


def email_of(methods: Sequence[PdContactMethod], user: PdUser) -> str:
    """The first email contact method, else the login email."""
    for method in methods:
        if method.type == "email_contact_method" and method.address:
            return clip(method.address, EMAIL_MAX)
    return clip(user.email or "", EMAIL_MAX)


@dataclass
class OnCall:
    """What `GET /oncalls` says about one user: the levels they are on call at."""

    user: PdUser
    levels: dict[str, int] = field(default_factory=dict)
    """Escalation level by escalation policy id."""
    policies: dict[str, str] = field(default_factory=dict)
    """Escalation policy name by id."""
    until: datetime | None = None


def oncall_contact(oncall: OnCall, methods: Sequence[PdContactMethod], team: Team) -> Contact:
    """A directory entry for a PagerDuty on-call user."""
    user = oncall.user
    level = min(oncall.levels.values(), default=1)
    where = ", ".join(
        f"{oncall.policies.get(policy, policy)} L{lvl}"
        for policy, lvl in sorted(oncall.levels.items(), key=lambda item: item[1])
    )
    role = "on call" + (f" · {user.job_title}" if user.job_title else "")
    until = f" until {oncall.until:%Y-%m-%d %H:%M} UTC" if oncall.until else ""
    return Contact(
        id=contact_id(user.id),
        name=clip(user.name or user.summary or user.id, CONTACT_NAME_MAX),
        team=team,
        role=clip(role, CONTACT_NAME_MAX),
        timezone=valid_zone(user.time_zone),
        phone=phone_of(methods),
        email=email_of(methods, user),
        on_call=True,
        escalation_tier=min(max(level, 1), 5),
        notes=clip(f"PagerDuty on call: {where}{until}", CONTACT_NOTES_MAX),
    )
