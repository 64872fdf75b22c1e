"""Checking what a service sent, record by record: one bad record costs that record only.

Shared by the HTTP adapters, so a record that breaks the schema is left out
and described the same way, whichever service sent it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def describe(raw: Any, error: ValidationError) -> str:
    """A record that broke the schema, in a line: `<id>: <field>: <what>`."""
    ident = raw.get("id") if isinstance(raw, dict) else None
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "record"
    return f"{str(ident)[:40] if ident else '?'}: {where}: {first['msg']}"


def valid(model: type[Model], raws: Iterable[Any], skipped: list[str] | None) -> list[Model]:
    """The records that fit `model`; the others are described in `skipped` (if given)."""
    kept = []
    for raw in raws:
        try:
            kept.append(model.model_validate(raw))
        except ValidationError as error:
            if skipped is not None:
                skipped.append(describe(raw, error))
    return kept
