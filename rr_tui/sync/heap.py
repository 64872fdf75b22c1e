"""After a full sync of many incidents, take them out of the cyclic collector's sight.

A dashboard holding 100,000 incidents holds a few million Python objects, and
every full (generation 2) collection walks them all: 200-850 ms each on the
bench machine, about one every few seconds while changes arrive, and one of
them in a sample was the 563 ms that broke push's p99 (BENCHMARKS.md, issue
14). The incidents do not form reference cycles (replacing one frees the old
by reference counting), so after a poll that applied many the heap is collected once
and every object alive then is frozen (`gc.freeze`): later collections walk
only what was made since. What this gives up: a reference cycle among objects
alive at the freeze, dropped later, is not collected (none is known: the
screens and widgets alive then live as long as the app).
"""

from __future__ import annotations

import gc

SETTLE_AFTER = 10_000
"""Incidents applied by one poll from which the heap is settled (a full sync, or its
catch-up polls past the adapter's page bound; everyday polls cost nothing)."""


def settle(incidents: int) -> bool:
    """Collect once and freeze the heap after a poll that applied `incidents`; True if it did."""
    if incidents < SETTLE_AFTER:
        return False
    gc.collect()
    gc.freeze()
    return True
