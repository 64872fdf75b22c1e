"""The triage service on its own: no Textual, no server, the backend's answers given as values."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from rr_tui.models import Incident, IncidentPatch, Me, Role, Severity, Source, Status
from rr_tui.sync.outbox import Action, ActionKind, ActionState, Outbox
from rr_tui.sync.outcomes import (
    Applied,
    BatchDone,
    Confirmed,
    ConflictFound,
    Reapplied,
    Refused,
    RolledBack,
    Stale,
)
from rr_tui.sync.store import IncidentStore
from rr_tui.sync.triage import REBASE_LIMIT, TriageService, patch_action

NOW = datetime(2026, 11, 24, 6, 32, tzinfo=UTC)


def incident(number: int = 1, **fields: object) -> Incident:
    data: dict[str, object] = {
        "id": f"RR-{number}",
        "title": "Livestream re-uploads",
        "severity": Severity.SEV2,
        "status": Status.NEW,
        "category": "violent_extremism",
        "region": "TH",
        "source": Source.TRUSTED_FLAGGER,
        "created_at": NOW,
        "updated_at": NOW,
        "due_at": NOW + timedelta(hours=1),
        "version": 1,
    }
    data.update(fields)
    return Incident.model_validate(data)


@pytest.fixture
def service() -> TriageService:
    store = IncidentStore()
    store.apply([incident(n) for n in range(1, 4)], reset=True)
    triage = TriageService(store, Outbox(None))
    triage.me = Me(name="lee.lead", role=Role.LEAD)
    return triage


def raise_to_sev1(service: TriageService, number: int = 1) -> Action:
    held = service.store.get(f"RR-{number}")
    assert held is not None
    patch = IncidentPatch(severity=Severity.SEV1, reason="spreading")
    return patch_action(held, patch, "SEV2→SEV1")


def test_submit_shows_at_once_and_counts_pending(service: TriageService) -> None:
    woken: list[bool] = []
    service.wake = lambda: woken.append(True)
    result = service.submit([raise_to_sev1(service)])
    assert result.sent == 1
    assert result.change.updated == {"RR-1"}
    assert service.store.get("RR-1").severity is Severity.SEV1  # type: ignore[union-attr]
    assert dict(service.pending) == {"RR-1": 1}
    assert woken == [True]


def test_confirmed_clears_the_mark(service: TriageService) -> None:
    service.submit([raise_to_sev1(service)])
    action = service.next_waiting()
    assert action is not None
    after = incident(1, severity=Severity.SEV1, version=2)
    (event,) = service.settle(action, Applied(after))
    assert isinstance(event, Confirmed)
    assert not service.pending
    assert service.store.get("RR-1") == after


def test_refused_rolls_back(service: TriageService) -> None:
    service.submit([raise_to_sev1(service)])
    action = service.next_waiting()
    assert action is not None
    (event,) = service.settle(action, Refused("not permitted: no"))
    assert isinstance(event, RolledBack)
    assert not event.batched
    assert service.store.get("RR-1").severity is Severity.SEV2  # type: ignore[union-attr]
    assert service.outbox.get(action.id).state is ActionState.REJECTED  # type: ignore[union-attr]


def test_a_visible_change_under_an_action_waits_as_a_conflict(service: TriageService) -> None:
    service.submit([raise_to_sev1(service)])
    action = service.next_waiting()
    assert action is not None
    theirs = incident(1, assignee="oth.er", version=2)
    (event,) = service.settle(action, Stale(theirs))
    assert isinstance(event, ConflictFound)
    assert event.conflict.fields == ("assignee",)
    assert event.conflict.seen is not None
    assert event.conflict.seen.version == 1
    assert service.conflicts == (event.conflict,)
    assert service.store.get("RR-1") == theirs  # theirs is shown, not mine
    again = service.decide(action.id, reapply=True)
    assert again.sent == 1
    resent = service.next_waiting()
    assert resent is not None
    assert resent.base_version == 2
    assert not service.conflicts


def test_a_version_only_change_reapplies_until_the_limit(service: TriageService) -> None:
    service.submit([raise_to_sev1(service)])
    action = service.next_waiting()
    assert action is not None
    for version in range(2, 2 + REBASE_LIMIT):
        (event,) = service.settle(action, Stale(incident(1, version=version)))
        assert isinstance(event, Reapplied)
        action = service.next_waiting()
        assert action is not None
        assert action.base_version == version
        assert service.store.get("RR-1").severity is Severity.SEV1  # type: ignore[union-attr]
    (event,) = service.settle(action, Stale(incident(1, version=2 + REBASE_LIMIT)))
    assert isinstance(event, ConflictFound)  # a person decides after that


def test_a_batch_reports_once_every_answer_is_in(service: TriageService) -> None:
    actions = [raise_to_sev1(service, n) for n in range(1, 4)]
    service.submit(actions)
    waiting = service.outbox.waiting()
    assert len({a.batch for a in waiting}) == 1
    events = []
    events += service.settle(waiting[0], Applied(incident(1, severity=Severity.SEV1, version=2)))
    events += service.settle(waiting[1], Refused("no"))
    events += service.settle(waiting[2], Stale(incident(3, assignee="oth.er", version=2)))
    done = [e for e in events if isinstance(e, BatchDone)]
    assert done == [BatchDone("SEV2→SEV1", 3, 1, ("RR-2: no",), 1)]
    assert [e.batched for e in events if isinstance(e, RolledBack | ConflictFound)] == [True, True]


def test_undo_before_sending_drops_the_action(service: TriageService) -> None:
    service.submit([raise_to_sev1(service)])
    result = service.undo()
    assert not isinstance(result, str)
    assert result.note.startswith("Undone before sending")
    assert not service.outbox.waiting()
    assert service.store.get("RR-1").severity is Severity.SEV2  # type: ignore[union-attr]
    nothing = service.undo()
    assert isinstance(nothing, str)
    assert nothing.startswith("Nothing to undo")


def test_an_analyst_is_refused_before_anything_is_stored(service: TriageService) -> None:
    service.me = Me(name="ana.lyst", role=Role.ANALYST)
    held = service.store.get("RR-1")
    assert held is not None
    lower = patch_action(held, IncidentPatch(severity=Severity.SEV3, reason="meh"), "lower")
    result = service.submit([lower])
    assert result.sent == 0
    assert result.refused[0][0] == "RR-1"
    assert "only a lead may lower severity" in result.refused[0][1]
    assert not service.outbox.waiting()


def test_a_full_disk_loses_nothing_silently(
    service: TriageService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outbox cannot store the action: nothing is shown as sent, and the user is told."""

    def full(*actions: Action) -> list[Action]:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(service.outbox, "add", full)
    note = Action(ActionKind.NOTE, "RR-1", {"text": "partner confirms"})
    result = service.submit([raise_to_sev1(service), note])
    assert result.sent == 0
    assert [why for _, why in result.refused] == [
        "not saved, so not sent (outbox: database or disk is full)"
    ] * 2
    assert not service.pending
    assert service.store.get("RR-1").severity is Severity.SEV2  # type: ignore[union-attr]
