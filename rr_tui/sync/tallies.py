"""Counting a bulk batch's answers, so the user hears about the batch once, when all are in."""

from __future__ import annotations

from dataclasses import dataclass, field

from rr_tui.sync.outbox import Action
from rr_tui.sync.outcomes import BatchDone


@dataclass
class _Tally:
    label: str
    total: int
    applied: int = 0
    refused: list[str] = field(default_factory=list)
    conflicts: int = 0

    @property
    def answered(self) -> int:
        return self.applied + len(self.refused) + self.conflicts


class Tallies:
    """The batches of this session still waiting for answers (by batch id)."""

    def __init__(self) -> None:
        self._tallies: dict[str, _Tally] = {}

    def start(self, batch: str, label: str, total: int) -> None:
        """A bulk action of `total` actions was stored."""
        self._tallies[batch] = _Tally(label, total)

    def holds(self, action: Action) -> bool:
        """Whether the action is part of a batch counted here (reported in its summary)."""
        return action.batch is not None and action.batch in self._tallies

    def count(
        self,
        action: Action,
        *,
        applied: bool = False,
        refused: str | None = None,
        conflict: bool = False,
    ) -> list[BatchDone]:
        """Count a bulk action's answer; the batch's summary once every action has one."""
        if action.batch is None or action.batch not in self._tallies:
            return []
        tally = self._tallies[action.batch]
        tally.applied += applied
        tally.conflicts += conflict
        if refused is not None:
            tally.refused.append(f"{action.incident_id}: {refused}")
        if tally.answered < tally.total:
            return []
        del self._tallies[action.batch]
        done = BatchDone(
            tally.label, tally.total, tally.applied, tuple(tally.refused), tally.conflicts
        )
        return [done]
