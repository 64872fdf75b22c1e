"""How every failure becomes the API's one error body, `{"error": {"code", "message"}}`.

Store refusals (`errors.ApiError`), FastAPI's validation errors, Starlette's
HTTP errors (404 for an unknown path, 405, the body limit's 413) and crashes
all answer with the same shape and a stable `code`, so a client handles one
format. A 401 always says how to authenticate (`WWW-Authenticate`). A 422's
details are bounded in number and in size, whatever the request held, so a
hostile body cannot make the answer (and the work on the event loop) large.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match, compile_path
from starlette.types import Scope

from rr_tui.server.errors import ApiError

log = logging.getLogger(__name__)

MAX_DETAILS = 20
"""Most validation errors listed in one 422's `details`."""
_PART_MAX = 60
"""Longest part of a detail's `loc` (an unknown key may be 50,000 characters)."""
_MSG_MAX = 300
"""Longest `msg` of a detail."""

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


def _json_error(body: dict[str, Any], status: int) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="rr"'} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    """The error body for `status` with a stable `code` and a message for a person."""
    return _json_error({"error": {"code": code, "message": message, **extra}}, status)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error `app` raises with the API's error body."""

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return _json_error(error.body(), error.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = error.errors()
        details = [
            {
                "loc": [_clip(str(part), _PART_MAX) for part in item["loc"]][:8],
                "msg": _clip(str(item["msg"]), _MSG_MAX),
            }
            for item in errors[:MAX_DETAILS]
        ]
        message = "; ".join(f"{'.'.join(d['loc'])}: {d['msg']}" for d in details[:3])
        if len(errors) > 3:
            message += f" (and {len(errors) - 3} more)"
        return error_response(422, "invalid", message or "invalid request", details=details)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if error.status_code == 304:
            return Response(status_code=304)
        code = _HTTP_CODES.get(error.status_code, "error")
        response = error_response(error.status_code, code, str(error.detail))
        response.headers.update(error.headers or {})
        if error.status_code == 405:
            # Starlette lists only the methods of the first route matching the
            # path; RFC 9110 wants every method the resource supports.
            response.headers["Allow"] = ", ".join(_allowed_methods(app, request.scope))
        return response

    @app.exception_handler(Exception)
    async def crashed(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal", "the server failed to handle this request")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})


def _allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method a route serves at the request's path.

    Routes FastAPI includes from a router are not plain Starlette routes on
    `app.router.routes` (in recent FastAPI they sit inside an included-router
    object without `methods`), so the API's own routes are read from its
    OpenAPI paths, which name every method each path serves.
    """
    methods: set[str] = set()
    for route in app.router.routes:
        if getattr(route, "methods", None) and route.matches(scope)[0] is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    for template, operations in app.openapi().get("paths", {}).items():
        if compile_path(template)[0].match(scope["path"]):
            methods.update(name.upper() for name in operations if name.upper() in _METHODS)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)
