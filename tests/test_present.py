"""How times, zones and hours are written: never ambiguous, always in order (issue 12)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest

from rr_tui.models import WorkingHours
from rr_tui.present.format import clock, stamp, weekdays, working_hours, zone_label

NOW = datetime(2026, 11, 24, 6, 32, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Asia/Singapore", "14:32 SGT"),
        ("Asia/Jakarta", "13:32 WIB"),
        ("Asia/Tokyo", "15:32 JST"),
        ("Asia/Manila", "14:32 Manila"),  # tzdata says PST, as for Los Angeles
        ("America/Los_Angeles", "22:32 Los Angeles"),
        ("Asia/Taipei", "14:32 Taipei"),  # tzdata says CST, as for Chicago
        ("Asia/Kolkata", "12:02 Kolkata"),  # IST is also Dublin's summer time
        ("Asia/Dhaka", "12:32 UTC+6"),  # tzdata has only "+06"
        ("Asia/Kathmandu", "12:17 UTC+5:45"),
    ],
)
def test_every_zone_is_named_unambiguously(zone: str, shown: str) -> None:
    assert clock(NOW, zone) == shown


def test_no_two_zones_share_a_label() -> None:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    labels: dict[str, set[str]] = {}
    for zone in zones:
        offset = NOW.astimezone(ZoneInfo(zone)).utcoffset()
        labels.setdefault(zone_label(NOW, zone), set()).add(str(offset))
    shared = {label: offsets for label, offsets in labels.items() if len(offsets) > 1}
    assert not shared, shared


def test_timeline_stamps_carry_the_date_unless_today() -> None:
    assert stamp(NOW, "Asia/Singapore", NOW) == "14:32"
    assert stamp(datetime(2026, 11, 22, 5, 0, tzinfo=UTC), "Asia/Singapore", NOW) == "Nov 22 13:00"
    # 17:00 UTC on the 23rd is already 01:00 on the 24th in Singapore: today, no date.
    assert stamp(datetime(2026, 11, 23, 17, 0, tzinfo=UTC), "Asia/Singapore", NOW) == "01:00"


def test_working_hours_in_their_zone_and_in_yours() -> None:
    office = WorkingHours()
    assert working_hours(office, "Asia/Jakarta", NOW, "Asia/Singapore") == (
        "09:00–18:00 (10:00–19:00 SGT)"
    )
    assert working_hours(office, "Asia/Manila", NOW, "Asia/Singapore") == "09:00–18:00"
    night = WorkingHours(start=time(22, 0), end=time(6, 0))
    assert working_hours(night, "Asia/Tokyo", NOW, "Asia/Singapore") == (
        "22:00–06:00 (21:00–05:00 SGT)"
    )
    assert weekdays([0, 1, 2, 3, 4]) == "Mon–Fri"
    assert weekdays([0, 2, 4]) == "Mon, Wed, Fri"


def test_the_log_says_nothing_per_poll(tmp_path: Path) -> None:
    """httpx wrote one INFO line per request (per poll, every 2 s) to rr-tui.log."""
    import logging

    import httpx

    from rr_tui.logs import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers.clear()
    try:
        log = tmp_path / "rr-tui.log"
        configure_logging(log)
        transport = httpx.MockTransport(lambda request: httpx.Response(304))
        with httpx.Client(transport=transport) as client:
            client.get("http://127.0.0.1:9/api/v1/incidents")
        for handler in root.handlers:
            handler.flush()
        assert "HTTP Request" not in log.read_text()
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = saved
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.NOTSET)


@pytest.mark.parametrize(
    "seconds",
    [0, 30, 59.5, 60, 61, 90, 119.2, 150, 3540, 3599, 3600, 3650, 7190, 172_799, 172_800, 200_000],
)
def test_steady_is_a_time_the_span_surely_reads_the_same_either_way(seconds: float) -> None:
    """`steady(d)`: for that long `span` of d moving either way with the clock does not change
    (the queue's tick skips the rows whose texts cannot have moved)."""
    from datetime import timedelta

    from rr_tui.present.format import span, steady

    for sign in (1, -1):
        delta = timedelta(seconds=sign * seconds)
        still = steady(delta)
        assert still >= 0
        if abs(seconds) < 60:
            assert still == 0
        shown = span(delta)
        for step in range(0, int(still * 10) + 1):
            moved = timedelta(seconds=step / 10)
            assert span(delta + moved) == shown, (delta, moved)
            assert span(delta - moved) == shown, (delta, moved)
    # Not uselessly small: a delta in the middle of a minute stands for about half of one.
    assert steady(timedelta(seconds=90)) >= 28
