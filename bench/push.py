"""Push (issue 14): intake-to-screen latency against 2 s polling, and 1,000 held requests.

Intake to screen: the server runs in its own process pinned to core 0 over a
store of 1,000 or 100,000 open incidents; the real dashboard (`RrApp`, headless
Pilot, with the adapter the `rr-tui` command builds) runs here on core 1. Each
sample POSTs a new SEV0 through the API (from this process, after a random
pause so samples do not fall in step with a poll) and times until the queue's
visible lines, rendered as the compositor renders them, show its id. The same
is measured with push off (the adapter without `hold`, polling every 2 s).

Held requests: one server process, 1,000 raw keep-alive connections (asyncio
streams, `bench.loadgen`'s way: httpx would cost the client more than the
server) each holding `GET /incidents?since=<head>&wait=...`. Measured: the
server's resident memory with and without them; its CPU while they are
renewed as the dashboard renews them (2.5 s waits), against the same clients
polling every 2 s; and, when one change commits, the time until the last of
the 1,000 has read its answer.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.figures import Figure
from bench.queue_paint import has_rows, repaint
from bench.serve import TOKEN, pin, pinned
from rr_tui.app import RrApp
from rr_tui.backends.rr_http import HOLD_SECONDS, RrHttpBackend
from rr_tui.options import DashboardOptions
from rr_tui.server import seed_data
from rr_tui.server.seed import seed_bulk
from rr_tui.server.store import Store
from rr_tui.widgets.queue import QueueView

SIZES = (1_000, 100_000)
PUSH_SAMPLES = 40
POLL_SAMPLES = 12
WARM_UP = 1
"""Samples taken first and not counted: the first intake after a full sync of 100,000
waited for the sync's own aftermath (1.2 s, against 0.13-0.18 s for the next four)."""
POLL_INTERVAL = 2.0
WAITERS = 1_000
IDLE_SECONDS = 10.0
SYNC_DEADLINE = 600.0
SAMPLE_DEADLINE = 30.0
"""A benchmark that cannot finish says so rather than running forever."""
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SEV0 = {
    "severity": "SEV0",
    "category": "violent_extremism",
    "region": "ID",
    "source": "trusted_flagger",
}
DUE = datetime(2001, 1, 1, tzinfo=UTC)
"""Intake is past due, each sample earlier than the last: the newest sorts to the top of the
queue, so its row is on screen when it arrives."""


def _intake(n: int, title: str) -> dict[str, str]:
    due = (DUE - timedelta(hours=n)).isoformat()
    return {"title": title, "due_at": due, **SEV0}


def _prepare(db: Path, count: int) -> None:
    store = Store.open(f"sqlite:///{db}", sqlite_sync="normal")
    store.replace_contacts(seed_data.demo_contacts())
    seed_bulk(store, count, random.Random(1))
    store.close()


@contextmanager
def _server(db: Path) -> Iterator[tuple[str, int]]:
    """The reference server over `db` in its own process on core 0: (API URL, pid).

    Started through `serve_main` below rather than `rr-tui serve`, to raise the
    connection cap above the 1,000 held requests (the default cap is 1,000).
    """
    command = [sys.executable, "-m", "bench.push", "--serve", str(db)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError("the bench server exited before printing its URL")
        pin(process.pid, 0)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(10)


def serve_main(db: str) -> None:
    """Serve `db` on a free loopback port with a cap of 1,200 connections; print the API URL."""
    import uvicorn

    from rr_tui.server.api import create_app
    from rr_tui.server.auth import demo_users
    from rr_tui.server.limits import ServerLimits
    from rr_tui.server.runner import bind, uvicorn_config

    store = Store.open(f"sqlite:///{db}", sqlite_sync="normal")
    users, _tokens = demo_users(TOKEN)
    limits = ServerLimits(max_connections=WAITERS + 200)
    app = create_app(store, users, limits=limits)
    sock = bind("127.0.0.1", 0)
    print(f"http://127.0.0.1:{sock.getsockname()[1]}/api/v1", flush=True)
    uvicorn.Server(uvicorn_config(app, limits)).run(sockets=[sock])


# --- intake to screen -------------------------------------------------------------


def _shown(app: RrApp, incident_id: str, title: str) -> bool:
    """Whether the queue's visible lines show the incident (cheap check first).

    Found by its title: the ID column is 8 cells, and from RR-100000 on an id
    is cut to its first 8 (`RR-10100` for RR-101001 to RR-101009).
    """
    if app.store.get(incident_id) is None:
        return False
    return has_rows(repaint(app.query_one(QueueView)), title)


async def _intake_to_screen(url: str, hold: float | None, samples: int) -> list[float]:
    """Seconds from POST to the row on the dashboard's screen, `samples` times (after
    `WARM_UP` more, not counted)."""
    backend = RrHttpBackend(url, TOKEN, timeout=60.0, hold=hold)
    options = DashboardOptions(title="bench", poll_interval=POLL_INTERVAL)
    app = RrApp(backend, options, rng=random.Random(3))
    rng = random.Random(11)
    latencies: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        deadline = time.monotonic() + SYNC_DEADLINE
        while not (app.first_poll.is_set() and app.poller.connection.behind == 0):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the dashboard did not sync in {SYNC_DEADLINE:g} s")
            await pilot.pause(0.05)
        async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=30) as intake:
            for n in range(WARM_UP + samples):
                await asyncio.sleep(rng.uniform(0.1, 0.6))
                started = time.perf_counter()
                title = f"bench sample {n:03d} pushed"
                response = await intake.post("/incidents", json=_intake(n, title))
                incident_id = response.json()["id"]
                while not _shown(app, incident_id, title):
                    if time.perf_counter() - started > SAMPLE_DEADLINE:
                        raise TimeoutError(f"{incident_id} not on screen in {SAMPLE_DEADLINE:g} s")
                    await asyncio.sleep(0.001)
                latencies.append(time.perf_counter() - started)
    return latencies[WARM_UP:]


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _latency_figures(size: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="rr-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        _prepare(db, size)
        with _server(db) as (url, _pid), pinned(1):
            push = asyncio.run(_intake_to_screen(url, HOLD_SECONDS, PUSH_SAMPLES))
            poll = asyncio.run(_intake_to_screen(url, None, POLL_SAMPLES))
    figures = []
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        pushed = round(_quantile(push, q) * 1000, 1)
        polled = round(_quantile(poll, q) * 1000, 1)
        base = f"intake_to_screen.{size}.poll_2s.{label}.ms"
        note = (
            f"POST to the row on the real dashboard's queue, {size:,} incidents in the store;"
            f" {len(push)} pushed, {len(poll)} polled samples after {WARM_UP} not counted"
        )
        target = "p50 < 100 ms" if label == "p50" else "p99 < 300 ms"
        figures.append(Figure(base, polled, "ms", note=f"polling every 2 s; {note}"))
        figures.append(
            Figure(
                f"intake_to_screen.{size}.push.{label}.ms",
                pushed,
                "ms",
                base,
                polled,
                f"target: {target}; {note}",
            )
        )
    return figures


# --- 1,000 held requests ------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return ticks / float(os.sysconf("SC_CLK_TCK"))


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return int(head[9:12]), body


def _get(netloc: str, target: str) -> bytes:
    lines = [f"GET {target} HTTP/1.1", f"Host: {netloc}", *(f"{k}: {v}" for k, v in AUTH.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _clients(url: str, pid: int) -> dict[str, float]:
    """Open `WAITERS` connections; measure memory, renewal CPU against polling, fan-out latency."""
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
    async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=30) as api:
        cursor = (await api.get("/incidents", params={"limit": 1})).json()["cursor"]
        while True:  # page to the head: only a current cursor is held
            page = (await api.get("/incidents", params={"since": cursor})).json()
            if page["cursor"] == cursor and not page["items"]:
                break
            cursor = page["cursor"]
        rss_before = _rss_mb(pid)
        Streams = list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]

        async def connect() -> Streams:
            # Fresh connections for each phase: one idle past the server's 5 s keep-alive
            # while the others finish would be closed under it.
            return [await asyncio.open_connection(host, port) for _ in range(WAITERS)]

        def close(streams: Streams) -> None:
            for _, writer in streams:
                writer.close()

        streams = await connect()
        out: dict[str, float] = {"rss_before": rss_before}

        async def renew(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ask: bytes, pause: float
        ) -> None:
            stop = time.monotonic() + IDLE_SECONDS
            while time.monotonic() < stop:
                writer.write(ask)
                await _answer(reader)
                if pause:
                    await asyncio.sleep(pause)

        # Idle, pushed: every client holds 2.5 s waits and renews at once, as the dashboard.
        held = _get(parts.netloc, f"{path}/incidents?since={cursor}&wait={HOLD_SECONDS:g}")
        spread = random.Random(5)
        cpu = _cpu_seconds(pid)
        await asyncio.gather(
            *(_staggered(renew(r, w, held, 0), spread.uniform(0, HOLD_SECONDS)) for r, w in streams)
        )
        out["cpu_push"] = (_cpu_seconds(pid) - cpu) / IDLE_SECONDS * 60
        close(streams)
        streams = await connect()
        # Idle, polled: every client asks every 2 s (no If-None-Match: the 200 empty page).
        polled = _get(parts.netloc, f"{path}/incidents?since={cursor}")
        cpu = _cpu_seconds(pid)
        await asyncio.gather(
            *(
                _staggered(renew(r, w, polled, POLL_INTERVAL), spread.uniform(0, POLL_INTERVAL))
                for r, w in streams
            )
        )
        out["cpu_poll"] = (_cpu_seconds(pid) - cpu) / IDLE_SECONDS * 60
        close(streams)
        streams = await connect()
        # Fan-out: all hold a long wait; one change commits; time to the last answer.
        long = _get(parts.netloc, f"{path}/incidents?since={cursor}&wait=10")
        for _, writer in streams:
            writer.write(long)
        await asyncio.sleep(1.5)  # let every request reach its wait
        out["rss_held"] = _rss_mb(pid)
        readers = [asyncio.create_task(_answer(r)) for r, _ in streams]
        cpu = _cpu_seconds(pid)
        started = time.perf_counter()
        done: list[float] = []
        for task in readers:
            task.add_done_callback(lambda _t: done.append(time.perf_counter()))
        await api.post("/incidents", json=_intake(0, "fan-out"))
        answers = await asyncio.gather(*readers)
        assert all(status == 200 and b"fan-out" in body for status, body in answers), "missed"
        out["fanout_cpu_ms"] = (_cpu_seconds(pid) - cpu) * 1000
        out["fanout_last_ms"] = (max(done) - started) * 1000
        out["fanout_p50_ms"] = (statistics.median(done) - started) * 1000
        close(streams)
    return out


async def _staggered(work: Coroutine[Any, Any, None], delay: float) -> None:
    await asyncio.sleep(delay)
    await work


def _held_figures() -> list[Figure]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, WAITERS + 500)), hard))
    with tempfile.TemporaryDirectory(prefix="rr-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        _prepare(db, 1_000)
        with _server(db) as (url, pid), pinned(1):
            out = asyncio.run(_clients(url, pid))
    note = f"{WAITERS:,} raw keep-alive connections to one server process (1,000 incidents)"
    per_conn = (out["rss_held"] - out["rss_before"]) * 1024 / WAITERS
    return [
        Figure("held.1000.rss_before.mb", round(out["rss_before"], 1), "MB", note=note),
        Figure(
            "held.1000.rss.mb",
            round(out["rss_held"], 1),
            "MB",
            "held.1000.rss_before.mb",
            round(out["rss_before"], 1),
            f"{per_conn:.0f} KB a held request; {note}",
        ),
        Figure(
            "held.1000.poll_2s.cpu_s_per_min",
            round(out["cpu_poll"], 2),
            "CPU-s/min",
            note=f"the same clients polling every 2 s (200, empty page); {note}",
        ),
        Figure(
            "held.1000.push.cpu_s_per_min",
            round(out["cpu_push"], 2),
            "CPU-s/min",
            "held.1000.poll_2s.cpu_s_per_min",
            round(out["cpu_poll"], 2),
            f"idle: each client holds {HOLD_SECONDS:g} s waits, renewed at once; {note}",
        ),
        Figure(
            "held.1000.fanout.p50.ms",
            round(out["fanout_p50_ms"], 1),
            "ms",
            note=f"POST sent to half the held requests answered; {note}",
        ),
        Figure(
            "held.1000.fanout.last.ms",
            round(out["fanout_last_ms"], 1),
            "ms",
            note=f"POST sent to the last of the held requests answered; {note}",
        ),
        Figure(
            "held.1000.fanout.server_cpu.ms",
            round(out["fanout_cpu_ms"], 1),
            "ms",
            note=f"server CPU for the POST and the 1,000 answers (load-independent); {note}",
        ),
    ]


def run() -> list[Figure]:
    """Intake-to-screen latency with push and with polling; the cost of 1,000 held requests."""
    figures: list[Figure] = []
    for size in SIZES:
        figures.extend(_latency_figures(size))
    figures.extend(_held_figures())
    return figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve_main(sys.argv[2])
    else:
        for figure in run():
            print(figure)
