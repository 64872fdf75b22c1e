"""The domain model's validation, and the demo data set it describes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from rr_tui.models import (
    Contact,
    EscalationCreate,
    Incident,
    IncidentPatch,
    NoteCreate,
    Severity,
    Source,
    Status,
    Team,
    WorkingHours,
)
from rr_tui.server import seed_data
from rr_tui.server.seed import seed_demo
from rr_tui.server.store import Store

NOW = datetime(2026, 11, 24, 6, 32, tzinfo=UTC)


def incident(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "RR-2041",
        "title": "Livestream re-uploads",
        "severity": "SEV1",
        "status": "escalated",
        "category": "violent_extremism",
        "region": "ID",
        "source": "trusted_flagger",
        "created_at": "2026-11-24T06:10:00Z",
        "updated_at": "2026-11-24T06:12:00Z",
        "due_at": "2026-11-24T07:10:00Z",
        "version": 7,
    }
    data.update(overrides)
    return data


def test_incident_parses_and_normalises_times_to_utc() -> None:
    parsed = Incident.model_validate(incident(created_at="2026-11-24T14:10:00+08:00"))
    assert parsed.created_at == datetime(2026, 11, 24, 6, 10, tzinfo=UTC)
    assert parsed.created_at.utcoffset() == timedelta(0)
    assert parsed.severity is Severity.SEV1


@pytest.mark.parametrize(
    "bad",
    [
        {"created_at": "2026-11-24T06:10:00"},  # naive
        {"id": "RR 2041"},
        {"id": ""},
        {"severity": "SEV5"},
        {"status": "closed"},
        {"region": "id"},
        {"category": "Violent Extremism"},
        {"title": ""},
        {"version": 0},
        {"assignee": "[@click=app.quit]"},
    ],
)
def test_incident_rejects_what_breaks_the_contract(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Incident.model_validate(incident(**bad))


def test_responses_ignore_unknown_fields_requests_do_not() -> None:
    assert Incident.model_validate(incident(new_field=1)).id == "RR-2041"
    with pytest.raises(ValidationError, match="extra"):
        NoteCreate.model_validate({"text": "x", "txet": "y"})


def test_severity_rank_and_clamp() -> None:
    assert [s.rank for s in Severity] == [0, 1, 2, 3, 4]
    assert Severity.from_rank(-1) is Severity.SEV0
    assert Severity.from_rank(9) is Severity.SEV4


def test_patch_needs_a_change_and_tells_null_from_absent() -> None:
    with pytest.raises(ValidationError, match="nothing to change"):
        IncidentPatch.model_validate({"reason": "x"})
    assert IncidentPatch.model_validate({"assignee": None}).sets_assignee
    assert not IncidentPatch.model_validate({"severity": "SEV1"}).sets_assignee


def test_escalation_needs_targets() -> None:
    with pytest.raises(ValidationError):
        EscalationCreate.model_validate({"targets": [], "note": "x"})


def test_contact_checks_its_time_zone() -> None:
    base = {"id": "legal-x", "name": "K. Sato", "team": "legal"}
    assert Contact.model_validate({**base, "timezone": "Asia/Tokyo"}).timezone == "Asia/Tokyo"
    with pytest.raises(ValidationError, match="IANA"):
        Contact.model_validate({**base, "timezone": "Mars/Olympus"})


def test_working_hours_day_and_overnight() -> None:
    office = WorkingHours(days=[0, 1, 2, 3, 4], start=time(9), end=time(18))
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    assert office.contains(monday)
    assert not office.contains(monday.replace(hour=19))
    assert not office.contains(monday + timedelta(days=5))  # Saturday
    night = WorkingHours(days=[4], start=time(22), end=time(6))  # Friday night
    friday_late = datetime(2026, 11, 27, 23, 0)
    assert night.contains(friday_late)
    assert night.contains(friday_late + timedelta(hours=4))  # Saturday 03:00, same shift
    assert not night.contains(friday_late - timedelta(days=1))


def test_contact_local_time_and_working() -> None:
    sato = Contact(id="legal-jp", name="K. Sato", team=Team.LEGAL, timezone="Asia/Tokyo")
    assert sato.local_time(NOW).hour == 15  # 06:32 UTC is 15:32 JST
    assert sato.is_working(NOW)  # a Tuesday afternoon in Tokyo


def test_demo_data_set_is_rich_enough() -> None:
    contacts = seed_data.demo_contacts()
    assert len(contacts) >= 25
    assert len({c.timezone for c in contacts}) >= 8
    assert {c.team for c in contacts} >= {
        Team.LEGAL,
        Team.PUBLIC_POLICY,
        Team.COMMS,
        Team.PRODUCT,
        Team.ENGINEERING,
        Team.LAW_ENFORCEMENT_RESPONSE,
        Team.PARTNERSHIPS,
        Team.REGIONAL_OPS,
    }
    assert any(c.on_call for c in contacts)
    assert all(c.email.endswith((".example.com", "@example.com", "@example.org")) for c in contacts)
    seeds = seed_data.demo_incidents(random.Random(1))
    assert len(seeds) >= 60
    assert {
        s.severity_changes[-1] if s.severity_changes else s.create.severity for s in seeds
    } == set(Severity)
    assert {s.status for s in seeds} == set(Status)
    assert {s.create.source for s in seeds} == set(Source)
    assert len({s.create.region for s in seeds}) >= 8
    assert seeds == seed_data.demo_incidents(random.Random(1))


def test_seeded_store_matches_the_seeds(store: Store) -> None:
    seeds = seed_data.demo_incidents(random.Random(5))
    assert seed_demo(store, random.Random(5)) == len(seeds)
    assert seed_demo(store, random.Random(5)) == 0  # never seeds twice
    resolved = sum(s.status is Status.RESOLVED for s in seeds)
    assert store.count() == len(seeds) - resolved
    assert store.count(open_only=False) == len(seeds)
    for incident in store.open_incidents():
        assert incident.created_at < store.clock()
        events = store.timeline(incident.id)
        assert events[0].kind == "created"
        assert [e.at for e in events] == sorted(e.at for e in events)
