"""`/contacts`: the stakeholder directory escalations are sent to, with an ETag."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from rr_tui.models import ContactList
from rr_tui.server.routes.dependencies import CurrentStore, CurrentUser
from rr_tui.server.routes.responses import ERRORS, etag_matches, json_response

router = APIRouter(tags=["contacts"])
"""The directory routes."""


@router.get(
    "/contacts",
    response_model=ContactList,
    responses={**ERRORS, 304: {"description": "the directory has not changed"}},
)
def list_contacts(request: Request, store: CurrentStore, _user: CurrentUser) -> Response:
    """The whole stakeholder directory."""
    contacts, etag = store.contacts()
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    return json_response(ContactList(items=contacts), etag=etag)
