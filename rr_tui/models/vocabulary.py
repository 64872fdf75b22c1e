"""The closed vocabularies of an incident: severities, statuses, sources, teams, event
kinds and roles, with the tables that belong to them (SLA targets by severity, the
open statuses, the well-known categories).

They are `StrEnum`s, so each value is what the API sends, and the tables sit beside
their enum so there is one home for each (client, server and adapters read these).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum


class Severity(StrEnum):
    """How urgent an incident is. A lower number is more urgent."""

    SEV0 = "SEV0"
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @property
    def rank(self) -> int:
        """0 for SEV0 (most urgent) to 4 for SEV4."""
        return int(self.value[3])

    @classmethod
    def from_rank(cls, rank: int) -> Severity:
        """The severity for a rank, clamped to SEV0..SEV4."""
        return cls(f"SEV{min(max(rank, 0), 4)}")


DEFAULT_SLA: Mapping[Severity, timedelta] = {
    Severity.SEV0: timedelta(minutes=30),
    Severity.SEV1: timedelta(hours=2),
    Severity.SEV2: timedelta(hours=8),
    Severity.SEV3: timedelta(hours=24),
    Severity.SEV4: timedelta(hours=72),
}
"""Time from creation to mitigation before the SLA is breached, by severity: the defaults
of the settings (`[severities]`), the reference server and the PagerDuty adapter."""


class Status(StrEnum):
    """Where an incident is in its life: new → acknowledged → escalated → mitigated → resolved."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        """True for every status but resolved (see `OPEN_STATUSES`)."""
        return self in OPEN_STATUSES


OPEN_STATUSES: frozenset[Status] = frozenset(Status) - {Status.RESOLVED}
"""The statuses of an incident still being worked: every status but resolved."""


class Source(StrEnum):
    """Where an incident came from."""

    USER_REPORT = "user_report"
    INTERNAL_DETECTION = "internal_detection"
    TRUSTED_FLAGGER = "trusted_flagger"
    REGULATOR = "regulator"
    LAW_ENFORCEMENT = "law_enforcement"
    MEDIA = "media"
    EMPLOYEE = "employee"
    PARTNER = "partner"


class Team(StrEnum):
    """The function a stakeholder belongs to."""

    LEGAL = "legal"
    PUBLIC_POLICY = "public_policy"
    COMMS = "comms"
    PRODUCT = "product"
    ENGINEERING = "engineering"
    LAW_ENFORCEMENT_RESPONSE = "law_enforcement_response"
    PARTNERSHIPS = "partnerships"
    REGIONAL_OPS = "regional_ops"
    TRUST_SAFETY = "trust_safety"


TEAM_LABELS: Mapping[Team, str] = {
    Team.LEGAL: "Legal",
    Team.PUBLIC_POLICY: "Public Policy",
    Team.COMMS: "Comms",
    Team.PRODUCT: "Product",
    Team.ENGINEERING: "Engineering",
    Team.LAW_ENFORCEMENT_RESPONSE: "LE Response",
    Team.PARTNERSHIPS: "Partnerships",
    Team.REGIONAL_OPS: "Regional Ops",
    Team.TRUST_SAFETY: "Trust & Safety",
}
"""How each team is named to people: in the dashboard and in notes written to a backend."""


class EventKind(StrEnum):
    """What a timeline event records."""

    CREATED = "created"
    SEVERITY_CHANGED = "severity_changed"
    STATUS_CHANGED = "status_changed"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    NOTE = "note"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOCK = "clock"
    """A legal or protocol clock started, paused, resumed, extended, met or cancelled."""
    PROTOCOL = "protocol"
    """A protocol (playbook) activated on the incident, or one of its steps ticked or unticked."""


class Role(StrEnum):
    """What a user may do: a lead may also downgrade severity and take over others' incidents."""

    ANALYST = "analyst"
    LEAD = "lead"


CATEGORIES: dict[str, str] = {
    "violent_extremism": "violent extremism",
    "child_safety": "child safety",
    "self_harm": "self-harm",
    "hate_speech": "hate speech",
    "misinformation_elections": "misinformation/elections",
    "privacy_doxxing": "privacy/doxxing",
    "harassment": "harassment",
    "account_compromise": "account compromise",
    "legal_request": "legal/regulatory request",
    "law_enforcement_request": "law-enforcement request",
    "media_inquiry": "media inquiry",
    "scams_fraud": "scams/fraud",
}
"""The well-known categories and their display labels. Other slugs are allowed."""
