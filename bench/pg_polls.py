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
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
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


ROUNDS = 5
"""Rounds over the three servers, interleaved, so a burst of load elsewhere on the
machine falls on every case alike. Each rate is its median round; each ratio the
median of the rounds' own ratios (cases measured seconds apart, under the same
load), with the lowest and highest round in its note."""


@contextmanager
def _server(url: str, *flags: str) -> Iterator[tuple[str, dict[str, str]]]:
    """`rr-tui serve FLAGS` over the seeded store at `url`: its no-change poll and headers."""
    head = _prepare(url)
    # The URL through the environment, as a team would give it (no password in `ps`).
    with served(None, *flags, core=None, env={ENV_URL: url}) as api:
        headers = {"Authorization": f"Bearer {TOKEN}", "If-None-Match": f'"{head}"'}
        target = f"{api}/incidents?since={head}"
        loadgen.run(target, headers, seconds=1.0, connections=CONNECTIONS)  # warm up
        yield target, headers


def _measure(
    cases: dict[str, tuple[str, dict[str, str]]], seconds: float
) -> dict[str, list[float]]:
    """Each case's rate in every round, in order."""
    rounds: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, (target, headers) in cases.items():
            load = loadgen.run(target, headers, seconds=seconds, connections=CONNECTIONS)
            assert set(load.statuses) == {304}, (name, load.statuses)
            rounds[name].append(load.rps)
            print(f"  {name}: {load.rps:,.0f} req/s, load generator at {load.client_cpu:.0%} CPU")
    return rounds


def _ratio(
    name: str, rounds: dict[str, list[float]], case: str, base: str, base_name: str, note: str
) -> Figure:
    """The median of the rounds' ratios of `case` to `base`, the spread in the note."""
    ratios = sorted(a / b for a, b in zip(rounds[case], rounds[base], strict=True))
    median = statistics.median(ratios)
    spread = f"rounds {ratios[0]:.2f}-{ratios[-1]:.2f}x"
    return Figure(name, round(median, 2), "x", note=f"to {base_name}, {spread}; {note}")


def run(seconds: float = 2.0) -> list[Figure]:
    """SQLite 1 process, PostgreSQL 1 and 2 processes; ratios to SQLite and to PG 1."""
    note = (
        f"If-None-Match 304; {CONNECTIONS} keep-alive connections; nothing pinned; "
        f"median of {ROUNDS} interleaved {seconds:g} s rounds"
    )
    pg_url = os.environ.get("RR_TEST_STORE_URL", "")
    with tempfile.TemporaryDirectory(prefix="rr-bench-") as tmp, ExitStack() as stack:
        cases = {
            "sqlite 1 process": stack.enter_context(_server(f"sqlite:///{Path(tmp) / 'p.db'}"))
        }
        if pg_url.startswith("postgresql"):
            one, two = (stack.enter_context(_pg_schema(pg_url)) for _ in range(2))
            cases["postgresql 1 process"] = stack.enter_context(_server(one))
            cases["postgresql 2 processes"] = stack.enter_context(_server(two, "--workers", "2"))
        else:
            print("  no PostgreSQL (RR_TEST_STORE_URL): its figures are left out")
        rounds = _measure(cases, seconds)
    rps = {name: round(statistics.median(values), 1) for name, values in rounds.items()}
    sqlite = rps["sqlite 1 process"]
    figures = [Figure("polls.sqlite.1proc.rps", sqlite, "req/s", note=note)]
    if len(rps) == 1:
        return figures
    one_rps, two_rps = (rps[f"postgresql {n}"] for n in ("1 process", "2 processes"))
    return [
        *figures,
        Figure("polls.pg.1proc.rps", one_rps, "req/s", "polls.sqlite.1proc.rps", sqlite, note),
        Figure("polls.pg.2proc.rps", two_rps, "req/s", "polls.pg.1proc.rps", one_rps, note),
        _ratio(
            "polls.pg.1proc.vs_sqlite",
            rounds,
            "postgresql 1 process",
            "sqlite 1 process",
            "polls.sqlite.1proc.rps",
            f"target >= 0.8x; {note}",
        ),
        _ratio(
            "polls.pg.2proc.vs_1proc",
            rounds,
            "postgresql 2 processes",
            "postgresql 1 process",
            "polls.pg.1proc.rps",
            f"target >= 1.6x; {note}",
        ),
    ]
