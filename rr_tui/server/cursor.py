"""`Cursor`: a position in one database's change stream, as clients see it.

A client polls with the cursor of its last page and gets what changed after
it. The cursor is opaque to the client; inside it names the database (its
epoch) and a change number, so a cursor from another database (a restored
backup, a fresh demo) is told apart and answered with a full reset.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from rr_tui.server.errors import ApiError


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in the change stream of one database.

    Serialised opaquely; the epoch tells a cursor from another database (a
    restored backup, a fresh demo) apart, and such a cursor gets a full reset.
    """

    epoch: str
    seq: int

    def encode(self) -> str:
        """The opaque string a client passes back as `since`."""
        raw = f"{self.epoch}:{self.seq}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Parse a cursor from `encode`, or raise a 400 that says what is wrong."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            epoch, _, seq = raw.partition(":")
            cursor = cls(epoch, int(seq))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ApiError(
                "since is not a cursor this server issued", code="invalid_cursor"
            ) from None
        if not epoch or cursor.seq < 0:
            raise ApiError("since is not a cursor this server issued", code="invalid_cursor")
        return cursor
