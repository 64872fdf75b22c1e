"""No-change polls per second on SQLite and PostgreSQL, one and two server processes.

Three servers over one small store, measured one after the other in this run:
SQLite with one process (the baseline), PostgreSQL with one, PostgreSQL with
two (`serve --workers 2`). Nothing is pinned: PostgreSQL's own backends and two
workers need the cores as much as the server did, so every case runs under the
same scheduler, with the load generator in this process. The PostgreSQL is the
test cluster (`scripts/pg.sh`, `RR_TEST_STORE_URL`; `make bench` starts it);
without it the PostgreSQL figures are left out and say so.

Targets (issue 13): PostgreSQL 1 process at least 0.8x SQLite; 2 processes at
least 1.6x one. On 2 cores shared with PostgreSQL and the load generator the
second target measures the machine as much as the server: see BENCHMARKS.md.
"""

from __future__ import annotations

import os
import random
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bench import loadgen
from bench.figures import Figure
from bench.serve import TOKEN, served
from rr_tui.server.database import ENV_URL
from rr_tui.server.seed import seed_bulk
from rr_tui.server.store import Store

STORE_SIZE = 500
CONNECTIONS = 16
"""Keep-alive connections of the load generator: enough to keep two processes busy."""


@contextmanager
def _pg_schema(url: str) -> Iterator[str]:
    """A fresh schema on the PostgreSQL at `url`, first on the search path; dropped after."""
    parsed = make_url(url)
    name = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(parsed)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {name}"))
        yield parsed.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
            hide_password=False
        )
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    finally:
        admin.dispose()


def _prepare(url: str) -> str:
    """Seed the store; returns the current cursor."""
    store = Store.open(url, sqlite_sync="normal")
    try:
        seed_bulk(store, STORE_SIZE, random.Random(1))
        return store.head().encode()
    finally:
        store.close()


def _polls(url: str, *flags: str, seconds: float) -> float:
    """No-change 304 polls per second of `rr-tui serve FLAGS` over the store at `url`."""
    head = _prepare(url)
    # The URL through the environment, as a team would give it (no password in `ps`).
    with served(None, *flags, core=None, env={ENV_URL: url}) as api:
        target = f"{api}/incidents?since={head}"
        headers = {"Authorization": f"Bearer {TOKEN}", "If-None-Match": f'"{head}"'}
        loadgen.run(target, headers, seconds=1.0, connections=CONNECTIONS)  # warm up
        load = loadgen.run(target, headers, seconds=seconds, connections=CONNECTIONS)
        assert set(load.statuses) == {304}, load.statuses
        shown = " ".join(flags) or "1 process"
        print(f"  {shown}: {load.rps:,.0f} req/s, load generator at {load.client_cpu:.0%} CPU")
        return load.rps


def run(seconds: float = 4.0) -> list[Figure]:
    """SQLite 1 process, PostgreSQL 1 and 2 processes; ratios to SQLite and to PG 1."""
    note = f"If-None-Match 304; {CONNECTIONS} keep-alive connections; nothing pinned"
    with tempfile.TemporaryDirectory(prefix="rr-bench-") as tmp:
        print("  sqlite:")
        sqlite = _polls(f"sqlite:///{Path(tmp) / 'polls.db'}", seconds=seconds)
    figures = [Figure("polls.sqlite.1proc.rps", round(sqlite, 1), "req/s", note=note)]
    pg_url = os.environ.get("RR_TEST_STORE_URL", "")
    if not pg_url.startswith("postgresql"):
        print("  no PostgreSQL (RR_TEST_STORE_URL): its figures are left out")
        return figures
    print("  postgresql:")
    with _pg_schema(pg_url) as url:
        one = _polls(url, seconds=seconds)
    with _pg_schema(pg_url) as url:
        two = _polls(url, "--workers", "2", seconds=seconds)
    return [
        *figures,
        Figure(
            "polls.pg.1proc.rps",
            round(one, 1),
            "req/s",
            "polls.sqlite.1proc.rps",
            round(sqlite, 1),
            f"target >= 0.8x; {note}",
        ),
        Figure(
            "polls.pg.2proc.rps",
            round(two, 1),
            "req/s",
            "polls.pg.1proc.rps",
            round(one, 1),
            f"target >= 1.6x; {note}",
        ),
    ]
