"""The reference server as the benchmarks run it: `rr-tui serve` in its own process, on one core."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

TOKEN = "bench-token-0123456789"


def pin(pid: int, core: int) -> None:
    """Keep a process (0: this one) on one core, so server and client do not share one."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(pid, {core})


@contextmanager
def pinned(core: int) -> Iterator[None]:
    """This process on one core for the block, then back on the cores it had."""
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    pin(0, core)
    try:
        yield
    finally:
        if affinity is not None:
            os.sched_setaffinity(0, affinity)


@contextmanager
def served(
    db: Path | str | None, *extra: str, core: int | None = 0, env: dict[str, str] | None = None
) -> Iterator[str]:
    """`rr-tui serve` over `db` (file or URL; None: `RR_DB_URL`) on a free port; yields its URL.

    Pinned to `core` (None: left to the scheduler, as a server with several
    processes must be); `extra` are more `serve` flags, `env` more environment.
    """
    command = [sys.executable, "-m", "rr_tui", "serve", "--port", "0"]
    if db is not None:
        command += ["--db", str(db)]
    server = subprocess.Popen(
        [*command, "--quiet", "--token", TOKEN, *extra],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert server.stdout is not None
        url = ""
        while not url:
            line = server.stdout.readline()
            if not line:
                raise RuntimeError("rr-tui serve exited before printing its URL")
            if " at http://" in line:
                url = line.split(" at ", 1)[1].split()[0]
        if core is not None:
            pin(server.pid, core)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(10)
