"""`/analytics/trends`: the figures of the trends screen and `rr-tui trends`, from the database."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from rr_tui.models import Bucket, Grouping, Trends
from rr_tui.server import analytics
from rr_tui.server.routes.dependencies import CurrentStore, CurrentUser
from rr_tui.server.routes.responses import ERRORS, json_response

router = APIRouter(tags=["analytics"])
"""The analytics routes."""


@router.get("/analytics/trends", response_model=Trends, responses=ERRORS)
async def get_trends(
    store: CurrentStore,
    _user: CurrentUser,
    hours: Annotated[int, Query(ge=1, le=24 * 90)] = 24 * 7,
    bucket: Bucket = Bucket.DAY,
    group: Grouping = Grouping.REGION,
) -> Response:
    """Incidents opened per bucket by group, and per severity the median times to acknowledge
    and mitigate and SLA attainment, over the last `hours`."""
    since, until = analytics.window(store.clock(), hours)

    def read() -> Trends:
        with store.engine.connect() as conn, conn.begin():
            return analytics.trends(conn, since=since, until=until, bucket=bucket, group=group)

    return json_response(await run_in_threadpool(read))
