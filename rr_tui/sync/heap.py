"""Give the C heap's free pages back to the system after a large apply (a full sync).

A full sync of 100,000 incidents parses twenty 5,000-incident pages; each page's
transient objects (the response body, pydantic's per-instance field sets, the
dicts `compact` replaces) are freed, but glibc keeps the freed pages of its heap
mapped: 20-25 MB resident that nothing uses (measured with `tracemalloc` against
`VmRSS`, `make bench`). `malloc_trim(0)` hands them back. It is glibc's: on
another C library (or platform) `give_back` does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

TRIM_AFTER = 2_000
"""Incidents applied in one poll from which the freed heap is worth giving back (a trim
walks the heap: a few milliseconds, once per full sync, never per ordinary poll)."""


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_TRIM = _malloc_trim()


def give_back(applied: int) -> bool:
    """After applying `applied` incidents: return the heap's free pages if worth it.

    True if a trim ran.
    """
    if _TRIM is None or applied < TRIM_AFTER:
        return False
    try:
        _TRIM(0)
    except OSError:  # pragma: no cover - a C library whose trim misbehaves
        log.debug("malloc_trim failed", exc_info=True)
        return False
    return True
