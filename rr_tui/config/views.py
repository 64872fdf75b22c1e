"""Saved views: `View`, a named filter of the queue, and the views every configuration has."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from rr_tui.config.fields import KeysOrNone, Section
from rr_tui.models import OPEN_STATUSES, Category, Region, Severity, Status
from rr_tui.options import SavedView
from rr_tui.sync.store import Filter


class View(Section):
    """A saved view: a named filter of the queue. Empty lists mean "any"."""

    key: KeysOrNone = ""
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


BUILTIN_VIEWS: dict[str, dict[str, Any]] = {
    "open": {"key": "A"},
    "urgent": {"key": "U", "severities": ["SEV0", "SEV1"]},
    "mine": {"key": "M", "assignee": "me"},
    "new": {"key": "N", "statuses": ["new"]},
    "resolved": {"key": "R", "statuses": ["resolved"]},
}
"""The views every configuration has; a file may change them or add its own.

Their keys are capitals (All open, Urgent, Mine, New, Resolved: the last 24 hours of
them, where `o` reopens) because the digits and most lower-case
letters are triage and navigation keys.
"""
