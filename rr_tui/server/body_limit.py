"""`BodyLimit`: the ASGI middleware that refuses request bodies over a size limit.

A declared `Content-Length` over the limit is refused before the body is
read; a body without one (chunked) is counted as it arrives and refused as
soon as it passes the limit, so no client can make the server buffer more.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rr_tui.server.error_handlers import error_response

MAX_BODY_BYTES = 256 * 1024
"""Largest request body accepted: a 10,000-character note escaped as JSON fits with room."""


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
                response = error_response(413, "payload_too_large", self._message())
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
