"""How routes answer: JSON bodies, the documented error responses and ETags.

The error responses are declared once here so every route's OpenAPI entry
names the same bodies. Bodies are serialised once, by pydantic-core
(`model_dump_json`), and sent as they are.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel

from rr_tui.models import ErrorBody

JSON = "application/json"
"""The media type of every body the API sends."""

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "malformed request (e.g. a body that is not JSON)"},
    401: {"model": ErrorBody, "description": "missing or unknown token"},
    413: {"model": ErrorBody, "description": "request body too large"},
    422: {"model": ErrorBody, "description": "invalid request"},
    429: {
        "model": ErrorBody,
        "description": "too many failed authentications from this address; see Retry-After",
    },
}
"""Errors any route may answer with, for its OpenAPI `responses`."""

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}}
"""The 404 of a route under `/incidents/{incident_id}`."""


def json_response(body: BaseModel, status: int = 200, etag: str | None = None) -> Response:
    """`body` serialised once by pydantic-core, with its ETag if it has one."""
    headers = {"ETag": etag} if etag is not None else None
    return Response(body.model_dump_json(), status_code=status, media_type=JSON, headers=headers)


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header names `etag` (or `*`)."""
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags
