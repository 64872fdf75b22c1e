"""Incidents held for a whole shift in less memory: one shared copy of what many hold alike.

A parsed `Incident` cost 3.4 KB, and a dashboard holding 100,000 of them 442 MB
resident (`make bench`, `idle.dashboard.100000.rss_mb`). Two thirds of each
was pydantic's own `__pydantic_fields_set__`, a 19-name set (2.2 KB) that is
the same for every incident the API sends; categories, regions, owners, tags
and the (mostly empty) lists repeat across thousands of incidents too.

`compact` swaps those for one shared copy each. The incident is equal to what
it was (same values, same fields set) and stays frozen. Sharing is safe
because nothing mutates them in place: the model is frozen, `model_copy`
copies the fields set before it adds to it, and an update replaces a list
rather than changing it.
"""

from __future__ import annotations

import sys
from typing import Any

from rr_tui.models.incidents import Incident

_REPEATED_TEXT = ("category", "region", "assignee")
"""Fields whose few distinct values repeat across the queue."""
_LISTS = ("escalated_to", "tags", "links")

_fields_sets: dict[frozenset[str], set[str]] = {}
_lists: dict[tuple[Any, ...], list[Any]] = {}
LIST_CACHE_LIMIT = 10_000
"""Distinct lists kept for sharing; past it, a new list is kept as it is (bounded memory)."""


def compact(incident: Incident) -> Incident:
    """The same incident, holding shared copies of what other incidents hold alike."""
    values = incident.__dict__
    fields = incident.__pydantic_fields_set__
    shared = _fields_sets.setdefault(frozenset(fields), fields)
    if shared is not fields:
        object.__setattr__(incident, "__pydantic_fields_set__", shared)
    for name in _REPEATED_TEXT:
        text = values.get(name)
        if isinstance(text, str):
            values[name] = sys.intern(text)
    for name in _LISTS:
        items = values.get(name)
        if isinstance(items, list):
            values[name] = _shared_list(items)
    if values.get("updated_at") == values.get("created_at"):
        values["updated_at"] = values["created_at"]
    return incident


def _shared_list(items: list[Any]) -> list[Any]:
    interned = [sys.intern(item) if isinstance(item, str) else item for item in items]
    key = tuple(interned)
    found = _lists.get(key)
    if found is not None:
        return found
    if len(_lists) < LIST_CACHE_LIMIT:
        _lists[key] = interned
    return interned
