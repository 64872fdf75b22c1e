"""`Keyed`: the one path every change takes, applied once per `Idempotency-Key`.

A route that changes something asks for `Keyed` and hands it the request body
and the change. The change and the answer remembered for its key commit in
one transaction, so a retry with the same key and body gets the first answer
back (`Idempotent-Replayed: true`) and is never applied twice; the same key
with another body is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel

from rr_tui.server.auth import User
from rr_tui.server.routes.dependencies import CurrentStore, CurrentUser
from rr_tui.server.routes.responses import JSON
from rr_tui.server.store import Actor, Store, Tx, fingerprint

IdempotencyKey = Annotated[
    str | None,
    Header(
        description="a retry with the same key and body is applied once",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
    ),
]
"""The `Idempotency-Key` header of a change."""


class KeyedChange:
    """A change about to be made by one user in answer to one request."""

    def __init__(self, store: Store, user: User, request: Request, key: str | None) -> None:
        self.store = store
        self.user = user
        self.request = request
        self.key = key

    def __call__(
        self, body: BaseModel, status: int, change: Callable[[Tx, Actor], BaseModel]
    ) -> Response:
        """Run `change` in one transaction, replaying the stored answer for a known key."""
        actor = self.user.actor
        digest = fingerprint(
            self.request.method,
            self.request.url.path,
            body.model_dump(mode="json", exclude_unset=True),
        )
        with self.store.write() as tx:
            if self.key is not None and (stored := tx.replay(actor, self.key, digest)) is not None:
                stored_status, stored_body = stored
                return Response(
                    stored_body,
                    status_code=stored_status,
                    media_type=JSON,
                    headers={"Idempotent-Replayed": "true"},
                )
            text = change(tx, actor).model_dump_json()
            if self.key is not None:
                tx.remember(actor, self.key, digest, status, text)
        return Response(text, status_code=status, media_type=JSON)


async def keyed_change(
    request: Request,
    store: CurrentStore,
    user: CurrentUser,
    idempotency_key: IdempotencyKey = None,
) -> KeyedChange:
    """The authenticated user's change, keyed by the request's `Idempotency-Key`."""
    return KeyedChange(store, user, request, idempotency_key)


Keyed = Annotated[KeyedChange, Depends(keyed_change)]
"""A change by the authenticated user; declaring it also declares `Idempotency-Key`."""
