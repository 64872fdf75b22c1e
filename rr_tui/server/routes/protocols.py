"""`/protocols` and `/incidents/{incident_id}/protocols`: protocols (playbooks) on incidents.

Every write names the incident's version (`If-Match`) and may carry an
`Idempotency-Key`, like every other change: activating a protocol or ticking a
step bumps the incident's version and writes its progress (`protocol`), so a
dashboard that missed it sees it in its next delta.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from rr_tui.deadlines.protocol_wire import (
    ProtocolActivate,
    ProtocolResult,
    ProtocolRuleList,
    ProtocolRunList,
    ProtocolTick,
)
from rr_tui.server import clock_steps, protocol_steps
from rr_tui.server.routes.clocks import WRITE_ERRORS
from rr_tui.server.routes.dependencies import CurrentCatalogue, CurrentStore, CurrentUser, PathId
from rr_tui.server.routes.keyed import Keyed
from rr_tui.server.routes.responses import ERRORS, NOT_FOUND, json_response
from rr_tui.server.routes.versions import IfMatch, expected_version

router = APIRouter(tags=["protocols"])
"""The protocol routes."""

RunId = Annotated[int, Path(ge=1, le=2**53, description="a protocol run's number on its incident")]


@router.get("/protocols", response_model=ProtocolRuleList, responses=ERRORS)
def list_protocols(catalogue: CurrentCatalogue, _user: CurrentUser) -> Response:
    """Every protocol of this server: the shipped examples with the team's own."""
    return json_response(ProtocolRuleList(items=list(catalogue.protocols.values())))


@router.get(
    "/incidents/{incident_id}/protocols",
    response_model=ProtocolRunList,
    responses={**ERRORS, **NOT_FOUND},
)
def list_runs(incident_id: PathId, store: CurrentStore, _user: CurrentUser) -> Response:
    """The protocols activated on the incident, oldest first, with the steps ticked."""
    with store.engine.connect() as conn:
        clock_steps.load_incident(conn, incident_id)
        items = protocol_steps.stored(conn, incident_id)
    return json_response(ProtocolRunList(items=items))


@router.post(
    "/incidents/{incident_id}/protocols",
    status_code=201,
    response_model=ProtocolResult,
    responses=WRITE_ERRORS,
)
def activate(
    incident_id: PathId,
    body: ProtocolActivate,
    keyed: Keyed,
    catalogue: CurrentCatalogue,
    if_match: IfMatch = None,
) -> Response:
    """Activate a protocol that applies to the incident's market and category."""
    version = expected_version(if_match)
    return keyed(
        body,
        201,
        lambda tx, actor: protocol_steps.activate(tx, catalogue, incident_id, body, actor, version),
    )


@router.post(
    "/incidents/{incident_id}/protocols/{run_id}/ticks",
    response_model=ProtocolResult,
    responses=WRITE_ERRORS,
)
def tick(
    incident_id: PathId,
    run_id: RunId,
    body: ProtocolTick,
    keyed: Keyed,
    catalogue: CurrentCatalogue,
    if_match: IfMatch = None,
) -> Response:
    """Tick a step (`done: false` unticks it), with a note; a step may start a clock."""
    version = expected_version(if_match)
    return keyed(
        body,
        200,
        lambda tx, actor: protocol_steps.tick(
            tx, catalogue, incident_id, run_id, body, actor, version
        ),
    )
