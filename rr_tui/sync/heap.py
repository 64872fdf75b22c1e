"""After a full sync of many incidents: the heap collected, frozen and given back.

Two costs of holding 100,000 incidents, both paid once per full sync and never
per ordinary poll (`after_apply`, called by the poller):

- **The cyclic collector's walks** (`settle`). The dashboard then holds a few
  million Python objects, and every full (generation 2) collection walks them
  all: 200-850 ms each on the bench machine, about one every few seconds while
  changes arrive, and one of them in a sample was the 563 ms that broke push's
  p99 (BENCHMARKS.md, issue 14). The incidents do not form reference cycles
  (replacing one frees the old by reference counting), so after a poll that
  applied many the heap is collected once and every object alive then is
  frozen (`gc.freeze`): later collections walk only what was made since. What
  this gives up: a reference cycle among objects alive at the freeze, dropped
  later, is not collected (none is known: the screens and widgets alive then
  live as long as the app).
- **Freed pages glibc keeps** (`give_back`). A full sync parses twenty
  5,000-incident pages; each page's transient objects (the response body,
  pydantic's per-instance field sets, the dicts `compact` replaces) are freed,
  but glibc keeps the freed pages of its heap mapped: 20-25 MB resident that
  nothing uses (measured with `tracemalloc` against `VmRSS`, `make bench`).
  `malloc_trim(0)` hands them back. It is glibc's: on another C library (or
  platform) `give_back` does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

SETTLE_AFTER = 10_000
"""Incidents applied by one poll from which the heap is settled (a full sync, or its
catch-up polls past the adapter's page bound; everyday polls cost nothing)."""

TRIM_AFTER = 2_000
"""Incidents applied in one poll from which the freed heap is worth giving back (a trim
walks the heap: a few milliseconds, once per full sync, never per ordinary poll)."""


def after_apply(applied: int) -> None:
    """After a poll applied `applied` incidents: collect and freeze, then give pages back."""
    settle(applied)
    give_back(applied)


def settle(incidents: int) -> bool:
    """Collect once and freeze the heap after a poll that applied `incidents`; True if it did."""
    if incidents < SETTLE_AFTER:
        return False
    gc.collect()
    gc.freeze()
    return True


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
