"""`/healthz` and `/me`: is the server up, and who does this token belong to."""

from __future__ import annotations

from fastapi import APIRouter

from rr_tui import __version__
from rr_tui.models import Health, Me
from rr_tui.server.routes.dependencies import CurrentStore, CurrentUser
from rr_tui.server.routes.responses import ERRORS

router = APIRouter(tags=["meta"])
"""The meta routes."""


@router.get("/healthz", response_model=Health)
async def healthz(store: CurrentStore) -> Health:
    """Liveness; needs no token."""
    return Health(status="ok", version=__version__, server_time=store.clock())


@router.get("/me", response_model=Me, responses=ERRORS)
async def me(user: CurrentUser) -> Me:
    """Who this token belongs to and their role."""
    return Me(name=user.name, role=user.role)
