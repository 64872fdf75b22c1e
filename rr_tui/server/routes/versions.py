"""`If-Match`: the version a write was made against, read the same way by every route.

Incidents, their clocks and handover notes are all versioned; a write names the
version it was made against so nobody's change is silently overwritten.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Header

from rr_tui.models import ErrorBody
from rr_tui.server.errors import ApiError, PreconditionRequired

IfMatch = Annotated[str | None, Header(description="the version the change was made against")]
"""The `If-Match` header of a versioned write."""

VERSION_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "If-Match is not a version"},
    428: {"model": ErrorBody, "description": "If-Match is missing"},
}
"""What `expected_version` answers, for the OpenAPI entry of every versioned write."""

_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,12})"?\s*$')
"""A version as an ETag (`"7"`, `W/"7"`) or bare (`7`)."""


def expected_version(if_match: str | None, what: str = "incident") -> int:
    """The version an `If-Match` header names; 428 without one, 400 for another shape."""
    if if_match is None:
        raise PreconditionRequired(
            f"send If-Match: <version> (the {what}'s ETag) so nobody's change is overwritten"
        )
    match = _IF_MATCH.match(if_match)
    if match is None:
        raise ApiError(f'If-Match must be the {what}\'s version, e.g. "7"', code="bad_if_match")
    return int(match.group(1))
