"""The analytics endpoint on the real server: the database agrees with `milestones`."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from rr_tui.models import Severity, SlaState, Trends, milestones
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
        assert band.clocks_met is None  # the legal clocks seam: none recorded yet
    assert {b.severity for b in trends.severities} == set(Severity)
