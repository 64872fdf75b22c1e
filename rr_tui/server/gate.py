"""`Gate`: the ASGI middleware that judges a request from its head, before any body is read.

In order, outermost in the app:

1. A request with both `Content-Length` and `Transfer-Encoding` is refused with
   400 and the connection closed (RFC 9112 §6.1): the two framings disagree on
   where the body ends, and whatever follows could be read as a second request.
2. Under the API prefix (all but `/healthz`), an address that failed to
   authenticate too often is answered 429 with `Retry-After` (`throttle`).
3. There, a missing or unknown bearer token is answered 401 from the headers
   alone: FastAPI reads a body before it runs the route's dependencies, so
   without this a stranger could make the server buffer a body per connection.

Routes still resolve the user themselves (`routes.dependencies.CurrentUser`);
the gate only keeps strangers from costing anything.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from rr_tui.models import API_PREFIX
from rr_tui.server.auth import Users
from rr_tui.server.error_handlers import error_response
from rr_tui.server.throttle import FailureThrottle

OPEN_PATHS = frozenset({f"{API_PREFIX}/healthz"})
"""API paths answered without a token: the health probe."""


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


class Gate:
    """Refuse ambiguous framing, throttled addresses and strangers before reading a body."""

    def __init__(self, app: ASGIApp, users: Users, throttle: FailureThrottle) -> None:
        self.app = app
        self.users = users
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        names = {name for name, _ in headers}
        if b"content-length" in names and b"transfer-encoding" in names:
            response = error_response(
                400, "bad_request", "send Content-Length or Transfer-Encoding, not both"
            )
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        path: str = scope["path"]
        guarded = (path == API_PREFIX or path.startswith(API_PREFIX + "/")) and (
            path not in OPEN_PATHS
        )
        if not guarded:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = self.throttle.retry_after(address)
        if wait is not None:
            response = error_response(
                429, "rate_limited", f"too many failed authentications; retry in {wait} s"
            )
            response.headers["Retry-After"] = str(wait)
            await response(scope, receive, send)
            return
        token = _bearer(headers)
        if token is None or self.users.authenticate(token) is None:
            self.throttle.failed(address)
            message = "send Authorization: Bearer <token>" if token is None else None
            response = error_response(
                401, "unauthorized", message or "that token is not valid here"
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
