"""Errors the reference server's store raises; the API turns each into `{"error": {...}}`."""

from __future__ import annotations

from typing import Any

from rr_tui.models import Incident


class ApiError(Exception):
    """A refusal with an HTTP status, a stable code and a message for a person."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def body(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        return {"error": {"code": self.code, "message": self.message}}


class Unauthorized(ApiError):
    """No token, or a token the server does not know."""

    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    """The user's role may not do this."""

    status = 403
    code = "forbidden"


class NotFound(ApiError):
    """No such incident."""

    status = 404
    code = "not_found"


class VersionConflict(ApiError):
    """`If-Match` named a version that is no longer current."""

    status = 409
    code = "version_conflict"

    def __init__(self, current: Incident, expected: int) -> None:
        super().__init__(
            f"{current.id} is at version {current.version}, not {expected}: "
            "someone else changed it; look at the current state and apply your change again"
        )
        self.current = current

    def body(self) -> dict[str, Any]:
        """The error plus the incident as it is now, so the client can show the difference."""
        return {**super().body(), "current": self.current.model_dump(mode="json")}


class PayloadTooLarge(ApiError):
    """The request body is over the server's limit."""

    status = 413
    code = "payload_too_large"


class Unprocessable(ApiError):
    """The request is well-formed but cannot be applied (unknown contact, reused key, ...)."""

    status = 422
    code = "invalid"


class UnknownUser(Unprocessable):
    """An assignee the server does not know: never assign to somebody who does not exist."""

    code = "unknown_user"


class PreconditionRequired(ApiError):
    """A change was sent without `If-Match`."""

    status = 428
    code = "precondition_required"
