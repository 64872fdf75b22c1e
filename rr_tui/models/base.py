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


UNKNOWN_FIELDS_REPORTED = 10
"""At most this many unknown fields of one body are reported (each is an error)."""


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

    @model_validator(mode="before")
    @classmethod
    def _few_unknown_fields(cls, data: Any) -> Any:
        # pydantic makes one error per unknown key: 20,000 keys in a 209 KB body
        # were 20,000 errors built on the server's event loop and a 1.29 MB answer.
        # The first few name the mistake as well; the rest are dropped unread.
        if not isinstance(data, dict):
            return data
        unknown = [key for key in data if key not in cls.model_fields]
        if len(unknown) <= UNKNOWN_FIELDS_REPORTED:
            return data
        dropped = set(unknown[UNKNOWN_FIELDS_REPORTED:])
        return {key: value for key, value in data.items() if key not in dropped}
