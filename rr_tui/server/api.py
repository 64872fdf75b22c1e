"""The rr HTTP API v1 on FastAPI: routes, auth, errors, body limits.

`create_app` wires a `Store` and a `Users` table into a FastAPI application.
Read endpoints that a dashboard hits every second are `async` and touch the
database only when something changed; everything else runs in the threadpool.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rr_tui import __version__
from rr_tui.models import (
    API_PREFIX,
    ConflictBody,
    ContactList,
    ErrorBody,
    EscalationCreate,
    EscalationResult,
    Health,
    Incident,
    IncidentCreate,
    IncidentId,
    IncidentPage,
    IncidentPatch,
    Me,
    NoteCreate,
    NoteResult,
    TimelinePage,
)
from rr_tui.server.auth import User, Users
from rr_tui.server.errors import ApiError, PreconditionRequired, Unauthorized
from rr_tui.server.store import IDEMPOTENCY_TTL, Cursor, Store, Tx, fingerprint

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
"""Largest request body accepted: a 10,000-character note escaped as JSON fits with room."""

JSON = "application/json"
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    428: "precondition_required",
}
_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,12})"?\s*$')


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message, **extra}}
    headers = {"WWW-Authenticate": 'Bearer realm="rr"'} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "malformed request (e.g. a body that is not JSON)"},
    401: {"model": ErrorBody, "description": "missing or unknown token"},
    413: {"model": ErrorBody, "description": "request body too large"},
    422: {"model": ErrorBody, "description": "invalid request"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}}


class BodyLimit:
    """Refuse request bodies over a limit with 413, whether or not they declare a length."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                response = _error(413, "payload_too_large", self._message())
                await response(scope, receive, send)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised while the route reads its body; FastAPI passes
                    # HTTPException through and our handler answers 413.
                    raise HTTPException(413, self._message())
            return message

        await self.app(scope, limited, send)

    def _message(self) -> str:
        return f"request body is over the {self.max_bytes // 1024} KiB limit"


_bearer = HTTPBearer(auto_error=False, description="a token from `rr-tui serve`")


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


# Module level, not in _routes: FastAPI resolves string annotations in module globals.
CurrentUser = Annotated[User, Depends(authenticated)]
PathId = Annotated[IncidentId, Path(description="an incident id, e.g. RR-2041")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        description="a retry with the same key and body is applied once",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
    ),
]
IfMatch = Annotated[str | None, Header(description="the version the change was made against")]


def create_app(
    store: Store,
    users: Users,
    *,
    max_body: int = MAX_BODY_BYTES,
    background: Callable[[], AsyncIterator[None]] | None = None,
) -> FastAPI:
    """The rr HTTP API v1 over `store`, open to the holders of `users`' tokens.

    `background`, if given, is an async context (e.g. the traffic simulator)
    that runs for the life of the server.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
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
    _install_error_handlers(app)
    app.include_router(_routes(store), prefix=API_PREFIX)
    app.add_middleware(BodyLimit, max_bytes=max_body)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        response = JSONResponse(error.body(), status_code=error.status)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="rr"'
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": [str(part) for part in item["loc"]], "msg": item["msg"]}
            for item in error.errors()
        ]
        message = "; ".join(f"{'.'.join(d['loc'])}: {d['msg']}" for d in details[:3])
        return _error(422, "invalid", message or "invalid request", details=details)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if error.status_code == 304:
            return Response(status_code=304)
        code = _HTTP_CODES.get(error.status_code, "error")
        response = _error(error.status_code, code, str(error.detail))
        response.headers.update(error.headers or {})
        if error.status_code == 405:
            # Starlette lists only the methods of the first route matching the
            # path; RFC 9110 wants every method the resource supports.
            response.headers["Allow"] = ", ".join(_allowed_methods(app, request.scope))
        return response

    @app.exception_handler(Exception)
    async def crashed(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(500, "internal", "the server failed to handle this request")


def _query_names(dependant: Any) -> set[str]:
    """Query parameter names a route declares, its dependencies' included."""
    if dependant is None:
        return set()
    names = {field.alias for field in getattr(dependant, "query_params", ())}
    for sub in getattr(dependant, "dependencies", ()):
        names |= _query_names(sub)
    return names


async def known_query_only(request: Request) -> None:
    """Unknown query parameters are refused (422), like unknown body fields: a typo is an error."""
    known = _query_names(getattr(request.scope.get("route"), "dependant", None))
    unknown = sorted(set(request.query_params) - known)
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


def _routes(store: Store) -> APIRouter:
    router = APIRouter(dependencies=[Depends(known_query_only)])

    def keyed(
        user: User,
        key: str | None,
        request: Request,
        body: BaseModel,
        status: int,
        change: Callable[[Tx], BaseModel],
    ) -> Response:
        """Run a change in one transaction, replaying the stored answer for a known key."""
        digest = fingerprint(
            request.method, request.url.path, body.model_dump(mode="json", exclude_unset=True)
        )
        with store.write() as tx:
            if key is not None and (stored := tx.replay(user.actor, key, digest)) is not None:
                stored_status, stored_body = stored
                return Response(
                    stored_body,
                    status_code=stored_status,
                    media_type=JSON,
                    headers={"Idempotent-Replayed": "true"},
                )
            text = change(tx).model_dump_json()
            if key is not None:
                tx.remember(user.actor, key, digest, status, text)
        return Response(text, status_code=status, media_type=JSON)

    @router.get("/healthz", response_model=Health, tags=["meta"])
    async def healthz() -> Health:
        """Liveness; needs no token."""
        return Health(status="ok", version=__version__, server_time=store.clock())

    @router.get("/me", response_model=Me, responses=_ERRORS, tags=["meta"])
    async def me(user: CurrentUser) -> Me:
        """Who this token belongs to and their role."""
        ttl = int(IDEMPOTENCY_TTL.total_seconds())
        return Me(name=user.name, role=user.role, instance=store.epoch, key_retention=ttl)

    @router.get(
        "/incidents",
        response_model=IncidentPage,
        responses={
            **_ERRORS,
            304: {"description": "nothing changed since the cursor named in If-None-Match"},
            400: {"model": ErrorBody, "description": "since is not a cursor of this server"},
        },
        tags=["incidents"],
    )
    async def list_incidents(
        request: Request,
        _user: CurrentUser,
        since: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 5_000,
    ) -> Response:
        """What changed since `since` (everything open without it), oldest change first.

        Poll with the returned `cursor` as `since` and its ETag in
        `If-None-Match`: when nothing changed the answer is an empty 304.
        """
        cursor = Cursor.decode(since) if since else None
        head = store.head()
        head_tag = f'"{head.encode()}"'
        client_is_current = cursor is None or cursor == head
        if client_is_current and _etag_matches(request.headers.get("if-none-match"), head_tag):
            return Response(status_code=304, headers={"ETag": head_tag})
        if cursor == head:
            page = IncidentPage(items=[], cursor=since or "", server_time=store.clock())
        else:
            page = await run_in_threadpool(store.changes, cursor, limit)
        return Response(
            page.model_dump_json(), media_type=JSON, headers={"ETag": f'"{page.cursor}"'}
        )

    @router.post(
        "/incidents",
        status_code=201,
        response_model=Incident,
        responses=_ERRORS,
        tags=["incidents"],
    )
    def create_incident(
        body: IncidentCreate,
        request: Request,
        user: CurrentUser,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        """Open an incident (intake for report tools, integrations and the simulator)."""
        return keyed(
            user, idempotency_key, request, body, 201, lambda tx: tx.create(body, user.actor)
        )

    @router.get(
        "/incidents/{incident_id}",
        response_model=Incident,
        responses={**_ERRORS, **_NOT_FOUND},
        tags=["incidents"],
    )
    def get_incident(incident_id: PathId, _user: CurrentUser) -> Response:
        """One incident; its ETag is its version, for `If-Match`."""
        incident = store.get(incident_id)
        return Response(
            incident.model_dump_json(),
            media_type=JSON,
            headers={"ETag": f'"{incident.version}"'},
        )

    @router.patch(
        "/incidents/{incident_id}",
        response_model=Incident,
        responses={
            **_ERRORS,
            **_NOT_FOUND,
            400: {"model": ErrorBody, "description": "If-Match is not a version"},
            403: {"model": ErrorBody, "description": "this user's role may not make the change"},
            409: {"model": ConflictBody, "description": "stale version: the current incident"},
            428: {"model": ErrorBody, "description": "If-Match is missing"},
        },
        tags=["incidents"],
    )
    def patch_incident(
        incident_id: PathId,
        body: IncidentPatch,
        request: Request,
        user: CurrentUser,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        """Change severity, status and/or assignee, only if `If-Match` names the current version."""
        if if_match is None:
            raise PreconditionRequired(
                "send If-Match: <version> (the incident's ETag) so nobody's change is overwritten"
            )
        match = _IF_MATCH.match(if_match)
        if match is None:
            raise ApiError(
                'If-Match must be the incident\'s version, e.g. "7"', code="bad_if_match"
            )
        version = int(match.group(1))
        return keyed(
            user,
            idempotency_key,
            request,
            body,
            200,
            lambda tx: tx.patch(incident_id, body, user.actor, version),
        )

    @router.get(
        "/incidents/{incident_id}/timeline",
        response_model=TimelinePage,
        responses={**_ERRORS, **_NOT_FOUND},
        tags=["incidents"],
    )
    def get_timeline(
        incident_id: PathId,
        _user: CurrentUser,
        after: Annotated[int, Query(ge=0, le=2**53)] = 0,
        limit: Annotated[int, Query(ge=1, le=5_000)] = 1_000,
    ) -> Response:
        """The incident's timeline after event `after`, oldest first."""
        page = TimelinePage(items=store.timeline(incident_id, after, limit))
        return Response(page.model_dump_json(), media_type=JSON)

    @router.post(
        "/incidents/{incident_id}/notes",
        status_code=201,
        response_model=NoteResult,
        responses={**_ERRORS, **_NOT_FOUND},
        tags=["incidents"],
    )
    def add_note(
        incident_id: PathId,
        body: NoteCreate,
        request: Request,
        user: CurrentUser,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        """Add a note to the incident's timeline."""
        return keyed(
            user,
            idempotency_key,
            request,
            body,
            201,
            lambda tx: tx.add_note(incident_id, body.text, user.actor),
        )

    @router.post(
        "/incidents/{incident_id}/escalations",
        status_code=201,
        response_model=EscalationResult,
        responses={**_ERRORS, **_NOT_FOUND},
        tags=["incidents"],
    )
    def escalate(
        incident_id: PathId,
        body: EscalationCreate,
        request: Request,
        user: CurrentUser,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        """Escalate to stakeholders from the directory, with a note."""
        return keyed(
            user,
            idempotency_key,
            request,
            body,
            201,
            lambda tx: tx.escalate(incident_id, body, user.actor),
        )

    @router.get(
        "/contacts",
        response_model=ContactList,
        responses={**_ERRORS, 304: {"description": "the directory has not changed"}},
        tags=["contacts"],
    )
    def list_contacts(request: Request, _user: CurrentUser) -> Response:
        """The whole stakeholder directory."""
        contacts, etag = store.contacts()
        if _etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers={"ETag": etag})
        return Response(
            ContactList(items=contacts).model_dump_json(),
            media_type=JSON,
            headers={"ETag": etag},
        )

    return router


def _allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags
