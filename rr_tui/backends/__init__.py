"""Incident backends behind one async protocol, so the dashboard never knows which it talks to.

Layer rule: nothing here imports Textual.
"""

from rr_tui.backends.base import (
    Backend,
    BackendError,
    ChangeSet,
    Conflict,
    Intercepted,
    NotAllowed,
    NotFoundError,
    NoToken,
    Rejected,
    Unauthorized,
    Unavailable,
    Unreachable,
)

__all__ = [
    "Backend",
    "BackendError",
    "ChangeSet",
    "Conflict",
    "Intercepted",
    "NoToken",
    "NotAllowed",
    "NotFoundError",
    "Rejected",
    "Unauthorized",
    "Unavailable",
    "Unreachable",
]
