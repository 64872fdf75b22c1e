"""Incidents held for a whole shift in less memory: one shared copy of what many hold alike.

A parsed `Incident` cost 3.4 KB, and a dashboard holding 100,000 of them 442 MB
resident (`make bench`, `idle.dashboard.100000.rss_mb`). Two thirds of each
was pydantic's own `__pydantic_fields_set__`, a 19-name set (2.2 KB) that is
the same for every incident the API sends; categories, regions, owners, tags
and the (mostly empty) lists repeat across thousands of incidents too.

Titles and summaries repeat too where incidents come from templates.

`compact` swaps those for one shared copy each, and hands back an equal
incident (same values, same fields set, frozen) whose attributes sit in a
key-sharing dict (PEP 412): pydantic gives each instance a 464-byte dict of its
own, the shared layout keeps only the values (610 B an incident held against
870 B before, `tests/test_compact.py`). Sharing is safe because nothing mutates
them in place: the model is frozen, `model_copy` copies the fields set before it
adds to it, and an update replaces a list rather than changing it.
"""

from __future__ import annotations

import sys
from typing import Any

from rr_tui.models.incidents import Incident

_REPEATED_TEXT = ("category", "region", "assignee")
"""Fields whose few distinct values repeat across the queue."""
_LISTS = ("escalated_to", "tags", "links")

_SHARED_TEXT = ("title", "summary")
"""Free text that repeats where incidents come from templates (a detector's alert, a
playbook's intake): 2,030 distinct titles among the bench's 100,000 incidents."""

_fields_sets: dict[frozenset[str], set[str]] = {}
_texts: dict[str, str] = {}
TEXT_CACHE_LIMIT = 32_768
"""Distinct texts kept for sharing. Full, it starts again empty: what it keeps alive
past the incidents that hold them is bounded (its 1.3 MB table and at most that many
texts), and the texts that keep recurring are soon shared again. 4,096 shared only
half as much at 100,000 incidents (20,000 distinct summaries: it kept emptying).
Not `sys.intern`: every distinct text would keep a slot in the interpreter's table."""
_lists: dict[tuple[Any, ...], list[Any]] = {}
LIST_CACHE_LIMIT = 10_000
"""Distinct lists kept for sharing; past it, a new list is kept as it is (bounded memory)."""


_FIELDS = tuple(Incident.model_fields)
"""Every field, in one order: instances whose attributes are set in it share one key table."""


def _prime() -> Incident:
    """An empty instance whose attributes are set in `_FIELDS` order, made on import.

    The class's shared key table takes the order of the first instance set this
    way; made first (before a server in the same process, as `rr-tui demo` runs it,
    builds incidents of its own), every incident `compact` makes shares that table.
    """
    primer = Incident.__new__(Incident)
    for name in _FIELDS:
        object.__setattr__(primer, name, None)
    return primer


_PRIMER = _prime()


def compact(incident: Incident) -> Incident:
    """An equal incident, holding shared copies of what other incidents hold alike."""
    fields = incident.__pydantic_fields_set__
    key = frozenset(fields)
    shared = _fields_sets.get(key)
    if shared is fields:
        # Only a compacted incident holds the shared set (it is a copy no model was built
        # with): compacted already, by the adapter before the store. Checked before
        # reading `__dict__`, which on a compacted incident makes a dict object to stay.
        return incident
    values = incident.__dict__
    if shared is None:
        shared = _fields_sets[key] = set(fields)
    object.__setattr__(incident, "__pydantic_fields_set__", shared)
    for name in _REPEATED_TEXT:
        text = values.get(name)
        if isinstance(text, str):
            values[name] = sys.intern(text)
    for name in _SHARED_TEXT:
        text = values.get(name)
        if isinstance(text, str):
            values[name] = _shared_text(text)
    for name in _LISTS:
        items = values.get(name)
        if isinstance(items, list):
            values[name] = _shared_list(items)
    if values.get("updated_at") == values.get("created_at"):
        values["updated_at"] = values["created_at"]
    return _split(incident, values)


def _split(incident: Incident, values: dict[str, Any]) -> Incident:
    """The incident again, its attributes in a key-sharing dict (PEP 412).

    pydantic hands each instance a dict of its own: 464 bytes for 21 fields. Set one
    by one, in the same order, on a fresh instance, the interpreter keeps the names
    once for the class and only the values per instance (about 200 bytes).
    """
    if len(values) != len(_FIELDS):
        return incident  # not the shape every incident has (never, from validation)
    fresh = Incident.__new__(Incident)
    set_attribute = object.__setattr__  # the model is frozen: its own __setattr__ refuses
    for name in _FIELDS:
        set_attribute(fresh, name, values[name])
    set_attribute(fresh, "__pydantic_fields_set__", incident.__pydantic_fields_set__)
    set_attribute(fresh, "__pydantic_extra__", incident.__pydantic_extra__)
    set_attribute(fresh, "__pydantic_private__", incident.__pydantic_private__)
    return fresh


def _shared_list(items: list[Any]) -> list[Any]:
    interned = [sys.intern(item) if isinstance(item, str) else item for item in items]
    key = tuple(interned)
    found = _lists.get(key)
    if found is not None:
        return found
    if len(_lists) < LIST_CACHE_LIMIT:
        _lists[key] = interned
    return interned


def _shared_text(text: str) -> str:
    found = _texts.get(text)
    if found is not None:
        return found
    if len(_texts) >= TEXT_CACHE_LIMIT:
        _texts.clear()
    _texts[text] = text
    return text
