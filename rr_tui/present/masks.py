"""What stands in for a sensitive incident's text until someone reveals it."""

from __future__ import annotations

from collections.abc import Collection

QUEUE_MASK = "▒▒▒ sensitive · v to reveal"
"""In the queue and the detail pane, where `v` reveals it."""

LIST_MASK = "▒▒▒ sensitive"
"""In `rr-tui list` output, where no key reveals it."""

ALERT_MASK = "sensitive incident"
"""In toasts and dialog subject lines, which are never revealed."""


def is_revealed(default: bool, toggled: Collection[str], incident_id: str) -> bool:
    """Whether a sensitive incident shows its text: the default, flipped by `v` per incident."""
    return default != (incident_id in toggled)
