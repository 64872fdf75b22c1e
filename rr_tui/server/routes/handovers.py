"""`/handovers`: the shift handover notes leads write and the incoming lead acknowledges."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from rr_tui.models import ErrorBody, Handover, HandoverAck, HandoverCreate, HandoverList
from rr_tui.server import handovers
from rr_tui.server.routes.dependencies import CurrentStore, CurrentUser
from rr_tui.server.routes.keyed import Keyed
from rr_tui.server.routes.responses import ERRORS, NOT_FOUND, json_response
from rr_tui.server.routes.versions import VERSION_ERRORS, IfMatch, expected_version

router = APIRouter(tags=["handovers"])
"""The handover routes."""


HandoverId = Annotated[int, Path(ge=1, le=2**53, description="a handover id")]


@router.get("/handovers", response_model=HandoverList, responses=ERRORS)
def list_handovers(
    store: CurrentStore,
    _user: CurrentUser,
    pending: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Handovers newest first (`pending=true`: only those not yet acknowledged)."""
    with store.engine.connect() as conn, conn.begin():
        items = handovers.listed(conn, pending=pending, limit=limit)
    return json_response(HandoverList(items=items))


@router.post(
    "/handovers",
    status_code=201,
    response_model=Handover,
    responses={**ERRORS, 403: {"model": ErrorBody, "description": "only a lead writes one"}},
)
def create_handover(body: HandoverCreate, keyed: Keyed) -> Response:
    """Write the outgoing lead's handover note for the shift since `since`."""
    return keyed(body, 201, lambda tx, actor: handovers.create(tx.conn, body, actor, tx.now))


@router.post(
    "/handovers/{handover_id}/acknowledgement",
    response_model=Handover,
    responses={
        **ERRORS,
        **NOT_FOUND,
        **VERSION_ERRORS,
        403: {"model": ErrorBody, "description": "only a lead acknowledges"},
        409: {"model": ErrorBody, "description": "stale version, or already acknowledged"},
    },
)
def acknowledge_handover(
    handover_id: HandoverId,
    body: HandoverAck,
    keyed: Keyed,
    if_match: IfMatch = None,
) -> Response:
    """The incoming lead has read the handover (`If-Match`: the version they read)."""
    version = expected_version(if_match, "handover")
    return keyed(
        body,
        200,
        lambda tx, actor: handovers.acknowledge(tx.conn, handover_id, body, actor, version, tx.now),
    )
