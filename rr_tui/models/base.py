"""The two bases of every API body: what the API returns, and what it accepts.

Request bodies forbid unknown fields: a typo in a client must be an error, not a
silently ignored change. They also refuse a NUL character in any string, in
every field at any depth: SQLite would keep it and PostgreSQL refuse it, so the
one rule that holds on every store is to refuse it (422) before anything is
stored. Response bodies ignore unknown fields, so an older client keeps working
against a newer server, and take text as it comes (other backends may send NUL;
the dashboard strips controls when it renders). Both are immutable. The bases
are private to `rr_tui.models` (not re-exported): code outside uses the bodies.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class _Response(BaseModel):
    """Base of everything the API returns: unknown fields are ignored, values immutable."""

    model_config = ConfigDict(frozen=True, extra="ignore")


def nul_at(data: object) -> str | None:
    """Where (`tags.1`) a string holding NUL sits in `data`, or None.

    Walks with a stack, not recursion: a body nested as deep as the JSON parser
    allows must not make the check itself fail.
    """
    stack: list[tuple[str, object]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return where or "value"
        elif isinstance(value, dict):
            stack.extend((f"{where}.{key}".lstrip("."), item) for key, item in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((f"{where}.{n}".lstrip("."), item) for n, item in enumerate(value))
    return None


class _Request(BaseModel):
    """Base of every request body: unknown fields are an error, and so is NUL in any text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        where = nul_at(data)
        if where is not None:
            raise ValueError(
                f"{where[:80]} holds a NUL character (U+0000), which is not stored: remove it"
            )
        return data
