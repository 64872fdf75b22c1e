"""`/incidents/{incident_id}/...`: an incident's timeline, and the notes and escalations on it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from rr_tui.models import (
    EscalationCreate,
    EscalationResult,
    NoteCreate,
    NoteResult,
    TimelinePage,
)
from rr_tui.server.routes.dependencies import CurrentStore, CurrentUser, PathId
from rr_tui.server.routes.keyed import Keyed
from rr_tui.server.routes.responses import ERRORS, NOT_FOUND, json_response

router = APIRouter(tags=["incidents"])
"""The timeline routes."""


@router.get(
    "/incidents/{incident_id}/timeline",
    response_model=TimelinePage,
    responses={**ERRORS, **NOT_FOUND},
)
def get_timeline(
    incident_id: PathId,
    store: CurrentStore,
    _user: CurrentUser,
    after: Annotated[int, Query(ge=0, le=2**53)] = 0,
    limit: Annotated[int, Query(ge=1, le=5_000)] = 1_000,
) -> Response:
    """The incident's timeline after event `after`, oldest first."""
    return json_response(TimelinePage(items=store.timeline(incident_id, after, limit)))


@router.post(
    "/incidents/{incident_id}/notes",
    status_code=201,
    response_model=NoteResult,
    responses={**ERRORS, **NOT_FOUND},
)
def add_note(incident_id: PathId, body: NoteCreate, keyed: Keyed) -> Response:
    """Add a note to the incident's timeline."""
    return keyed(body, 201, lambda tx, actor: tx.add_note(incident_id, body.text, actor))


@router.post(
    "/incidents/{incident_id}/escalations",
    status_code=201,
    response_model=EscalationResult,
    responses={**ERRORS, **NOT_FOUND},
)
def escalate(incident_id: PathId, body: EscalationCreate, keyed: Keyed) -> Response:
    """Escalate to stakeholders from the directory, with a note."""
    return keyed(body, 201, lambda tx, actor: tx.escalate(incident_id, body, actor))
