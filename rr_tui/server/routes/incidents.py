"""`/incidents` and `/incidents/{incident_id}`: the delta list pollers follow, and changes.

The list is the hot path: a dashboard polls it every second or so with the
cursor of its last page. It is `async` and answers an unchanged stream with
an empty 304 from one indexed read of the head, made in the threadpool (as a
page with changes is) so a slow database never stalls the event loop. A poller
that is current may ask the server to hold its request until something changes
(`wait`, see `server.push`). A patch must name the version it was made against
(`If-Match`), so nobody's change is silently overwritten.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from rr_tui.models import (
    ConflictBody,
    ErrorBody,
    Incident,
    IncidentCreate,
    IncidentPage,
    IncidentPatch,
)
from rr_tui.server import clock_steps
from rr_tui.server.push import MAX_HOLD, PUSH_HEADER, ChangeWatch
from rr_tui.server.routes.dependencies import (
    CurrentCatalogue,
    CurrentStore,
    CurrentUser,
    PathId,
)
from rr_tui.server.routes.keyed import Keyed
from rr_tui.server.routes.responses import ERRORS, NOT_FOUND, etag_matches, json_response
from rr_tui.server.routes.users import check_assignee
from rr_tui.server.routes.versions import VERSION_ERRORS, IfMatch, expected_version
from rr_tui.server.store import Cursor, Store

router = APIRouter(tags=["incidents"])
"""The incident routes."""


@router.get(
    "/incidents",
    response_model=IncidentPage,
    responses={
        **ERRORS,
        304: {"description": "nothing changed since the cursor named in If-None-Match"},
        400: {"model": ErrorBody, "description": "since is not a cursor of this server"},
    },
)
async def list_incidents(
    request: Request,
    _user: CurrentUser,
    since: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 5_000,
    wait: Annotated[
        float,
        Query(ge=0, le=60, description=f"hold up to this many seconds (at most {MAX_HOLD:g})"),
    ] = 0,
) -> Response:
    """What changed since `since` (everything open without it), oldest change first.

    Poll with the returned `cursor` as `since` and its ETag in
    `If-None-Match`: when nothing changed the answer is an empty 304. With
    `wait` (to a server whose answers carry `RR-Push-Hold`), a request whose
    cursor is current is held until a change commits or the wait ends, and
    then answered the same way.
    """
    # The store and the push watch straight from app.state, not as CurrentStore and
    # CurrentWatch: each dependency FastAPI resolves costs the poll more than its answer.
    store: Store = request.app.state.store
    watch: ChangeWatch = request.app.state.push
    cursor = Cursor.decode(since) if since else None
    # On PostgreSQL in the threadpool: the read is a network round trip, and on the event
    # loop it held every other request up for it. SQLite's is a local read of microseconds,
    # for which the hop to a thread (and back, through the GIL) cost 2.8x the throughput.
    # On PostgreSQL a head read moments ago answers without a round trip: it may say
    # "nothing yet" for a moment about another process's commit, never lose or repeat one
    # (`HeadReader.recent`); a page of changes is always read afresh. When that read is
    # too old, the polls in flight share one new read rather than each making its own.
    head = store.head() if store.head_is_local else store.recent_head()
    if head is None:
        head = await store.shared_head()
    held = wait > 0 and cursor == head
    if held:
        head = await watch.wait(head, min(wait, MAX_HOLD))
    push = {PUSH_HEADER: f"{MAX_HOLD:g}"}
    head_tag = f'"{head.encode()}"'
    client_is_current = cursor is None or cursor == head
    if client_is_current and etag_matches(request.headers.get("if-none-match"), head_tag):
        return Response(status_code=304, headers={"ETag": head_tag, **push})
    if cursor == head:
        page = IncidentPage(items=[], cursor=since or "", server_time=store.clock())
    elif held:
        # Woken with every other waiter on this cursor: one read answers them all.
        page = await watch.shared((cursor, limit), lambda: read_changes(store, cursor, limit))
    else:
        page = await read_changes(store, cursor, limit)
    response = json_response(page, etag=f'"{page.cursor}"')
    response.headers.update(push)
    return response


async def read_changes(store: Store, cursor: Cursor | None, limit: int) -> IncidentPage:
    """A delta page, read in the threadpool."""
    return await run_in_threadpool(store.changes, cursor, limit)


@router.post("/incidents", status_code=201, response_model=Incident, responses=ERRORS)
def create_incident(
    request: Request, body: IncidentCreate, keyed: Keyed, catalogue: CurrentCatalogue
) -> Response:
    """Open an incident (intake for report tools, integrations and the simulator).

    Every clock rule whose intake trigger matches starts in the same transaction.
    """
    check_assignee(request, body.assignee)
    return keyed(
        body,
        201,
        lambda tx, actor: clock_steps.at_intake(tx, catalogue, tx.create(body, actor), actor),
    )


@router.get(
    "/incidents/{incident_id}",
    response_model=Incident,
    responses={**ERRORS, **NOT_FOUND},
)
def get_incident(incident_id: PathId, store: CurrentStore, _user: CurrentUser) -> Response:
    """One incident; its ETag is its version, for `If-Match`."""
    incident = store.get(incident_id)
    return json_response(incident, etag=f'"{incident.version}"')


@router.patch(
    "/incidents/{incident_id}",
    response_model=Incident,
    responses={
        **ERRORS,
        **NOT_FOUND,
        **VERSION_ERRORS,
        403: {"model": ErrorBody, "description": "this user's role may not make the change"},
        409: {"model": ConflictBody, "description": "stale version: the current incident"},
    },
)
def patch_incident(
    request: Request,
    incident_id: PathId,
    body: IncidentPatch,
    keyed: Keyed,
    if_match: IfMatch = None,
) -> Response:
    """Change severity, status and/or assignee, only if `If-Match` names the current version."""
    version = expected_version(if_match)
    if body.sets_assignee:
        check_assignee(request, body.assignee)
    return keyed(body, 200, lambda tx, actor: tx.patch(incident_id, body, actor, version))
