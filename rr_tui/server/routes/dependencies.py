"""What routes are given: the store, the authenticated user and shared parameters.

One injection style for the whole API: `create_app` puts the `Store` and the
`Users` table on `app.state`, and routes ask for them as `CurrentStore` and
`CurrentUser`. The dependencies are `async`, so the read routes a dashboard
polls every second stay on the event loop instead of a threadpool hop. The
one exception is the delta list a dashboard polls every second: it reads the
store and the push `ChangeWatch` from `app.state` itself, as each dependency
FastAPI resolves costs that poll more than its answer (pollcost, BENCHMARKS.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rr_tui.deadlines import Catalogue
from rr_tui.models import IncidentId
from rr_tui.server.auth import User, Users
from rr_tui.server.errors import Unauthorized
from rr_tui.server.store import Store

_bearer = HTTPBearer(auto_error=False, description="a token from `rr-tui serve`")


async def current_store(request: Request) -> Store:
    """The store this application serves."""
    store: Store = request.app.state.store
    return store


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user whose bearer token came with the request, or 401."""
    if credentials is None:
        raise Unauthorized("send Authorization: Bearer <token>")
    users: Users = request.app.state.users
    user = users.authenticate(credentials.credentials)
    if user is None:
        raise Unauthorized("that token is not valid here")
    return user


def _query_names(dependant: Any) -> set[str]:
    """Query parameter names a route declares, its dependencies' included."""
    if dependant is None:
        return set()
    names = {field.alias for field in getattr(dependant, "query_params", ())}
    for sub in getattr(dependant, "dependencies", ()):
        names |= _query_names(sub)
    return names


_KNOWN = "_rr_known_query"
"""The route attribute its query names are kept in (an APIRoute is unhashable: no dict key)."""


def _known(route: Any) -> frozenset[str]:
    # Walked once per route: every poll asks, and the walk cost more than the poll's answer.
    if route is None:
        return frozenset()
    known: frozenset[str] | None = getattr(route, _KNOWN, None)
    if known is None:
        known = frozenset(_query_names(getattr(route, "dependant", None)))
        setattr(route, _KNOWN, known)
    return known


async def known_query_only(request: Request) -> None:
    """Unknown query parameters are refused (422), like unknown body fields: a typo is an error."""
    query = request.query_params
    known = _known(request.scope.get("route"))
    if all(name in known for name in query):
        return
    unknown = sorted(set(query) - known)
    if unknown:
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", unknown[0][:60]),
                    "msg": "unknown query parameter",
                    "input": None,
                }
            ]
        )


# Module level: FastAPI resolves the routes' string annotations in their module's globals.
CurrentStore = Annotated[Store, Depends(current_store)]
"""The `Store` behind the API."""


async def current_catalogue(request: Request) -> Catalogue:
    """The clock rules this server works to (shipped, with the team's file)."""
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


CurrentCatalogue = Annotated[Catalogue, Depends(current_catalogue)]
"""The server's clock rules catalogue."""


CurrentUser = Annotated[User, Depends(authenticated)]
"""The authenticated user; a route that declares it answers 401 without a valid token."""

PathId = Annotated[IncidentId, Path(description="an incident id, e.g. RR-2041")]
"""The `{incident_id}` path parameter."""
