"""Snapshots of single widgets on tiny purpose-built apps, as Textual's own snapshot tests do.

No server, no polling: the queue over an in-memory store with a frozen clock,
the status bar in each link state. A change to one widget shows here, small
and on its own, before it shows in the whole-dashboard snapshots.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.app import App, ComposeResult

from rr_tui.models import Incident, Severity, Source, Status
from rr_tui.options import DashboardOptions
from rr_tui.sync.connection import Connection, LinkState, Problem
from rr_tui.sync.store import IncidentStore, StoreChange
from rr_tui.widgets.queue import QueueView
from rr_tui.widgets.status import StatusBar, StatusInfo

NOW = datetime(2026, 11, 24, 6, 32, tzinfo=UTC)
SnapCompare = Callable[..., bool]


def incident(number: int, severity: Severity, status: Status, **fields: Any) -> Incident:
    """A fixed incident, created `number` hours before NOW."""
    created = NOW - timedelta(hours=number)
    data: dict[str, Any] = {
        "id": f"RR-{2000 + number}",
        "title": f"Incident number {number}",
        "severity": severity,
        "status": status,
        "category": "violent_extremism",
        "region": "TH",
        "source": Source.TRUSTED_FLAGGER,
        "created_at": created,
        "updated_at": created,
        "due_at": created + timedelta(hours=2),
        "version": 1,
    }
    data.update(fields)
    return Incident.model_validate(data)


class QueueApp(App[None]):
    """One queue over an in-memory store: a marked row, a pending one, a masked one."""

    def compose(self) -> ComposeResult:
        store = IncidentStore()
        store.apply(
            [
                incident(1, Severity.SEV0, Status.NEW, title="Live attack stream re-uploads"),
                incident(3, Severity.SEV1, Status.ESCALATED, assignee="mei.tan"),
                incident(0, Severity.SEV1, Status.NEW, sensitive=True, title="Graphic footage"),
                incident(5, Severity.SEV2, Status.ACKNOWLEDGED, region="ID"),
                incident(9, Severity.SEV4, Status.MITIGATED, category="misinformation"),
            ]
        )
        self.store = store
        yield QueueView(store, DashboardOptions(flash_seconds=0), lambda: NOW, id="queue")

    def on_mount(self) -> None:
        queue = self.query_one(QueueView)
        queue.marked = frozenset({"RR-2003"})
        queue.pending = frozenset({"RR-2005"})
        queue.store_changed(StoreChange(reset=True))
        queue.focus()


@pytest.mark.parametrize("size", [(80, 8), (130, 8)], ids=["80", "130"])
def test_queue_widget(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(QueueApp(), terminal_size=size, press=["down"])


LINKS = {
    "live": Connection(LinkState.LIVE, last_ok=NOW - timedelta(seconds=3)),
    "connecting": Connection(),
    "retrying": Connection(
        LinkState.RETRYING,
        last_ok=NOW - timedelta(seconds=40),
        failing_since=NOW - timedelta(seconds=8),
        retry_at=NOW + timedelta(seconds=4),
        error="connection refused",
        failures=2,
        problem=Problem.NO_SERVER,
    ),
    "offline": Connection(
        LinkState.OFFLINE,
        last_ok=NOW - timedelta(minutes=3),
        failing_since=NOW - timedelta(minutes=2),
        retry_at=NOW + timedelta(seconds=25),
        error="no route to host",
        failures=9,
        problem=Problem.NO_SERVER,
    ),
    "stalled": Connection(
        LinkState.STALLED,
        last_ok=NOW - timedelta(seconds=9),
        waiting_since=NOW - timedelta(seconds=6),
        error="rr has not answered for 4s",
    ),
    "failing": Connection(
        LinkState.RETRYING,
        last_ok=NOW - timedelta(seconds=20),
        failing_since=NOW - timedelta(seconds=4),
        retry_at=NOW + timedelta(seconds=2),
        error="rr failed (503)",
        failures=2,
        problem=Problem.SERVER_FAILING,
    ),
    "not-rr": Connection(
        LinkState.RETRYING,
        failing_since=NOW - timedelta(seconds=2),
        retry_at=NOW + timedelta(seconds=2),
        error="rr sent a malformed answer: not JSON",
        failures=1,
        problem=Problem.NOT_RR,
    ),
    **{
        name: Connection(
            LinkState.REFUSED,
            failing_since=NOW - timedelta(minutes=1),
            retry_at=NOW + timedelta(minutes=4),
            error=error,
            failures=1,
            problem=problem,
        )
        for name, problem, error in (
            ("refused", Problem.TOKEN_REFUSED, "token refused: that token is not valid here"),
            ("not-permitted", Problem.NOT_PERMITTED, "not for your role"),
            ("no-token", Problem.NO_TOKEN, "no token configured"),
        )
    },
}


class StatusApp(App[None]):
    """One status bar per link state, stacked, with waiting actions, marks and conflicts."""

    CSS = "StatusBar { margin-bottom: 1; }"

    def compose(self) -> ComposeResult:
        for name in LINKS:
            yield StatusBar(id=name)

    def on_mount(self) -> None:
        counts = {Severity.SEV0: 1, Severity.SEV1: 4, Severity.SEV2: 9}
        labels = {severity: severity.value for severity in Severity}
        for name, connection in LINKS.items():
            self.query_one(f"#{name}", StatusBar).status = StatusInfo(
                title="RR · APAC shift",
                now=NOW,
                connection=connection,
                counts=counts,
                labels=labels,
                zones=("Asia/Singapore",),
                view="apac" if name == "live" else "",
                waiting=2 if name != "live" else 0,
                marked=3 if name == "live" else 0,
                conflicts=1 if name == "retrying" else 0,
                backend="rr http://127.0.0.1:8000",
            )


@pytest.mark.parametrize("size", [(80, 20), (160, 20)], ids=["80", "160"])
def test_status_bar_in_each_link_state(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(StatusApp(), terminal_size=size)
