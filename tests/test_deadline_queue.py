"""Legal clocks on the client side: the queue order counts them, the column shows them."""

from __future__ import annotations

from datetime import timedelta

from rr_tui.models import Severity
from rr_tui.present.columns import cell_text
from rr_tui.present.format import deadline
from rr_tui.sync.store import IncidentStore
from tests.test_store import T0, ids, make

LABELS = {severity: severity.value for severity in Severity}


def test_within_a_severity_band_a_sooner_legal_clock_beats_a_sooner_sla() -> None:
    store = IncidentStore()
    store.apply(
        [
            make(1, due_at=T0 + timedelta(hours=1)),
            make(2, due_at=T0 + timedelta(hours=3), deadline_at=T0 + timedelta(minutes=20)),
            make(3, due_at=T0 + timedelta(hours=2), deadline_at=T0 + timedelta(hours=5)),
            make(4, severity="SEV1", due_at=T0 + timedelta(hours=6)),  # severity still first
        ]
    )
    assert ids(store) == ["RR-4", "RR-2", "RR-1", "RR-3"]


def test_the_deadline_cell_counts_down_warns_when_near_and_marks_a_miss() -> None:
    clocked = make(1, deadline_at=T0 + timedelta(hours=3), deadline_rule="in-it-rules-order")
    assert deadline(make(2), T0) == ("—", "")
    assert deadline(clocked, T0) == ("3h", "")
    assert deadline(clocked, T0 + timedelta(hours=2, minutes=35)) == ("25m", "near")
    assert deadline(clocked, T0 + timedelta(hours=3, minutes=4)) == ("-4m!", "missed")
    assert cell_text("deadline", clocked, T0, LABELS) == "3h"
