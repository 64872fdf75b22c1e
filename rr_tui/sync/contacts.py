"""The stakeholder directory: kept from the backend, cached on disk, ranked per incident.

The cache is what makes lookup work when the backend is down, which is when it
is needed most: the last directory fetched is written to a JSON file and read
back at start, before the first poll.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from rr_tui.models import TEAM_LABELS, Contact, Incident

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RankedContact:
    """A contact and whether it matches the incident in hand."""

    contact: Contact
    relevant: bool


def relevance(contact: Contact, incident: Incident) -> int:
    """0 if the contact does not cover the incident; higher the more specifically it does."""
    if contact.regions and incident.region not in contact.regions:
        return 0
    if contact.categories and incident.category not in contact.categories:
        return 0
    specific = (incident.region in contact.regions) + (incident.category in contact.categories)
    return 1 + specific


class ContactDirectory:
    """The directory, its source (backend or cache) and its age."""

    def __init__(self, cache_path: Path | None = None) -> None:
        self.cache_path = cache_path
        self.contacts: list[Contact] = []
        self.fetched_at: datetime | None = None
        self.from_cache = False

    def load_cache(self) -> bool:
        """Read the cached directory, if there is a readable one."""
        if self.cache_path is None or not self.cache_path.exists():
            return False
        try:
            document = json.loads(self.cache_path.read_text(encoding="utf-8"))
            contacts = [Contact.model_validate(item) for item in document["contacts"]]
            fetched_at = datetime.fromisoformat(document["fetched_at"])
        except (OSError, ValueError, KeyError, TypeError, ValidationError) as error:
            log.warning("ignoring unreadable contact cache %s: %s", self.cache_path, error)
            return False
        self.contacts, self.fetched_at, self.from_cache = contacts, fetched_at, True
        return True

    def update(self, contacts: Sequence[Contact], now: datetime | None = None) -> None:
        """Take a fresh directory from the backend and write it to the cache."""
        self.contacts = list(contacts)
        self.fetched_at = now or datetime.now(UTC)
        self.from_cache = False
        if self.cache_path is not None:
            self._write_cache()

    def _write_cache(self) -> None:
        assert self.cache_path is not None
        assert self.fetched_at is not None
        document = {
            "fetched_at": self.fetched_at.isoformat(),
            "contacts": [contact.model_dump(mode="json") for contact in self.contacts],
        }
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a crash mid-write never leaves half a cache.
            with tempfile.NamedTemporaryFile(
                "w", dir=self.cache_path.parent, delete=False, encoding="utf-8", suffix=".tmp"
            ) as handle:
                json.dump(document, handle)
            os.replace(handle.name, self.cache_path)
        except OSError as error:
            log.warning("cannot write contact cache %s: %s", self.cache_path, error)

    def label(self, contact_id: str) -> str:
        """`Tim Wright (Trust & Safety)` for a contact id; an id not in the directory as it is."""
        for contact in self.contacts:
            if contact.id == contact_id:
                return f"{contact.name} ({TEAM_LABELS[contact.team]})"
        return contact_id

    def ranked(self, incident: Incident | None, now: datetime) -> list[RankedContact]:
        """Contacts covering the incident first (on call, working, by tier), then the rest."""

        def order(contact: Contact) -> tuple[int, bool, bool, int, str]:
            score = relevance(contact, incident) if incident else 0
            return (
                -score,
                not contact.on_call,
                not contact.is_working(now),
                contact.escalation_tier,
                contact.name,
            )

        ranked = sorted(self.contacts, key=order)
        return [
            RankedContact(contact, incident is not None and relevance(contact, incident) > 0)
            for contact in ranked
        ]
