"""Idle cost of the real dashboard in a real terminal: CPU-seconds a minute and resident memory.

`rr-tui serve` (no traffic) pinned to core 0; the dashboard and, in the same
window, a bare Textual app that updates a clock every second (the floor), each
a real process in its own tmux pane (so rendering and terminal output are
real), both pinned to core 1. CPU time is read from /proc/PID/stat over the
same window. Memory: the dashboard holding 100,000 incidents (a full sync
from the server), resident set from /proc/PID/status once the status bar
counts them all.

Seeding 100,000 incidents through the server's store takes minutes on this
machine, so the database is built once and kept in the temp directory.
"""

from __future__ import annotations

import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.figures import Figure
from bench.serve import TOKEN, pin, served
from rr_tui.backends.rr_http import PUSH_HEADER
from rr_tui.server import seed_data
from rr_tui.server.seed import seed_bulk, seed_demo
from rr_tui.server.store import Store

WINDOW = float(os.environ.get("RR_BENCH_IDLE_SECONDS", "60"))
"""Seconds of idle measured (a minute by default; the figure is per minute either way)."""
WARM_UP = 5.0
"""Seconds after the first live frame before measuring: imports, first sync, caches."""
BIG = 100_000
CACHE = Path(tempfile.gettempdir()) / "rr-bench-cache"


class Pane:
    """One detached tmux session running one command, replaced by `exec`, so its pid is ours."""

    def __init__(self, command: str, width: int = 160, height: int = 48) -> None:
        self.name = f"rr-bench-{uuid.uuid4().hex[:8]}"
        size = ["-x", str(width), "-y", str(height)]
        # COLUMNS/LINES from the calling shell would override the pane's own size.
        script = f"unset COLUMNS LINES; exec {command}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, *size, script], check=True)
        out = subprocess.run(
            ["tmux", "display-message", "-p", "-t", self.name, "#{pane_pid}"],
            capture_output=True,
            text=True,
            check=True,
        )
        self.pid = int(out.stdout.strip())

    def screen(self) -> str:
        """The visible text."""
        out = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
            check=False,
        )
        return out.stdout

    def wait_for(self, check: Callable[[str], bool], timeout: float) -> None:
        """Capture until `check` passes; fail with the last screen if it never does."""
        deadline = time.monotonic() + timeout
        while not check(self.screen()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} never got there:\n{self.screen()}")
            time.sleep(0.2)

    def kill(self) -> None:
        """End the session."""
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False, capture_output=True)


def cpu_seconds(pid: int) -> float:
    """CPU time the process's threads have run so far, to the nanosecond.

    From each thread's `/proc/PID/task/TID/schedstat` (time on a CPU, in ns), not
    `utime + stime` of `/proc/PID/stat`: those are counted in whole kernel ticks,
    charged to whoever is running when a tick lands, and an idle dashboard runs in
    bursts of a few milliseconds a second; the same 20 s read 0.42 CPU-s/min by
    ticks against 0.15 by `perf stat` task-clock. Falls back to ticks without schedstat.
    """
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return sum(int((task / "schedstat").read_text().split()[0]) for task in tasks) / 1e9
    except (OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        # After the command name: state is field 3, utime 14 and stime 15 (1-based).
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mb(pid: int, key: str = "VmRSS") -> float:
    """Resident memory (or its peak, `VmHWM`) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} for {pid}")


def dashboard(url: str, home: Path, module: str = "rr_tui") -> str:
    """The shell command of the real dashboard on `url` (`module`: run through a wrapper)."""
    python = shlex.quote(sys.executable)
    env = f"env RR_TUI_HOME={shlex.quote(str(home))} RR_TUI_TOKEN={TOKEN}"
    return f"{env} {python} -m {module} --url {shlex.quote(url)}"


def counted(screen: str) -> int:
    """The open incidents the status bar counts (`SEV0 4 · SEV1 17` or compact `SEV0 4 SEV1 17`)."""
    first = screen.splitlines()[0] if screen else ""
    return sum(int(count) for count in re.findall(r"SEV\d (\d+)", first))


def _demo_db(folder: Path) -> Path:
    db = folder / "demo.db"
    store = Store.open(f"sqlite:///{db}", sqlite_sync="normal")
    seed_demo(store, random.Random(2041))
    store.close()
    return db


def _big_db(folder: Path) -> Path:
    """A copy of the cached 100,000-incident database (built on the first run)."""
    CACHE.mkdir(exist_ok=True)
    cached = CACHE / f"bulk-{BIG}.db"
    if not cached.exists():
        print(f"  seeding {BIG:,} incidents once into {cached} (minutes) ...", flush=True)
        building = cached.with_suffix(".building")
        building.unlink(missing_ok=True)
        store = Store.open(f"sqlite:///{building}", sqlite_sync="normal")
        store.replace_contacts(seed_data.demo_contacts())
        seed_bulk(store, BIG, random.Random(1))
        store.close()
        building.rename(cached)
    db = folder / "big.db"
    shutil.copyfile(cached, db)
    return db


def _offers_push(url: str) -> bool:
    """Whether the server holds delta requests (what makes the dashboard ask for push)."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    answer = httpx.get(f"{url}/incidents", params={"limit": 1}, headers=auth)
    return PUSH_HEADER in answer.headers


def _idle_cpu(folder: Path) -> list[Figure]:
    with served(_demo_db(folder)) as url:
        if not _offers_push(url):
            raise RuntimeError("the server offers no push: the idle figure would not be a user's")
        # As a user gets it: the server pushes (held requests), the dashboard asks for it.
        board = Pane(dashboard(url, folder / "home"))
        # The same dashboard without push, polling once an hour: what the screen costs alone.
        quiet_command = dashboard(url, folder / "home-quiet", "bench.quiet_dashboard")
        quiet = Pane(quiet_command + " --poll-interval 3600")
        bare = Pane(f"{shlex.quote(sys.executable)} -m bench.bare_clock")
        panes = (board, quiet, bare)
        try:
            for pane in panes:
                pin(pane.pid, 1)
            board.wait_for(lambda text: "● live" in text, 60)
            quiet.wait_for(lambda text: "● live" in text, 60)
            bare.wait_for(lambda text: "bare clock" in text, 60)
            time.sleep(WARM_UP)
            start = [time.monotonic(), *(cpu_seconds(pane.pid) for pane in panes)]
            time.sleep(WINDOW)
            end = [time.monotonic(), *(cpu_seconds(pane.pid) for pane in panes)]
            board_rss = resident_mb(board.pid)
        finally:
            for pane in panes:
                pane.kill()
    minutes = (end[0] - start[0]) / 60
    used, unpolled, floor = ((end[i] - start[i]) / minutes for i in (1, 2, 3))
    window = f"{WINDOW:.0f} s window, same run"
    return [
        Figure("idle.bare_clock.cpu_s_per_min", floor, "CPU-s/min", note=window),
        Figure(
            "idle.dashboard.cpu_s_per_min",
            used,
            "CPU-s/min",
            "idle.bare_clock.cpu_s_per_min",
            floor,
            note=f"{window}; target ratio <= 1.5",
        ),
        Figure(
            "idle.dashboard.no_polls.cpu_s_per_min",
            unpolled,
            "CPU-s/min",
            "idle.bare_clock.cpu_s_per_min",
            floor,
            note=f"{window}; no push, --poll-interval 3600: the screen's own share",
        ),
        Figure("idle.dashboard.demo.rss_mb", board_rss, "MB", note="the demo data set"),
    ]


def _memory(folder: Path) -> list[Figure]:
    with served(_big_db(folder)) as url:
        board = Pane(dashboard(url, folder / "home-big"))
        try:
            pin(board.pid, 1)
            board.wait_for(lambda text: counted(text) == BIG, 300)
            time.sleep(WARM_UP)
            rss = resident_mb(board.pid)
            peak = resident_mb(board.pid, "VmHWM")
        finally:
            board.kill()
    return [
        Figure(f"idle.dashboard.{BIG}.rss_mb", rss, "MB", note="target < 150 MB"),
        Figure(f"idle.dashboard.{BIG}.peak_rss_mb", peak, "MB", note="VmHWM, the full sync"),
    ]


def run() -> list[Figure]:
    """Idle CPU against the bare clock app, and memory with 100,000 incidents."""
    if shutil.which("tmux") is None:
        raise RuntimeError("the idle benchmark needs tmux (make tools installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        return _idle_cpu(folder) + _memory(folder)
