"""How each severity is shown and its SLA target: `[severities.SEVn]`.

The defaults are the model's (`models.DEFAULT_SLA`); a file names only what it
changes, and the rest of that severity keeps its default.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from rr_tui.config.fields import Duration, Section, format_duration
from rr_tui.models import DEFAULT_SLA, Severity


def _label(value: str) -> str:
    if not value or not value.isprintable() or len(value) > 8:
        raise ValueError(f"{value!r} is not a label of 1 to 8 printable characters")
    return value


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
