"""Snapshots of a contact's card (issue 12), at 80x24 and 160x48, frozen clock, demo data."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import FakeClock, RunningServer, make_app
from tests.test_snapshots import SIZES, SnapCompare, settled


@pytest.mark.parametrize("size", SIZES)
def test_contact_card(
    snap_compare: SnapCompare, demo_server: RunningServer, clock: FakeClock, size: Any
) -> None:
    app = make_app(demo_server.url, clock)
    keys = ("/", *"oncall legal id", "enter", "enter")
    assert snap_compare(app, terminal_size=size, run_before=settled(*keys))
