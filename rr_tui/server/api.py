"""The rr HTTP API v1 on FastAPI: `create_app` assembles it.

`create_app` wires a `Store` and a `Users` table into a FastAPI application:
it puts both on `app.state` (where `routes.dependencies` finds them) with the
`push.ChangeWatch` that held delta requests wait on, mounts
the routers of `routes` under `/api/v1`, answers every error with the one
error body (`error_handlers`) and limits request bodies (`body_limit`).
Read endpoints that a dashboard hits every second are `async` and touch the
database only when something changed; everything else runs in the threadpool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from rr_tui import __version__, deadlines
from rr_tui.deadlines import Catalogue
from rr_tui.models import API_PREFIX
from rr_tui.server.auth import Users
from rr_tui.server.body_limit import MAX_BODY_BYTES, BodyLimit
from rr_tui.server.error_handlers import install_error_handlers
from rr_tui.server.gate import Gate
from rr_tui.server.limits import DEFAULT_LIMITS, ServerLimits
from rr_tui.server.push import ChangeWatch, watch_commits
from rr_tui.server.routes import (
    analytics,
    clocks,
    contacts,
    handovers,
    incidents,
    meta,
    protocols,
    timeline,
    users,
)
from rr_tui.server.routes.dependencies import known_query_only
from rr_tui.server.store import Store
from rr_tui.server.throttle import FailureThrottle

__all__ = ["MAX_BODY_BYTES", "create_app"]


def create_app(
    store: Store,
    users: Users,
    *,
    max_body: int = MAX_BODY_BYTES,
    background: Callable[[], AsyncIterator[None]] | None = None,
    limits: ServerLimits = DEFAULT_LIMITS,
    catalogue: Catalogue | None = None,
) -> FastAPI:
    """The rr HTTP API v1 over `store`, open to the holders of `users`' tokens.

        `background`, if given, is an async context (e.g. the traffic simulator)
        that runs for the life of the server; `limits` gives the failed-token throttle;
    `catalogue` the clock rules (default: the shipped catalogue).
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Served again after a stop (which released and closed the push watch).
        watch.reopen()
        if background is None:
            yield
            return
        async with asynccontextmanager(background)():
            yield

    app = FastAPI(
        title="rr incident API",
        version=__version__,
        summary="Incidents, timelines and stakeholders for Rapid Response dashboards.",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.users = users
    app.state.catalogue = catalogue if catalogue is not None else deadlines.load()
    watch = app.state.push = ChangeWatch(store.head)
    watch_commits(store.engine, watch)
    install_error_handlers(app)
    for resource in _RESOURCES:
        # Each straight into the app, not through one /api/v1 router: FastAPI matches
        # a nested router's routes level by level, twice a level, on every request.
        app.include_router(
            resource.router, prefix=API_PREFIX, dependencies=[Depends(known_query_only)]
        )
    app.add_middleware(BodyLimit, max_bytes=max_body)
    # Added last, so outermost: a stranger is refused before anything reads a body.
    throttle = FailureThrottle(limits.auth_failures, limits.auth_window)
    app.add_middleware(Gate, users=users, throttle=throttle)
    return app


_RESOURCES = (meta, incidents, timeline, clocks, protocols, contacts, users, handovers, analytics)
"""Every resource's routes, in the order OpenAPI lists them."""
