"""`/healthz` and `/me`: is the server up, and who does this token belong to."""

from __future__ import annotations

from fastapi import APIRouter

from rr_tui import __version__
from rr_tui.models import Health, Me
from rr_tui.server.routes.dependencies import CurrentStore, CurrentUser
from rr_tui.server.routes.responses import ERRORS
from rr_tui.server.store import IDEMPOTENCY_TTL

router = APIRouter(tags=["meta"])
"""The meta routes."""


@router.get("/healthz", response_model=Health)
async def healthz(store: CurrentStore) -> Health:
    """Liveness; needs no token."""
    return Health(status="ok", version=__version__, server_time=store.clock())


@router.get("/me", response_model=Me, responses=ERRORS)
async def me(user: CurrentUser, store: CurrentStore) -> Me:
    """Who this token belongs to and their role; which server this is and how long it
    remembers an idempotency key (so a client never sends an action to another server
    behind the same address, nor one older than its key)."""
    ttl = int(IDEMPOTENCY_TTL.total_seconds())
    return Me(name=user.name, role=user.role, instance=store.epoch, key_retention=ttl)
