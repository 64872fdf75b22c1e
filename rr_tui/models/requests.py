"""What clients send to the rr HTTP API v1: its path prefix and the request bodies.

Every body forbids unknown fields (see `base`): a typo in a client is an error
the server names, never a change silently left out.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StringConstraints, model_validator

from rr_tui.models.base import _Request
from rr_tui.models.fields import (
    TEXT_MAX,
    Category,
    ClientDatetime,
    ContactId,
    Link,
    NoteText,
    Reason,
    Region,
    Summary,
    Tag,
    Title,
    UserName,
)
from rr_tui.models.vocabulary import Severity, Source, Status

API_PREFIX = "/api/v1"


class IncidentCreate(_Request):
    """`POST /api/v1/incidents`: intake from report tools, integrations and the simulator."""

    title: Title
    summary: Summary = ""
    severity: Severity
    category: Category
    region: Region
    source: Source
    sensitive: StrictBool = False
    assignee: UserName | None = None
    due_at: ClientDatetime | None = None
    """Overrides the server's SLA target for the severity (2000..2099 UTC)."""
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    links: list[Link] = Field(default_factory=list, max_length=20)


class IncidentPatch(_Request):
    """`PATCH /api/v1/incidents/{id}`: change severity, status and/or assignee, with a reason.

    `"assignee": null` unassigns; leaving `assignee` out leaves it as it is.
    """

    severity: Severity | None = None
    status: Status | None = None
    assignee: UserName | None = None
    reason: Reason = ""

    @property
    def sets_assignee(self) -> bool:
        """Whether the body names an assignee (a JSON null included)."""
        return "assignee" in self.model_fields_set

    @model_validator(mode="after")
    def _something_to_change(self) -> IncidentPatch:
        if self.severity is None and self.status is None and not self.sets_assignee:
            raise ValueError("nothing to change: give severity, status or assignee")
        return self


class NoteCreate(_Request):
    """`POST /api/v1/incidents/{id}/notes`."""

    text: NoteText


class EscalationCreate(_Request):
    """`POST /api/v1/incidents/{id}/escalations`: notify one or more stakeholders."""

    targets: list[ContactId] = Field(min_length=1, max_length=50)
    note: Annotated[str, StringConstraints(max_length=TEXT_MAX)] = ""
