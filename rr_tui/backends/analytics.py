"""Trends computed by the backend: a capability of the rr server's analytics endpoint.

Not part of `Backend`: other backends have no such endpoint, and their callers
compute the same figures client-side (`models.trends_from`) from what they can read.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from rr_tui.models import Bucket, Grouping, Trends


@runtime_checkable
class TrendsBackend(Protocol):
    """A backend that computes trends itself."""

    async def trends(self, hours: int, bucket: Bucket, group: Grouping) -> Trends:
        """The figures of the last `hours`."""
        ...


def trends_of(backend: object) -> TrendsBackend | None:
    """The backend as a trends source, or None if it has no analytics endpoint."""
    return backend if isinstance(backend, TrendsBackend) else None
