"""`/clock-rules` and `/incidents/{incident_id}/clocks`: legal and protocol deadlines.

Every write names the incident's version (`If-Match`) and may carry an
`Idempotency-Key`, like every other change: a clock step bumps the incident's
version, so a dashboard that missed it sees it in its next delta.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from rr_tui.deadlines.wire import ClockList, ClockResult, ClockStart, ClockStep, RuleList
from rr_tui.models import ConflictBody, ErrorBody
from rr_tui.server import clock_steps
from rr_tui.server.routes.dependencies import CurrentCatalogue, CurrentStore, CurrentUser, PathId
from rr_tui.server.routes.keyed import Keyed
from rr_tui.server.routes.responses import ERRORS, NOT_FOUND, json_response
from rr_tui.server.routes.versions import VERSION_ERRORS, IfMatch, expected_version

router = APIRouter(tags=["clocks"])
"""The clock routes."""

ClockId = Annotated[int, Path(ge=1, le=2**53, description="a clock's number on its incident")]

WRITE_ERRORS = {
    **ERRORS,
    **NOT_FOUND,
    **VERSION_ERRORS,
    403: {"model": ErrorBody, "description": "this user's role may not take the step"},
    409: {"model": ConflictBody, "description": "stale version: the current incident"},
    422: {"model": ErrorBody, "description": "the rule or the clock's state does not allow it"},
}


@router.get("/clock-rules", response_model=RuleList, responses=ERRORS)
def list_rules(catalogue: CurrentCatalogue, _user: CurrentUser) -> Response:
    """Every clock rule of this server: the shipped catalogue with the team's own."""
    return json_response(RuleList(items=list(catalogue.rules.values())))


@router.get(
    "/incidents/{incident_id}/clocks",
    response_model=ClockList,
    responses={**ERRORS, **NOT_FOUND},
)
def list_clocks(incident_id: PathId, store: CurrentStore, _user: CurrentUser) -> Response:
    """The incident's clocks, oldest first, each in its state now (missed once due unmet)."""
    with store.engine.connect() as conn:
        clock_steps.load_incident(conn, incident_id)
        items = clock_steps.read(conn, incident_id, store.clock())
    return json_response(ClockList(items=items))


@router.post(
    "/incidents/{incident_id}/clocks",
    status_code=201,
    response_model=ClockResult,
    responses=WRITE_ERRORS,
)
def start_clock(
    incident_id: PathId,
    body: ClockStart,
    keyed: Keyed,
    catalogue: CurrentCatalogue,
    if_match: IfMatch = None,
) -> Response:
    """Start a rule's clock by hand, with the trigger time (now if none; never in the future)."""
    version = expected_version(if_match)
    return keyed(
        body,
        201,
        lambda tx, actor: clock_steps.start(tx, catalogue, incident_id, body, actor, version),
    )


@router.post(
    "/incidents/{incident_id}/clocks/{clock_id}/steps",
    response_model=ClockResult,
    responses=WRITE_ERRORS,
)
def step_clock(
    incident_id: PathId,
    clock_id: ClockId,
    body: ClockStep,
    keyed: Keyed,
    if_match: IfMatch = None,
) -> Response:
    """Pause, resume, extend, mark met or cancel a clock, with a reason or evidence note."""
    version = expected_version(if_match)
    return keyed(
        body,
        200,
        lambda tx, actor: clock_steps.step(tx, incident_id, clock_id, body, actor, version),
    )
