"""The shift handover record: the outgoing lead's note for a window, and its acknowledgement.

A handover is written by a lead at the end of a shift and acknowledged by the
incoming lead; until then every dashboard shows it as waiting. It has a `version`
like an incident, so an acknowledgement names the version it read (`If-Match`).
"""

from __future__ import annotations

from pydantic import Field

from rr_tui.models.base import _Request, _Response
from rr_tui.models.fields import TEXT_MAX, ClientDatetime, UserName, UtcDatetime


class Handover(_Response):
    """One shift's handover note as the API serves it."""

    id: int = Field(ge=1)
    version: int = Field(ge=1)
    author: UserName
    note: str = Field(default="", max_length=TEXT_MAX)
    since: UtcDatetime
    """The start of the shift the note covers."""
    created_at: UtcDatetime
    acknowledged_by: UserName | None = None
    acknowledged_at: UtcDatetime | None = None
    reply: str = Field(default="", max_length=TEXT_MAX)
    """What the incoming lead answered when acknowledging."""

    @property
    def pending(self) -> bool:
        """Whether the incoming lead has yet to acknowledge it."""
        return self.acknowledged_at is None


class HandoverCreate(_Request):
    """`POST /handovers`: the outgoing lead's note for the shift since `since`."""

    note: str = Field(min_length=1, max_length=TEXT_MAX)
    since: ClientDatetime


class HandoverAck(_Request):
    """`POST /handovers/{id}/acknowledgement`: the incoming lead has read it (a reply optional)."""

    reply: str = Field(default="", max_length=TEXT_MAX)


class HandoverList(_Response):
    """`GET /handovers`: newest first."""

    items: list[Handover]
