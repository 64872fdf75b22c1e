"""Finding an incident by what someone remembers of it: its id, words of its title, its owner.

The search box that finds stakeholders finds incidents too, so nobody has to
remember which key searches what. Incidents match on whole query words, not
fuzzily: a fuzzy match over hundreds of titles matches almost every one, and a
list of everything helps nobody. Every word must appear in the id, the title
or the assignee; an id typed whole ranks first.

A sensitive incident matches on its id and owner only while its text is
masked: searching must not reveal, by what matches, what the mask hides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from rr_tui.models import Incident
from rr_tui.sync.store import IncidentStore, sort_key

INCIDENT_HITS = 5
"""At most this many incidents above the contacts: the directory must stay in sight."""


def find_incidents(
    query: str,
    incidents: Iterable[Incident],
    *,
    shows_text: Callable[[Incident], bool] = lambda incident: True,
    limit: int = INCIDENT_HITS,
) -> list[Incident]:
    """The incidents every word of `query` appears in (id, title, assignee), best first.

    An exact id first, then ids that start with the query, then the rest; within each,
    queue order. `shows_text` says whether an incident's title may be searched (False:
    masked sensitive text).
    """
    words = query.casefold().split()
    if not words:
        return []
    whole = query.strip().casefold()

    def rank(incident: Incident) -> int:
        ident = incident.id.casefold()
        return 0 if ident == whole else 1 if ident.startswith(whole) else 2

    hits = []
    for incident in incidents:
        title = incident.title if shows_text(incident) else ""
        haystack = f"{incident.id} {title} {incident.assignee or ''}".casefold()
        if all(word in haystack for word in words):
            hits.append(incident)
    hits.sort(key=lambda incident: (rank(incident), sort_key(incident)))
    return hits[:limit]


class IncidentFinder:
    """Searches every incident the store holds (whatever the view shows), masks respected."""

    def __init__(self, store: IncidentStore, shows_text: Callable[[Incident], bool]) -> None:
        self.store = store
        self.shows_text = shows_text
        """Whether an incident's title may be searched and shown (False: masked)."""

    def find(self, query: str) -> list[tuple[Incident, bool]]:
        """The best incidents for `query`, each with whether its title may be shown."""
        hits = find_incidents(query, self.store.all(), shows_text=self.shows_text)
        return [(incident, self.shows_text(incident)) for incident in hits]


ON_CALL_WORDS = frozenset({"oncall", "on-call", "on_call"})
"""A search word that keeps only contacts on call now (`oncall legal id`)."""


def on_call_filter(query: str) -> tuple[str, bool]:
    """`query` without its on-call words, and whether there was one."""
    words = re.sub(r"\bon call\b", "oncall", query, flags=re.IGNORECASE).split()
    kept = [word for word in words if word.casefold() not in ON_CALL_WORDS]
    return " ".join(kept), len(kept) != len(words)
