"""The PagerDuty adapter against a fake PagerDuty on loopback: requests, mapping, limits, UI."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from rr_tui.app import RrApp
from rr_tui.backends import Conflict, Rejected, Unauthorized, Unavailable
from rr_tui.backends.base import PartlyApplied
from rr_tui.backends.pagerduty import (
    BULK_LIMIT,
    Capability,
    PagerDutyBackend,
    SeverityMap,
    from_settings,
)
from rr_tui.models import (
    Contact,
    EscalationCreate,
    EventKind,
    IncidentPatch,
    Role,
    Severity,
    Source,
    Status,
    Team,
)
from rr_tui.options import DashboardOptions
from rr_tui.server.runner import ServerThread
from rr_tui.sync.actions import send
from rr_tui.sync.outbox import Action, ActionKind
from rr_tui.sync.outcomes import Applied
from rr_tui.sync.poller import Backoff, Poller
from rr_tui.sync.store import IncidentStore
from rr_tui.widgets.detail import IncidentDetail
from rr_tui.widgets.queue import QueueView
from tests.conftest import FakeClock, drained, screen_text, settle, until
from tests.fake_pagerduty import TOKEN, FakePagerDuty, Recorded

ME = "mei.tan@example.com"
ACCEPT = "application/vnd.pagerduty+json;version=2"


@dataclass
class World:
    """A fake PagerDuty on loopback with two users, five priorities and a service."""

    fake: FakePagerDuty
    url: str
    me: str
    arjun: str
    service: str
    clock: FakeClock

    def backend(self, **settings: Any) -> PagerDutyBackend:
        """An adapter on the fake, acting as Mei, on the world's clock."""
        settings.setdefault("clock", self.clock)
        return PagerDutyBackend(TOKEN, ME, url=self.url, **settings)

    def dashboard(self, **settings: Any) -> RrApp:
        """The dashboard on an adapter on the fake (polls only when a test says so)."""
        return RrApp(
            self.backend(**settings),
            DashboardOptions(title="RR · PagerDuty"),
            clock=self.clock,
            rng=random.Random(7),
            auto_poll=False,
        )


@pytest.fixture
def world() -> Iterator[World]:
    fake = FakePagerDuty()
    me = fake.add_user("Mei Tan", ME, phone="91234567")
    arjun = fake.add_user(
        "Arjun Rao",
        "arjun.rao@example.com",
        time_zone="Asia/Kolkata",
        phone="2255500126",
        country_code=91,
    )
    fake.add_priorities("P1", "P2", "P3", "P4", "P5")
    service = fake.add_service("T&S Escalations", "Rapid Response")
    with ServerThread(fake.app()) as thread:
        yield World(fake, thread.url, me, arjun, service, FakeClock(datetime.now(UTC)))


@pytest.fixture
async def pd(world: World) -> AsyncIterator[PagerDutyBackend]:
    backend = world.backend()
    yield backend
    await backend.aclose()


def writes(fake: FakePagerDuty) -> list[Recorded]:
    return [r for r in fake.requests if r.method in ("PUT", "POST")]


# --- queue ---------------------------------------------------------------------------------


async def test_snapshot_pages_100_at_a_time_and_maps_incidents(
    world: World, pd: PagerDutyBackend
) -> None:
    fake = world.fake
    ids = [fake.add_incident(f"Coordinated spam wave {n}", world.service) for n in range(230)]
    done = fake.add_incident("Already handled", world.service)
    fake.resolve(done, world.arjun)

    full = await pd.changes(None)

    assert full.reset
    assert full.skipped == []
    assert sorted(i.id for i in full.items) == sorted(ids)
    pages = fake.sent("GET", "/incidents")
    assert [(r.param("limit"), r.param("offset")) for r in pages] == [
        (["100"], ["0"]),
        (["100"], ["100"]),
        (["100"], ["200"]),
    ]
    first = pages[0]
    assert first.param("statuses[]") == ["triggered", "acknowledged"]
    assert first.param("date_range") == ["all"]
    assert first.param("include[]") == ["assignees"]
    assert first.headers["authorization"] == f"Token token={TOKEN}"
    assert first.headers["accept"] == ACCEPT
    assert "from" not in first.headers  # only writes say who acts
    incident = next(i for i in full.items if i.id == ids[0])
    raw = fake.incident(ids[0])
    assert incident.title == "Coordinated spam wave 0"
    assert incident.status is Status.NEW
    assert incident.severity is Severity.SEV2  # no priority, high urgency
    assert (incident.category, incident.region) == ("pagerduty", "ZZ")
    assert incident.source is Source.INTERNAL_DETECTION
    assert incident.due_at - incident.created_at == timedelta(hours=8)
    assert incident.links == [raw["html_url"]]
    assert all(int(r.param("limit")[0]) <= 100 for r in fake.requests if r.param("limit"))


async def test_filters_regions_categories_and_assignees(world: World) -> None:
    fake = world.fake
    other = fake.add_service("Payments")
    mine = fake.add_incident("Doxxing of poll workers", world.service, assignee=world.arjun)
    fake.add_incident("Card testing", other)
    backend = world.backend(
        service_ids=[world.service],
        service_regions={world.service: "PH"},
        service_categories={world.service: "privacy_doxxing"},
    )
    try:
        full = await backend.changes(None)
    finally:
        await backend.aclose()
    assert [i.id for i in full.items] == [mine]
    assert fake.sent("GET", "/incidents")[0].param("service_ids[]") == [world.service]
    (incident,) = full.items
    assert (incident.region, incident.category) == ("PH", "privacy_doxxing")
    assert incident.assignee == "arjun.rao@example.com"


async def test_log_entries_bring_each_change_to_the_next_poll(
    world: World, pd: PagerDutyBackend
) -> None:
    fake = world.fake
    first = fake.add_incident("Livestream re-uploads", world.service)
    gone = fake.add_incident("False alarm", world.service)
    store = IncidentStore()
    poller = Poller(pd, store, clock=world.clock)
    await poller.poll()
    assert store.total == 2
    await poller.poll()  # catches up with the log entries the snapshot already covered
    before = store.get(first)
    assert before is not None

    fake.acknowledge(first, world.arjun)
    fake.resolve(gone, world.arjun, "duplicate")
    new = fake.add_incident("Impersonation of an election official", world.service)
    sent_before = len(fake.requests)
    result = await poller.poll()

    assert result.change is not None
    assert result.change.added == {new}
    assert {first, gone} <= result.change.updated
    now = store.get(first)
    assert now is not None
    assert now.status is Status.ACKNOWLEDGED
    assert now.version > before.version
    assert store.get(gone) is not None
    assert store.get(gone).status is Status.RESOLVED  # type: ignore[union-attr]
    (sent,) = fake.requests[sent_before:]  # one request: the log entries carry the incidents
    assert (sent.method, sent.path) == ("GET", "/log_entries")
    assert sent.param("include[]") == ["incidents"]
    assert sent.param("since")
    assert (await pd.changes(poller.cursor)).not_modified  # nothing new: nothing to apply


async def test_change_without_a_log_entry_shows_at_the_safety_net_refresh(
    world: World, pd: PagerDutyBackend
) -> None:
    incident_id = world.fake.add_incident("Coordinated harassment", world.service, priority="P3")
    full = await pd.changes(None)
    assert full.items[0].severity is Severity.SEV2
    delta = await pd.changes(full.cursor)
    world.fake.set_priority(incident_id, "P1", world.arjun)  # PagerDuty logs no entry for it
    quiet = await pd.changes(delta.cursor)
    assert quiet.not_modified
    world.clock.advance(301)
    refreshed = await pd.changes(delta.cursor)
    assert refreshed.reset
    assert refreshed.items[0].severity is Severity.SEV0


async def test_records_that_break_the_schema_are_skipped_and_described(
    world: World, pd: PagerDutyBackend
) -> None:
    good = world.fake.add_incident("Fine", world.service)
    bad = world.fake.add_incident("Broken", world.service)
    with world.fake.lock:
        world.fake.incidents[bad]["created_at"] = "yesterday"
    full = await pd.changes(None)
    assert [i.id for i in full.items] == [good]
    assert len(full.skipped) == 1
    assert full.skipped[0].startswith(f"{bad}: created_at")


# --- severity ------------------------------------------------------------------------------


async def test_priorities_map_by_position_and_urgency_is_the_fallback(
    world: World, pd: PagerDutyBackend
) -> None:
    fake = world.fake
    made = {
        name: fake.add_incident(name, world.service, priority=name) for name in ("P1", "P3", "P5")
    }
    high = fake.add_incident("no priority, high", world.service, urgency="high")
    low = fake.add_incident("no priority, low", world.service, urgency="low")
    full = await pd.changes(None)
    severity = {i.id: i.severity for i in full.items}
    assert severity[made["P1"]] is Severity.SEV0
    assert severity[made["P3"]] is Severity.SEV2
    assert severity[made["P5"]] is Severity.SEV4
    assert severity[high] is Severity.SEV2
    assert severity[low] is Severity.SEV4


async def test_a_profile_overrides_the_severity_map(world: World) -> None:
    fake = world.fake
    p1 = fake.add_incident("p1", world.service, priority="P1")
    p2 = fake.add_incident("p2", world.service, priority="P2")
    low = fake.add_incident("low", world.service, urgency="low")
    backend = world.backend(severity_map={"priorities": {"p1": "SEV1"}, "urgency": {"low": "SEV3"}})
    try:
        full = await backend.changes(None)
        severity = {i.id: i.severity for i in full.items}
        assert (severity[p1], severity[p2], severity[low]) == (
            Severity.SEV1,
            Severity.SEV1,
            Severity.SEV3,
        )
        assert not backend.supports("severity:SEV0")  # no priority maps to it any more
        incident = next(i for i in full.items if i.id == low)
        await backend.patch(low, IncidentPatch(severity=Severity.SEV1), incident.version, "k")
        assert fake.priority_name(low) == "P1"  # the most severe priority for SEV1
    finally:
        await backend.aclose()
    with pytest.raises(ValueError, match=r"severity_map\.urgency\.low"):
        SeverityMap.parse({"urgency": {"low": "SEV9"}})
    with pytest.raises(ValueError, match="unknown key 'priority'"):
        SeverityMap.parse({"priority": {}})


async def test_a_severity_no_priority_maps_to_is_refused_before_sending(world: World) -> None:
    with world.fake.lock:
        del world.fake.priorities[3:]  # P1..P3 only: SEV3 and SEV4 have no priority
    incident_id = world.fake.add_incident("Scam ads", world.service, priority="P3")
    backend = world.backend()
    try:
        full = await backend.changes(None)
        assert not backend.supports("severity:SEV3")
        assert backend.supports("severity:SEV1")
        with pytest.raises(Rejected) as refused:
            await backend.patch(
                incident_id, IncidentPatch(severity=Severity.SEV3), full.items[0].version, "k"
            )
    finally:
        await backend.aclose()
    assert refused.value.code == "unsupported"
    assert "priorities cover SEV0, SEV1, SEV2" in refused.value.message
    assert writes(world.fake) == []


# --- timeline ------------------------------------------------------------------------------


async def test_timeline_maps_log_entries_and_notes_in_time_order(
    world: World, pd: PagerDutyBackend
) -> None:
    fake = world.fake
    fake.add_oncall(world.arjun, world.service, level=2)
    incident_id = fake.add_incident("Livestream of an attack", world.service)
    fake.acknowledge(incident_id, world.arjun)
    fake.note(incident_id, world.arjun, "[b]partner[/b] confirms")
    with fake.lock:
        incident = fake.incidents[incident_id]
        fake.apply_change(incident, {"assignments": [{"assignee": {"id": world.me}}]}, world.arjun)
        fake.apply_change(incident, {"escalation_level": 2}, world.me)
    fake.resolve(incident_id, world.me, "removed at source")

    events = await pd.timeline(incident_id)

    assert [e.kind for e in events] == [
        EventKind.CREATED,
        EventKind.ACKNOWLEDGED,
        EventKind.NOTE,
        EventKind.ASSIGNED,
        EventKind.ESCALATED,
        EventKind.RESOLVED,
    ]
    seqs = [e.seq for e in events]
    assert seqs == sorted(set(seqs))  # increasing, no two alike
    assert seqs[0] >= 1
    created, acked, note, assigned, escalated, resolved = events
    assert created.actor == "T-S-Escalations"  # the service, as a name
    assert acked.actor == "arjun.rao@example.com"
    assert note.message == "[b]partner[/b] confirms"  # from /notes, once (not the annotate entry)
    assert assigned.data["to"] == ME
    assert escalated.data["targets"] == ["arjun.rao@example.com"]
    assert (resolved.actor, resolved.message) == (ME, "removed at source")
    assert await pd.timeline(incident_id, after=note.seq) == events[3:]
    logs = fake.sent("GET", f"/incidents/{incident_id}/log_entries")
    assert logs[0].param("limit") == ["100"]


# --- actions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (IncidentPatch(status=Status.ACKNOWLEDGED), {"status": "acknowledged"}),
        (
            IncidentPatch(status=Status.RESOLVED, reason="accounts removed"),
            {"status": "resolved", "resolution": "accounts removed"},
        ),
        (IncidentPatch(severity=Severity.SEV0), {"priority": "P1"}),
        (IncidentPatch(assignee="arjun.rao@example.com"), {"assignments": "arjun"}),
    ],
    ids=["acknowledge", "resolve", "reprioritize", "reassign"],
)
async def test_each_action_is_one_put_with_the_from_header(
    world: World, pd: PagerDutyBackend, change: IncidentPatch, expected: dict[str, str]
) -> None:
    fake = world.fake
    incident_id = fake.add_incident("Self-harm challenge trending", world.service, priority="P3")
    (before,) = (await pd.changes(None)).items

    after = await pd.patch(incident_id, change, before.version, "key-1")

    (put,) = writes(fake)
    assert (put.method, put.path) == ("PUT", f"/incidents/{incident_id}")
    assert put.headers["from"] == ME
    assert put.headers["accept"] == ACCEPT
    body = put.body["incident"]
    assert body.pop("type") == "incident_reference"
    if "priority" in expected:
        assert body == {"priority": {"id": fake.priorities[0]["id"], "type": "priority_reference"}}
        assert fake.priority_name(incident_id) == "P1"
    elif "assignments" in expected:
        assert body == {
            "assignments": [{"assignee": {"id": world.arjun, "type": "user_reference"}}]
        }
        assert fake.incident(incident_id)["assignments"][0]["assignee"]["id"] == world.arjun
    else:
        assert body == expected
        assert fake.incident(incident_id)["status"] == expected["status"]
    assert after.version > before.version
    assert after.status is (change.status or before.status)


async def test_a_reason_is_kept_as_a_note_and_reopen_works(
    world: World, pd: PagerDutyBackend
) -> None:
    fake = world.fake
    incident_id = fake.add_incident("Election deepfake", world.service, priority="P3")
    first = await pd.changes(None)
    (incident,) = first.items
    await pd.patch(
        incident_id,
        IncidentPatch(severity=Severity.SEV1, reason="velocity rising"),
        incident.version,
        "k1",
    )
    _, post = writes(fake)
    assert (post.method, post.path) == ("POST", f"/incidents/{incident_id}/notes")
    assert post.headers["from"] == ME
    assert post.body == {"note": {"content": "severity SEV2 → SEV1: velocity rising"}}

    fake.resolve(incident_id, world.arjun)
    (resolved,) = (await pd.changes(first.cursor)).items  # the resolve, from the log
    assert resolved.status is Status.RESOLVED
    reopened = await pd.patch(
        incident_id,
        IncidentPatch(status=Status.ACKNOWLEDGED, reason="reposted"),
        resolved.version,
        "k2",
    )
    assert reopened.status is Status.ACKNOWLEDGED
    assert reopened.assignee == ME  # PagerDuty gives a reopened incident to who reopened it
    assert writes(fake)[-1].body == {"note": {"content": "reopened: reposted"}}


async def test_a_change_that_already_holds_sends_nothing(
    world: World, pd: PagerDutyBackend
) -> None:
    incident_id = world.fake.add_incident("Doxxing", world.service)
    (incident,) = (await pd.changes(None)).items
    await pd.patch(incident_id, IncidentPatch(status=Status.ACKNOWLEDGED), incident.version, "k1")
    # The same change again (a retry whose answer was lost): answered without a PUT.
    again = await pd.patch(
        incident_id, IncidentPatch(status=Status.ACKNOWLEDGED), incident.version, "k2"
    )
    assert again.status is Status.ACKNOWLEDGED
    assert len(writes(world.fake)) == 1


async def test_a_change_made_elsewhere_is_a_conflict_a_note_is_not(
    world: World, pd: PagerDutyBackend
) -> None:
    fake = world.fake
    incident_id = fake.add_incident("Hate raid", world.service, priority="P3")
    full = await pd.changes(None)
    (seen,) = full.items
    caught_up = await pd.changes(full.cursor)
    fake.note(incident_id, world.arjun, "looking")
    (noted,) = (await pd.changes(caught_up.cursor)).items
    assert noted.version > seen.version  # the note moved the version (the timeline reloads)
    # ...but not severity, status or owner: a change made against `seen` is no conflict.
    raised = await pd.patch(incident_id, IncidentPatch(severity=Severity.SEV1), seen.version, "k1")
    fake.set_priority(incident_id, "P5", world.arjun)
    with pytest.raises(Conflict) as conflict:
        await pd.patch(incident_id, IncidentPatch(status=Status.ACKNOWLEDGED), raised.version, "k2")
    assert conflict.value.current.severity is Severity.SEV4
    assert conflict.value.current.version > raised.version
    assert fake.incident(incident_id)["status"] == "triggered"


async def test_unsupported_actions_are_refused_before_anything_is_sent(
    world: World, pd: PagerDutyBackend
) -> None:
    incident_id = world.fake.add_incident("Scam", world.service)
    (incident,) = (await pd.changes(None)).items
    for change in (
        IncidentPatch(status=Status.MITIGATED),
        IncidentPatch(status=Status.ESCALATED),
        IncidentPatch(status=Status.NEW),
        IncidentPatch(assignee=None),
    ):
        with pytest.raises(Rejected) as refused:
            await pd.patch(incident_id, change, incident.version, "k")
        assert refused.value.code == "unsupported"
        assert pd.unsupported_reason(change) == refused.value.message
    with pytest.raises(Rejected, match="mitigated"):
        await pd.bulk_status([incident_id], Status.MITIGATED)
    assert writes(world.fake) == []
    assert pd.supports(Capability.ACKNOWLEDGE)
    assert pd.supports("status:resolved")
    assert pd.supports(Capability.ESCALATE_LEVEL)
    for what in ("status:mitigated", "status:escalated", "status:new", "unassign"):
        assert not pd.supports(what)


class LoseFirstAnswer(httpx.AsyncBaseTransport):
    """Delivers every request, but the first answer to `method` is lost (a read timeout)."""

    def __init__(self, method: str) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.method = method
        self.lost = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.real.handle_async_request(request)
        await response.aread()
        if request.method == self.method and not self.lost:
            self.lost = True
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    async def aclose(self) -> None:
        await self.real.aclose()


async def test_a_note_is_posted_once_even_when_its_answer_is_lost(world: World) -> None:
    incident_id = world.fake.add_incident("Grooming report", world.service)
    backend = world.backend(transport=LoseFirstAnswer("POST"))
    try:
        with pytest.raises(Unavailable):
            await backend.add_note(incident_id, "NGO partner confirms", "note-1")
        result = await backend.add_note(incident_id, "NGO partner confirms", "note-1")
    finally:
        await backend.aclose()
    assert [n["content"] for n in world.fake.notes[incident_id]] == ["NGO partner confirms"]
    assert len(world.fake.sent("POST", f"/incidents/{incident_id}/notes")) == 1
    assert result.event.kind is EventKind.NOTE
    assert result.event.actor == ME


async def test_a_retried_change_whose_answer_was_lost_is_applied_once(world: World) -> None:
    incident_id = world.fake.add_incident("Extortion ring", world.service, priority="P3")
    backend = world.backend(transport=LoseFirstAnswer("PUT"))
    change = IncidentPatch(severity=Severity.SEV1, reason="victims identified")
    try:
        (incident,) = (await backend.changes(None)).items
        with pytest.raises(Unavailable):
            await backend.patch(incident_id, change, incident.version, "patch-1")
        after = await backend.patch(incident_id, change, incident.version, "patch-1")
    finally:
        await backend.aclose()
    assert after.severity is Severity.SEV1
    assert len(world.fake.sent("PUT", f"/incidents/{incident_id}")) == 1
    notes = [n["content"] for n in world.fake.notes[incident_id]]
    assert notes == ["severity SEV2 → SEV1: victims identified"]


async def test_escalation_pages_on_call_users_and_records_the_others(
    world: World,
) -> None:
    fake = world.fake
    fake.add_oncall(world.arjun, world.service, level=2)
    legal = Contact(
        id="legal-sg-1", name="K. Sato", team=Team.LEGAL, timezone="Asia/Tokyo", email="k@ex.com"
    )
    backend = world.backend(contacts=[legal])
    incident_id = fake.add_incident("Terror content takedown", world.service)
    other = fake.add_incident("Second one", world.service)
    try:
        await backend.changes(None)
        arjun = f"pd-{world.arjun.lower()}"
        body = EscalationCreate(targets=[arjun, "legal-sg-1"], note="takedown order tonight")
        result = await backend.escalate(incident_id, body, "esc-1")
        put, post = writes(fake)
        assert put.body == {"incident": {"type": "incident_reference", "escalation_level": 2}}
        assert put.headers["from"] == ME
        content = post.body["note"]["content"]
        assert "Arjun Rao (Trust & Safety) (paged)" in content
        assert "K. Sato (Legal) (not in PagerDuty: not paged" in content
        assert content.endswith("takedown order tonight")
        assert result.incident.assignee == "arjun.rao@example.com"
        assert result.escalation.targets == [arjun, "legal-sg-1"]

        # Someone not on call for the incident's policy: the incident is reassigned to them.
        with fake.lock:
            fake.oncalls.clear()
        await backend.contacts()
        me = f"pd-{world.me.lower()}"
        await backend.escalate(other, EscalationCreate(targets=[me]), "esc-2")
        assert writes(fake)[-2].body["incident"]["assignments"] == [
            {"assignee": {"id": world.me, "type": "user_reference"}}
        ]
        fake.add_oncall(world.arjun, world.service, level=1)
        await backend.escalate_to_level(other, 1)
        assert writes(fake)[-1].body["incident"] == {
            "type": "incident_reference",
            "escalation_level": 1,
        }
    finally:
        await backend.aclose()


async def test_bulk_status_changes_go_250_at_a_time(world: World, pd: PagerDutyBackend) -> None:
    fake = world.fake
    ids = [fake.add_incident(f"Spam {n}", world.service) for n in range(BULK_LIMIT + 51)]
    outcome = await pd.bulk_status(ids, Status.ACKNOWLEDGED)
    bulk = fake.sent("PUT", "/incidents")
    assert [len(r.body["incidents"]) for r in bulk] == [250, 51]
    assert all(r.headers["from"] == ME for r in bulk)
    assert bulk[0].body["incidents"][0] == {
        "id": ids[0],
        "type": "incident_reference",
        "status": "acknowledged",
    }
    assert outcome.failed == []
    assert {i.id for i in outcome.updated} == set(ids)
    assert all(fake.incident(i)["status"] == "acknowledged" for i in ids)
    # The fake holds PagerDuty's limit: 251 in one request is refused.
    async with httpx.AsyncClient(base_url=world.url) as raw:
        too_many = await raw.put(
            "/incidents",
            json={"incidents": [{"id": i, "type": "incident_reference"} for i in ids[:251]]},
            headers={"Authorization": f"Token token={TOKEN}", "From": ME},
        )
    assert too_many.status_code == 413


# --- limits and errors ---------------------------------------------------------------------


async def test_429_is_unavailable_with_retry_after_and_nothing_is_sent_until_reset(
    world: World, pd: PagerDutyBackend
) -> None:
    world.fake.add_incident("Scam", world.service)
    world.fake.throttle(times=1, reset=7)
    with pytest.raises(Unavailable) as limited:
        await pd.changes(None)
    assert limited.value.retry_after == 7
    sent = len(world.fake.requests)
    with pytest.raises(Unavailable, match="rate limit reached"):
        await pd.changes(None)
    assert len(world.fake.requests) == sent  # waited: nothing sent in the window
    world.clock.advance(8)
    assert len((await pd.changes(None)).items) == 1


async def test_a_spent_window_is_waited_for_and_the_poller_backs_off(
    world: World, pd: PagerDutyBackend
) -> None:
    world.fake.spend_window(reset=12)
    poller = Poller(pd, IncidentStore(), clock=world.clock, backoff=Backoff(rng=random.Random(1)))
    await poller.poll()  # answered, but the window is spent
    result = await poller.poll()
    assert isinstance(result.error, Unavailable)
    assert poller.delay >= 12
    assert "rate limit" in poller.connection.error


async def test_bad_token_and_unknown_from_email(world: World) -> None:
    wrong = PagerDutyBackend("wrong-token", ME, url=world.url)
    stranger = PagerDutyBackend(TOKEN, "nobody@example.com", url=world.url)
    try:
        with pytest.raises(Unauthorized):
            await wrong.changes(None)
        with pytest.raises(Rejected) as unknown:
            await stranger.me()
        assert unknown.value.code == "unknown_user"
    finally:
        await wrong.aclose()
        await stranger.aclose()


# --- stakeholders --------------------------------------------------------------------------


async def test_on_call_people_are_merged_with_the_local_directory(world: World) -> None:
    fake = world.fake
    fake.add_oncall(world.me, world.service, level=1)
    fake.add_oncall(world.arjun, world.service, level=2)
    legal = Contact(
        id="legal-ph-1",
        name="R. Santos",
        team=Team.LEGAL,
        regions=["PH"],
        timezone="Asia/Manila",
        email="r.santos@example.com",
    )
    mei_local = Contact(
        id="rr-mei",
        name="Mei Tan",
        team=Team.REGIONAL_OPS,
        regions=["SG"],
        timezone="Asia/Singapore",
        email="Mei.Tan@example.com",
    )
    backend = world.backend(contacts=[legal, mei_local])
    try:
        contacts = await backend.contacts()
        assert contacts is not None
        by_id = {c.id: c for c in contacts}
        assert by_id["legal-ph-1"] == legal  # not in PagerDuty: as configured
        mei = by_id["rr-mei"]  # the same person: the local entry, now on call
        assert (mei.team, mei.regions, mei.on_call, mei.phone) == (
            Team.REGIONAL_OPS,
            ["SG"],
            True,
            "+65 91234567",
        )
        arjun = by_id[f"pd-{world.arjun.lower()}"]
        assert (arjun.name, arjun.timezone, arjun.phone, arjun.email) == (
            "Arjun Rao",
            "Asia/Kolkata",
            "+91 2255500126",
            "arjun.rao@example.com",
        )
        assert (arjun.on_call, arjun.escalation_tier, arjun.team) == (True, 2, Team.TRUST_SAFETY)
        assert "Rapid Response L2" in arjun.notes
        assert len(contacts) == 3
        assert await backend.contacts() is None  # unchanged
        assert fake.sent("GET", "/oncalls")[0].param("include[]") == ["users"]
        assert len(fake.sent("GET", f"/users/{world.arjun}/contact_methods")) == 1  # cached
        me = await backend.me()
        assert (me.name, me.role) == (ME, Role.LEAD)
    finally:
        await backend.aclose()


def test_from_settings_validates() -> None:
    backend = from_settings("", "token-1", ME, team_ids=["PT1"], severity_map={"urgency": {}})
    assert backend.name == "PagerDuty api.pagerduty.com"
    assert backend.team_ids == ("PT1",)
    with pytest.raises(ValueError, match="from_email"):
        from_settings("", "token-1", "not-an-email")
    with pytest.raises(ValueError, match="service_regions"):
        from_settings("", "token-1", ME, service_regions={"PS1": "Philippines"})


# --- the dashboard on PagerDuty ------------------------------------------------------------


async def test_the_dashboard_runs_on_pagerduty(world: World) -> None:
    fake = world.fake
    urgent = fake.add_incident("Live attack being streamed", world.service, priority="P2")
    fake.add_incident("Spam wave", world.service, urgency="low")
    fake.note(urgent, world.arjun, "platform escalated")
    app = world.dashboard()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        assert len(app.store) == 2
        queue = app.query_one(QueueView)
        assert queue.selected_id == urgent  # SEV1 (P2) above SEV4
        # The timeline is fetched by a worker started on selection.
        await until(lambda: app.query_one(IncidentDetail).last_seq > 0, pilot)
        text = screen_text(app)
        assert "Live attack being streamed" in text
        assert "platform escalated" in text

        await pilot.press("a")
        await drained(app, pilot)
        await pilot.press("0", *"shooter identified", "enter")
        await drained(app, pilot)
        shown = app.store.get(urgent)
        assert shown is not None
        assert (shown.status, shown.severity) == (Status.ACKNOWLEDGED, Severity.SEV0)
    state = fake.incident(urgent)
    assert state["status"] == "acknowledged"
    assert state["priority"]["summary"] == "P1"
    assert fake.notes[urgent][-1]["content"] == "severity SEV1 → SEV0: shooter identified"
    assert all(r.headers["from"] == ME for r in writes(fake))


async def test_actions_pagerduty_cannot_express_are_unavailable_before_sending(
    world: World,
) -> None:
    fake = world.fake
    target = fake.add_incident("Nobody owns this yet", world.service, priority="P2")
    app = world.dashboard()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        assert app.query_one(QueueView).select(target)
        await pilot.press("i")  # take it: PagerDuty can
        await drained(app, pilot)
        sent = len(writes(fake))
        # Undoing it would leave it unassigned, which PagerDuty cannot express.
        await pilot.press("u")
        await settle(app, pilot)
        messages = [notice.message for notice in app.notices]
        assert any(
            "not possible on this backend" in m and "cannot leave an incident unassigned" in m
            for m in messages
        ), messages
        assert not app.outbox.waiting()
    assert len(writes(fake)) == sent  # nothing was sent to be refused
    assert fake.incident(target)["assignments"]


# --- configuration: a `kind = "pagerduty"` profile ---------------------------------------


def test_a_pagerduty_profile_drives_list(
    world: World, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from rr_tui.cli import main

    fake = world.fake
    first = fake.add_incident("Live attack being streamed", world.service, priority="P1")
    second = fake.add_incident("Spam wave", world.service, urgency="low")
    contacts = tmp_path / "contacts.toml"
    contacts.write_text(
        '[[contacts]]\nid = "legal-th-1"\nname = "K. Chaiyasit"\nteam = "legal"\n'
        'timezone = "Asia/Bangkok"\nregions = ["TH"]\n',
        encoding="utf-8",
    )
    config = tmp_path / "rr.toml"
    config.write_text(
        'profile = "pd"\n[profiles.pd]\nkind = "pagerduty"\n'
        f'url = "{world.url}"\ntoken_env = "PD_TOKEN"\nfrom_email = "{ME}"\n'
        f'contacts_file = "{contacts}"\n'
        f'service_regions = {{ {world.service} = "TH" }}\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PD_TOKEN", TOKEN)
    code = main(["--config", str(config), "list", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    body = json.loads(out)
    assert [item["id"] for item in body["items"]] == [first, second]
    assert {item["region"] for item in body["items"]} == {"TH"}
    assert TOKEN not in out + err
    assert all(r.headers["from"] == ME for r in writes(fake))


def test_a_pagerduty_profile_needs_from_email(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from rr_tui.cli import main

    config = tmp_path / "rr.toml"
    config.write_text('profile = "pd"\n[profiles.pd]\nkind = "pagerduty"\n', encoding="utf-8")
    assert main(["--config", str(config), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "profiles.pd" in err
    assert "from_email" in err


async def test_assignable_users_come_from_the_users_api(world: World, pd: PagerDutyBackend) -> None:
    """The assign dialog checks names against these (issue 12: `I nobody.xyz`)."""
    assert await pd.assignable() == ["arjun.rao@example.com", ME]


# --- a composite action applied in part (issue 12 item 9) -------------------------------
# The PUT applied and the note after it was refused: the screen says which part applied
# and which failed, keeps what applied, and nothing is sent again (never a second page).


class RefuseNotes(httpx.AsyncBaseTransport):
    """Every request goes through, except that a note is refused as PagerDuty refuses one."""

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/notes"):
            body = {"error": {"message": "Incident is locked", "code": 2001}}
            return httpx.Response(400, json=body, request=request)
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


async def test_a_change_whose_reason_note_fails_is_kept_and_told_and_not_resent(
    world: World,
) -> None:
    """The toast said "Not applied … no longer exists" and the row rolled back, though the
    priority had changed; a retry sent the PUT again."""
    fake = world.fake
    urgent = fake.add_incident("Live attack being streamed", world.service, priority="P2")
    app = world.dashboard(transport=RefuseNotes())
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("0", *"shooter identified", "enter")
        await drained(app, pilot)
        told = [n.message for n in app.notices if n.title == "Partly applied"]
        assert len(told) == 1
        assert "applied in PagerDuty: severity SEV1 → SEV0" in told[0]
        assert "Not applied: the reason note (" in told[0]
        assert not [n for n in app.notices if n.title == "Not applied"]
        shown = app.store.get(urgent)
        assert shown is not None
        assert shown.severity is Severity.SEV0  # kept: no rollback
        assert not app.outbox.waiting()
        app.drain_outbox()  # a retry now sends nothing
        await drained(app, pilot)
        await until(lambda: not app.drainer.running, pilot)
    assert fake.incident(urgent)["priority"]["summary"] == "P1"
    assert len([r for r in writes(fake) if r.method == "PUT"]) == 1


async def test_an_escalation_whose_note_fails_says_who_was_paged_and_is_not_retried(
    world: World,
) -> None:
    fake = world.fake
    fake.add_oncall(world.arjun, world.service, level=2)
    incident_id = fake.add_incident("Terror content takedown", world.service)
    backend = world.backend(transport=RefuseNotes())
    try:
        await backend.changes(None)
        body = EscalationCreate(targets=[f"pd-{world.arjun.lower()}"], note="takedown tonight")
        with pytest.raises(PartlyApplied) as raised:
            await backend.escalate(incident_id, body, "esc-1")
        message = raised.value.message
        assert "applied in PagerDuty: Escalated to Arjun Rao (Trust & Safety) (paged)" in message
        assert "Not applied: the escalation note (" in message
        assert raised.value.incident.assignee == "arjun.rao@example.com"
        # Through the outbox's sender: applied (finished, never resent), in part.
        other = fake.add_incident("Second upload wave", world.service)
        await backend.changes(None)
        payload = body.model_dump(mode="json")
        outcome = await send(backend, Action(ActionKind.ESCALATE, other, payload, label="e"))
    finally:
        await backend.aclose()
    assert isinstance(outcome, Applied)
    assert outcome.partly.startswith("applied in PagerDuty")
    assert len([r for r in writes(fake) if r.method == "PUT"]) == 2  # one page each


async def test_an_escalation_whose_answer_was_lost_pages_once_on_retry(world: World) -> None:
    """Issue 12 item 9: the escalation PUT applied (Arjun paged) but its answer was lost; the
    retry under the same key sent the PUT again, paging him a second time."""
    fake = world.fake
    fake.add_oncall(world.arjun, world.service, level=2)
    incident_id = fake.add_incident("Livestreamed attack", world.service)
    backend = world.backend(transport=LoseFirstAnswer("PUT"))
    body = EscalationCreate(targets=[f"pd-{world.arjun.lower()}"], note="crisis protocol")
    try:
        await backend.changes(None)
        with pytest.raises(Unavailable):
            await backend.escalate(incident_id, body, "esc-lost")
        result = await backend.escalate(incident_id, body, "esc-lost")
    finally:
        await backend.aclose()
    assert result.incident.assignee == "arjun.rao@example.com"
    assert len(fake.sent("PUT", f"/incidents/{incident_id}")) == 1  # paged once
    assert len(fake.notes[incident_id]) == 1
