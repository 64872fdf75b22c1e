"""Finding people and incidents (issue 12): one search over both, a contact's card, on call.

Driven with Pilot against the real reference server on loopback.
"""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import OptionList

from rr_tui.models import Contact, IncidentCreate, IncidentPatch, Role, Status
from rr_tui.options import DashboardOptions, SavedView
from rr_tui.server.store import Actor
from rr_tui.sync.finding import find_incidents, on_call_filter
from rr_tui.sync.store import Filter
from rr_tui.widgets.contact_card import ContactCard, card_text
from rr_tui.widgets.contacts import StakeholderPane
from tests.conftest import DashboardFactory, RunningServer

LEAD = Actor("lee.lead", Role.LEAD)

VIEWS = DashboardOptions(
    title="RR · APAC shift",
    views=(
        SavedView("open"),
        SavedView("resolved", Filter(statuses=frozenset({Status.RESOLVED}))),
    ),
)


def create(server: RunningServer, title: str, *, sensitive: bool = False) -> str:
    body = IncidentCreate.model_validate(
        {
            "title": title,
            "severity": "SEV3",
            "category": "harassment",
            "region": "VN",
            "source": "user_report",
            "sensitive": sensitive,
        }
    )
    with server.store.write() as tx:
        return tx.create(body, LEAD).id


async def test_slash_finds_incidents_first_and_enter_jumps_the_queue_switching_view(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """`/` searched contacts only, never incidents; a resolved one needs the resolved view."""
    shown = create(demo_server, "Quokka brigade harassment wave")
    hidden = create(demo_server, "Quokka doxxing thread, taken down")
    current = demo_server.store.get(hidden)
    with demo_server.store.write() as tx:
        tx.patch(
            hidden, IncidentPatch(status=Status.RESOLVED, reason="gone"), LEAD, current.version
        )
    masked = create(demo_server, "Quokka gore clip", sensitive=True)
    async with dashboard(options=VIEWS) as d:
        pane = d.app.query_one(StakeholderPane)
        await d.press("/", *"quokka")
        # Open before resolved (queue order); the masked title is not searched.
        assert [i.id for i in pane.found] == [shown, hidden]
        assert "Quokka gore" not in d.text()
        await d.press("enter", "enter")  # to the list, then the first hit
        await d.until(lambda: d.queue.selected_id == shown, "the cursor on the open hit")
        assert d.app.focused is d.queue
        assert not pane.searching
        await d.press("/", *"quokka doxx")
        assert [i.id for i in pane.found] == [hidden]
        await d.press("enter", "enter")
        await d.until(lambda: d.queue.selected_id == hidden, "the cursor on the resolved hit")
        assert d.app.dashboard.view is not None
        assert d.app.dashboard.view.name == "resolved"
        # The masked one is found by its id, shown masked.
        await d.press("/", *masked.lower())
        assert [i.id for i in pane.found] == [masked]
        assert "Quokka gore" not in d.text()


async def test_enter_on_a_contact_opens_its_card_escape_goes_back_and_copies(
    demo_server: RunningServer, dashboard: DashboardFactory
) -> None:
    """There was no contact detail: working hours, email, chat, tier were nowhere."""
    async with dashboard() as d:
        pane = d.app.query_one(StakeholderPane)
        await d.press("/", *"oncall legal id", "enter")
        assert pane.shown
        assert all(c.on_call for c in pane.shown)
        first = pane.shown[0]
        assert "ID" in first.regions
        assert first.team.value == "legal"
        await d.press("enter")
        assert pane.carded == first
        assert isinstance(d.app.focused, ContactCard)
        text = d.text()
        for part in (first.phone, first.email, first.chat, "WORKING WEEK", "tier", "on call now"):
            assert part in text, part
        await d.press("c")
        assert d.app.clipboard == first.phone
        await d.press("y")
        assert d.app.clipboard == first.chat
        await d.press("escape")  # back to the search's list, not the queue
        assert pane.carded is None
        assert pane.searching
        assert isinstance(d.app.focused, OptionList)
        await d.press("escape")
        assert not pane.searching
        assert d.app.focused is d.queue


def test_incident_words_all_match_and_an_exact_id_ranks_first() -> None:
    """Words, not fuzz: every word in the id, title or owner; the exact id first."""
    # Unit level: the matching rule itself (what the Pilot test above relies on).
    assert on_call_filter("On call legal") == ("legal", True)
    assert on_call_filter("legal jp") == ("legal jp", False)
    assert find_incidents("  ", []) == []


def test_card_shows_their_week_in_their_zone_and_in_yours() -> None:
    contact = Contact.model_validate(
        {
            "id": "legal-jp-9",
            "name": "Aoi Mori",
            "team": "legal",
            "timezone": "Asia/Tokyo",
            "phone": "+81 3 5550 0100",
            "email": "aoi@example.test",
            "chat": "@aoi",
            "on_call": True,
            "escalation_tier": 2,
            "regions": ["JP"],
        }
    )
    now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # Wednesday 10:00 JST, 09:00 SGT
    text = card_text(contact, now, "Asia/Singapore").plain
    assert "Mon–Fri  09:00–18:00 (08:00–17:00 SGT)" in text
    assert "working now, until 18:00 JST (in 8h)" in text
    assert "tier 2" in text
    assert "on call now" in text
    saturday = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    text = card_text(contact, saturday, "Asia/Singapore").plain
    assert "off hours; next starts Mon 09:00 JST (Mon 08:00 SGT), in 47h" in text
