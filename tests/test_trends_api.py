"""The analytics endpoint on the real server: the database agrees with `milestones`."""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from rr_tui.cli import main
from rr_tui.models import Bucket, Grouping, Severity, SlaState, Trends, milestones, trends_from
from rr_tui.server import rows, schema
from tests.conftest import ANALYST, FakeClock, RunningServer


def test_trends_in_the_database_match_the_milestones_of_every_incident(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    store = demo_server.store
    with store.engine.connect() as conn:
        everything = rows.incidents(rows.dicts(conn.execute(select(schema.incidents))))
    since = clock.now - timedelta(hours=48)
    shown = [i for i in everything if since <= i.created_at < clock.now]
    assert shown
    facts = {i.id: milestones(i, store.timeline(i.id), clock.now) for i in shown}

    with demo_server.client(ANALYST) as client:
        response = client.get("/analytics/trends", params={"hours": 48, "group": "category"})
        assert response.status_code == 200, response.text
        hourly = client.get("/analytics/trends", params={"hours": 48, "bucket": "hour"})
        assert client.get("/analytics/trends", params={"hours": 0}).status_code == 422
        assert client.get("/analytics/trends", params={"group": "owner"}).status_code == 422
    trends = Trends.model_validate_json(response.content)

    expected = Counter((i.created_at.strftime("%Y-%m-%d"), i.category) for i in shown)
    assert {(o.bucket, o.key): o.count for o in trends.opened} == expected
    hours = Counter((i.created_at.strftime("%Y-%m-%dT%H"), i.region) for i in shown)
    assert {
        (o.bucket, o.key): o.count for o in Trends.model_validate_json(hourly.content).opened
    } == hours

    for band in trends.severities:
        mine = [facts[i.id] for i in shown if i.severity is band.severity]
        assert band.opened == len(mine)
        assert band.sla_met == sum(f.sla is SlaState.MET for f in mine)
        assert band.sla_missed == sum(f.sla is SlaState.MISSED for f in mine)
        acks = [f.to_acknowledge.total_seconds() for f in mine if f.to_acknowledge is not None]
        mits = [f.to_mitigate.total_seconds() for f in mine if f.to_mitigate is not None]
        for got, values in ((band.median_ack_seconds, acks), (band.median_mitigate_seconds, mits)):
            if values:
                assert got is not None
                assert abs(got - statistics.median(values)) < 0.01
            else:
                assert got is None
        assert (band.clocks_met, band.clocks_missed) == (0, 0)  # the demo starts no clock
    assert {b.severity for b in trends.severities} == set(Severity)


def test_client_side_trends_agree_with_the_database(
    demo_server: RunningServer, clock: FakeClock
) -> None:
    store = demo_server.store
    with store.engine.connect() as conn:
        everything = rows.incidents(rows.dicts(conn.execute(select(schema.incidents))))
    timelines = {i.id: store.timeline(i.id) for i in everything}
    since = clock.now - timedelta(hours=48)
    with demo_server.client(ANALYST) as client:
        served = Trends.model_validate_json(
            client.get("/analytics/trends", params={"hours": 48, "group": "severity"}).content
        )
    mine = trends_from(
        everything,
        timelines,
        since=since,
        until=clock.now,
        bucket=Bucket.DAY,
        group=Grouping.SEVERITY,
    )
    assert mine.opened == served.opened
    for ours, theirs in zip(mine.severities, served.severities, strict=True):
        assert ours.model_dump(
            exclude={"median_ack_seconds", "median_mitigate_seconds"}
        ) == theirs.model_dump(exclude={"median_ack_seconds", "median_mitigate_seconds"})


def test_trends_command_writes_csv_and_json(
    demo_server: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--url", demo_server.url, "--token", ANALYST]
    assert main(["trends", "--hours", "2160", "--group", "category", *url]) == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert table[0] == ["figure", "bucket", "category", "value"]
    assert {row[0] for row in table[1:]} >= {
        "opened",
        "median_ack_seconds",
        "sla_met",
        "clocks_met",
    }
    assert main(["trends", "--format", "json", "--bucket", "hour", *url]) == 0
    assert json.loads(capsys.readouterr().out)["bucket"] == "hour"
