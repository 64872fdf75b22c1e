"""The people the dashboard has seen, for assignee completion: nobody types a name from memory.

Names come from timelines (who acted), the queue (who owns what) and the backend
(who we are, and the users it lets incidents be assigned to). Once the backend has
listed its users, that list decides: a name outside it is refused before sending,
so `I nobody.xyz` never assigns to somebody who does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from rr_tui.models import Me
from rr_tui.sync.store import IncidentStore


class KnownPeople:
    """Names seen so far, and those the store's incidents are assigned to."""

    def __init__(self, store: IncidentStore) -> None:
        self.store = store
        self._seen: set[str] = set()
        self.accounts: frozenset[str] | None = None
        """The users the backend lets incidents be assigned to (None: not listed yet)."""

    def remember(self, names: Iterable[str]) -> None:
        """Names seen in timelines."""
        self._seen.update(name for name in names if name)

    def names(self, me: Me | None) -> list[str]:
        """Every known name, sorted: the timelines', the queue's owners and mine."""
        if self.accounts is not None:
            return sorted(self.accounts)
        names = self._seen | {i.assignee for i in self.store.all() if i.assignee}
        if me is not None:
            names.add(me.name)
        return sorted(name for name in names if name)
