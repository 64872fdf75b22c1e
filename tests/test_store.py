"""The local store: queue order, deltas, filters, and that deltas always add up to a full load."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rr_tui.models import Incident, Severity, Status
from rr_tui.sync.store import Filter, IncidentStore, sort_key

T0 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def make(n: int, version: int = 1, **overrides: Any) -> Incident:
    data: dict[str, Any] = {
        "id": f"RR-{n}",
        "title": f"incident {n}",
        "severity": "SEV2",
        "status": "new",
        "category": "harassment",
        "region": "ID",
        "source": "user_report",
        "created_at": T0 + timedelta(minutes=n),
        "updated_at": T0 + timedelta(minutes=n),
        "due_at": T0 + timedelta(hours=4, minutes=n),
        "version": version,
    }
    data.update(overrides)
    return Incident.model_validate(data)


def ids(store: IncidentStore) -> list[str]:
    return [incident.id for incident in store]


def test_order_is_severity_then_sla_then_created() -> None:
    store = IncidentStore()
    store.apply(
        [
            make(1, severity="SEV3"),
            make(2, severity="SEV1", due_at=T0 + timedelta(hours=2)),
            make(3, severity="SEV1", due_at=T0 + timedelta(hours=1)),
            make(4, severity="SEV0"),
            make(5, severity="SEV1", due_at=T0 + timedelta(hours=1)),  # same due: older first
        ]
    )
    assert ids(store) == ["RR-4", "RR-3", "RR-5", "RR-2", "RR-1"]
    assert store.row(1).id == "RR-3"
    assert [i.id for i in store.rows(1, 3)] == ["RR-3", "RR-5"]
    assert store.index_of("RR-2") == 3


def test_within_a_severity_what_needs_action_comes_first() -> None:
    """Issue 12: mitigated rows sorted above new and breached ones, so `g` `a` hit a mitigated
    incident. New first, then acknowledged and escalated (breached first: soonest due), then
    mitigated; severity still comes before all of it."""
    store = IncidentStore(Filter(statuses=frozenset()))
    store.apply(
        [
            make(1, severity="SEV1", status="mitigated", due_at=T0 - timedelta(hours=9)),
            make(2, severity="SEV1", status="acknowledged", due_at=T0 + timedelta(hours=1)),
            make(3, severity="SEV1", status="new", due_at=T0 + timedelta(hours=3)),
            make(4, severity="SEV1", status="escalated", due_at=T0 - timedelta(minutes=5)),
            make(5, severity="SEV2", status="new", due_at=T0 - timedelta(hours=2)),
            make(6, severity="SEV1", status="resolved", due_at=T0 - timedelta(hours=9)),
            make(7, severity="SEV0", status="mitigated"),
        ]
    )
    assert ids(store) == ["RR-7", "RR-3", "RR-4", "RR-2", "RR-1", "RR-6", "RR-5"]


def test_delta_moves_rows_and_reports_what_changed() -> None:
    store = IncidentStore()
    store.apply([make(n) for n in range(1, 6)], reset=True)
    change = store.apply([make(5, version=2, severity="SEV0"), make(9)])
    assert change.added == {"RR-9"}
    assert change.updated == {"RR-5"}
    assert not change.removed
    assert ids(store)[0] == "RR-5"
    assert [i.id for i in change.urgent] == ["RR-5"]


def test_old_and_duplicate_versions_are_ignored() -> None:
    store = IncidentStore()
    store.apply([make(1, version=3, severity="SEV1")])
    change = store.apply([make(1, version=2, severity="SEV4"), make(1, version=3, severity="SEV4")])
    assert not change
    assert store.get("RR-1").severity is Severity.SEV1  # type: ignore[union-attr]


def test_reset_replaces_everything() -> None:
    store = IncidentStore()
    store.apply([make(1), make(2), make(3)])
    change = store.apply([make(2), make(4)], reset=True)
    assert change.removed == {"RR-1", "RR-3"}
    assert change.added == {"RR-4"}
    assert change.reset
    assert not change.urgent
    assert sorted(ids(store)) == ["RR-2", "RR-4"]


def test_resolved_incidents_leave_the_default_queue() -> None:
    store = IncidentStore()
    store.apply([make(1), make(2)])
    store.apply([make(1, version=2, status="resolved")])
    assert ids(store) == ["RR-2"]
    assert store.total == 2
    assert store.index_of("RR-1") is None
    assert store.open_counts()[Severity.SEV2] == 1


def test_filters() -> None:
    store = IncidentStore()
    store.apply(
        [
            make(1, region="TH", severity="SEV1"),
            make(2, region="ID", assignee="mei.tan"),
            make(3, region="TH", title="Livestream of attack"),
            make(4, status="resolved", region="TH"),
        ]
    )
    store.set_filter(Filter(regions=frozenset({"TH"})))
    assert ids(store) == ["RR-1", "RR-3"]
    store.set_filter(Filter(assignee="mei.tan"))
    assert ids(store) == ["RR-2"]
    store.set_filter(Filter(text="livestream"))
    assert ids(store) == ["RR-3"]
    store.set_filter(Filter(statuses=frozenset(Status)))
    assert len(store) == 4
    store.set_filter(Filter(severities=frozenset({Severity.SEV1})))
    assert ids(store) == ["RR-1"]
    # A change that makes an incident match brings it in; one that stops it takes it out.
    store.apply([make(2, version=2, severity="SEV1"), make(1, version=2, severity="SEV2")])
    assert ids(store) == ["RR-2"]


def test_urgent_only_for_arrivals_and_raises_to_sev1_or_more() -> None:
    store = IncidentStore()
    store.apply([make(1, severity="SEV1")], reset=True)
    change = store.apply(
        [
            make(1, version=2, severity="SEV0"),  # already urgent: no second alarm
            make(2, severity="SEV2"),
            make(3, severity="SEV0"),
            make(4, severity="SEV1", status="resolved"),
        ]
    )
    assert [i.id for i in change.urgent] == ["RR-3"]


# --- property: any sequence of deltas equals a fresh full load ------------------------

SEVERITIES = [s.value for s in Severity]
STATUSES = [s.value for s in Status]


@st.composite
def histories(draw: st.DrawFn) -> list[list[Incident]]:
    """A server's history cut into polls: each poll carries the latest version of what changed."""
    count = draw(st.integers(1, 12))
    current: dict[int, Incident] = {}
    polls: list[list[Incident]] = []
    for _ in range(draw(st.integers(1, 8))):
        changed: dict[int, Incident] = {}
        for _ in range(draw(st.integers(0, 10))):
            n = draw(st.integers(1, count))
            before = current.get(n)
            incident = make(
                n,
                version=before.version + 1 if before else 1,
                severity=draw(st.sampled_from(SEVERITIES)),
                status=draw(st.sampled_from(STATUSES)),
                due_at=T0 + timedelta(minutes=draw(st.integers(0, 50))),
                region=draw(st.sampled_from(["ID", "TH"])),
            )
            current[n] = changed[n] = incident
        batch = list(changed.values())
        # Replays of older pages are harmless: throw some in.
        if draw(st.booleans()) and polls and polls[-1]:
            batch = polls[-1][:1] + batch
        polls.append(batch)
    return polls


@given(histories(), st.sampled_from([Filter(), Filter(regions=frozenset({"TH"}))]))
@settings(max_examples=200, deadline=None)
def test_any_delta_sequence_equals_a_full_load(polls: list[list[Incident]], view: Filter) -> None:
    incremental = IncidentStore(view)
    latest: dict[str, Incident] = {}
    for batch in polls:
        incremental.apply(batch)
        for incident in batch:
            if incident.id not in latest or latest[incident.id].version < incident.version:
                latest[incident.id] = incident
    fresh = IncidentStore(view)
    fresh.apply(latest.values(), reset=True)
    assert list(incremental) == list(fresh)
    assert incremental.open_counts() == fresh.open_counts()
    expected = sorted((i for i in latest.values() if view.matches(i)), key=sort_key)
    assert list(incremental) == expected
    for index, incident in enumerate(incremental):
        assert incremental.index_of(incident.id) == index
