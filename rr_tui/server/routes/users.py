"""`/users`: everyone an incident can be assigned to, so a client can check a name first."""

from __future__ import annotations

from fastapi import APIRouter, Request

from rr_tui.models import UserEntry, UserList
from rr_tui.server.auth import Users
from rr_tui.server.errors import UnknownUser
from rr_tui.server.routes.dependencies import CurrentUser
from rr_tui.server.routes.responses import ERRORS

router = APIRouter(tags=["users"])
"""The users route."""


@router.get("/users", response_model=UserList, responses=ERRORS)
async def list_users(request: Request, _user: CurrentUser) -> UserList:
    """Every assignable person: the server's users with their role (never a token or its
    digest), and the roster of people who own incidents without signing in here. Any
    signed-in role may read it: an analyst hands over to a name too."""
    users: Users = request.app.state.users
    return UserList(items=[UserEntry(name=name, role=role) for name, role in users.people()])


def check_assignee(request: Request, assignee: str | None) -> None:
    """Refuse (422 `unknown_user`) an assignee the server does not know; None unassigns."""
    users: Users = request.app.state.users
    if assignee is not None and not users.assignable(assignee):
        raise UnknownUser(
            f"{assignee} is not a user of this server: GET /api/v1/users lists who is"
        )
