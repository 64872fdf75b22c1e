"""How routes answer: JSON bodies, the documented error responses, ETags and retries.

The error responses are declared once here so every route's OpenAPI entry
names the same bodies. `keyed` is the one path every change takes: the change
and the answer remembered for its `Idempotency-Key` commit in one transaction,
so a retry gets the first answer back and is never applied twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel

from rr_tui.models import ErrorBody
from rr_tui.server.auth import User
from rr_tui.server.store import Store, Tx, fingerprint

JSON = "application/json"
"""The media type of every body the API sends."""

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "malformed request (e.g. a body that is not JSON)"},
    401: {"model": ErrorBody, "description": "missing or unknown token"},
    413: {"model": ErrorBody, "description": "request body too large"},
    422: {"model": ErrorBody, "description": "invalid request"},
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


def keyed(
    store: Store,
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
