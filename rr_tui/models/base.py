"""The two bases of every API body: what the API returns, and what it accepts.

Request bodies forbid unknown fields: a typo in a client must be an error, not a
silently ignored change. Response bodies ignore unknown fields, so an older
client keeps working against a newer server. Both are immutable. The bases are
private to `rr_tui.models` (not re-exported): code outside uses the bodies.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Response(BaseModel):
    """Base of everything the API returns: unknown fields are ignored, values immutable."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class _Request(BaseModel):
    """Base of every request body: unknown fields are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")
