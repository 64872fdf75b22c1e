"""How PagerDuty priorities and urgency become SEV0..SEV4, and severities priorities again.

Pure, like `mapping`. The account's priorities map by position (the first to
SEV0, ..., the fifth and after to SEV4); an incident without one falls back on
its urgency. `SeverityMap` holds the overrides from the settings and
`PriorityScale` applies them both ways: to read an incident's severity and to
choose the priority to set for a severity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rr_tui.backends.pagerduty.wire import PdIncident, PdPriority
from rr_tui.models import Severity

DEFAULT_URGENCY: Mapping[str, Severity] = {"high": Severity.SEV2, "low": Severity.SEV4}
"""The severity of an incident that has no priority, by urgency."""


def _severity(value: Any, where: str) -> Severity:
    try:
        return value if isinstance(value, Severity) else Severity(str(value).upper())
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not one of SEV0..SEV4") from None


@dataclass(frozen=True)
class SeverityMap:
    """How PagerDuty priorities and urgency become SEV0..SEV4 (overrides of the defaults).

    `priorities` is keyed by priority name (case-insensitive, e.g. `P1`) or id;
    priorities it does not name keep the default by position. `urgency` is keyed
    by `high` / `low` and applies to incidents that have no priority.
    """

    priorities: Mapping[str, Severity] = field(default_factory=dict)
    urgency: Mapping[str, Severity] = field(default_factory=lambda: dict(DEFAULT_URGENCY))

    @classmethod
    def parse(cls, raw: SeverityMap | Mapping[str, Any] | None) -> SeverityMap:
        """A map from settings: `{"priorities": {"P1": "SEV0"}, "urgency": {"high": "SEV1"}}`.

        Raises:
            ValueError: naming the key, for an unknown key, urgency or severity.
        """
        if raw is None:
            return cls()
        if isinstance(raw, SeverityMap):
            return raw
        unknown = set(raw) - {"priorities", "urgency"}
        if unknown:
            raise ValueError(
                f"severity_map: unknown key {sorted(unknown)[0]!r} (expected priorities, urgency)"
            )
        priorities = {
            str(name): _severity(value, f"severity_map.priorities.{name}")
            for name, value in dict(raw.get("priorities") or {}).items()
        }
        urgency = dict(DEFAULT_URGENCY)
        for name, value in dict(raw.get("urgency") or {}).items():
            if name not in DEFAULT_URGENCY:
                raise ValueError(f"severity_map.urgency: {name!r} is not high or low")
            urgency[name] = _severity(value, f"severity_map.urgency.{name}")
        return cls(priorities, urgency)


class PriorityScale:
    """The account's priorities placed on SEV0..SEV4: both ways, with the overrides applied."""

    def __init__(self, priorities: Sequence[PdPriority], overrides: SeverityMap) -> None:
        self.priorities = list(priorities)
        self.overrides = overrides
        named = {key.casefold(): sev for key, sev in overrides.priorities.items()}
        self.by_id: dict[str, Severity] = {}
        for position, priority in enumerate(self.priorities):
            severity = overrides.priorities.get(priority.id) or named.get(
                priority.label.casefold(), Severity.from_rank(position)
            )
            self.by_id[priority.id] = severity
        self._named = named

    def severity_of(self, incident: PdIncident) -> Severity:
        """An incident's severity: by its priority, else by its urgency, else SEV2."""
        priority = incident.priority
        if priority is not None:
            known = self.by_id.get(priority.id) or self._named.get(priority.label.casefold())
            if known is not None:
                return known
        return self.overrides.urgency.get(incident.urgency or "high", Severity.SEV2)

    def priority_for(self, severity: Severity) -> PdPriority | None:
        """The most severe priority that maps to `severity`, or None if none does."""
        for priority in self.priorities:
            if self.by_id.get(priority.id) is severity:
                return priority
        return None

    def covered(self) -> list[Severity]:
        """The severities a priority can be set for."""
        return sorted(set(self.by_id.values()), key=lambda severity: severity.rank)
