"""End to end in a real terminal: `rr-tui demo` under tmux, as an analyst would run it."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is installed by `make test`"
)

ID = re.compile(r"RR-\d+")


class Tmux:
    """One detached tmux session running a command."""

    def __init__(self, command: str, width: int, height: int) -> None:
        self.name = f"rr-e2e-{uuid.uuid4().hex[:8]}"
        size = ["-x", str(width), "-y", str(height)]
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, *size, command], check=True)

    def screen(self) -> list[str]:
        """The visible lines."""
        out = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
            check=False,
        )
        return out.stdout.splitlines()

    def keys(self, *keys: str) -> None:
        """Type keys, one at a time (tmux would send `Escape q` as Alt+q)."""
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.15)

    def wait_for(self, check: Callable[[list[str]], bool], timeout: float = 30.0) -> list[str]:
        """Capture until `check` passes; fail with the last screen if it never does."""
        deadline = time.monotonic() + timeout
        lines = self.screen()
        while not check(lines):
            if time.monotonic() > deadline:
                pytest.fail("screen never got there:\n" + "\n".join(lines))
            time.sleep(0.2)
            lines = self.screen()
        return lines

    def kill(self) -> None:
        """End the session, whatever state it is in."""
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False, capture_output=True)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Tmux]:
    """`rr-tui demo` in a 120x36 terminal, with a private home directory."""
    # COLUMNS/LINES from the test runner would override the terminal's own size.
    command = (
        "unset COLUMNS LINES; "
        f"RR_TUI_HOME={shlex.quote(str(tmp_path))} {shlex.quote(sys.executable)} -m rr_tui demo;"
        " echo rr-exit=$?; sleep 30"
    )
    session = Tmux(command, 120, 36)
    yield session
    session.kill()


def queue_ids(lines: list[str]) -> list[str]:
    """Ids of the queue rows, top to bottom (the queue is the left part of each line)."""
    ids = []
    for line in lines[2:]:
        found = ID.search(line[:20])
        if found:
            ids.append(found.group())
    return ids


def detail_id(lines: list[str]) -> str | None:
    """The id in the detail header (the right part of the line under the status bar)."""
    found = ID.search(lines[1]) if len(lines) > 1 else None
    return found.group() if found else None


def test_demo_fills_moves_and_quits(demo: Tmux) -> None:
    lines = demo.wait_for(
        lambda s: len(queue_ids(s)) > 20 and "live" in s[0] and detail_id(s) is not None
    )
    assert "SEV0" in "\n".join(lines)
    first = detail_id(lines)
    assert first == queue_ids(lines)[0]

    demo.keys("j", "j", "j")
    lines = demo.wait_for(lambda s: detail_id(s) not in (None, first))
    assert detail_id(lines) in queue_ids(lines)[1:6]

    demo.keys("q")
    demo.wait_for(lambda s: any("rr-exit=0" in line for line in s))


def _processes_with(marker: str) -> list[int]:
    """Pids of the processes whose environment holds `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_dashboard_whose_terminal_went_away_exits(tmp_path: Path) -> None:
    """The window closed under `make demo`: make takes the hangup and waits for its child,
    so no SIGHUP reaches the dashboard. Textual's input thread then read end-of-file in a
    loop, and the orphan kept a core at 93 % until someone killed it. It now sees the
    terminal is gone at its next tick and exits (the outbox keeps whatever was queued)."""
    home = tmp_path / f"home-{uuid.uuid4().hex[:8]}"
    marker = f"RR_TUI_HOME={home}"
    dashboard = f"{marker} {shlex.quote(sys.executable)} -m rr_tui demo"
    # A parent that, like make, catches the hangup and waits for its child.
    parent = f"{shlex.quote(sys.executable)} -c " + shlex.quote(
        "import signal, subprocess, sys; signal.signal(signal.SIGHUP, lambda *a: None); "
        "subprocess.call(sys.argv[1], shell=True)"
    )
    session = Tmux(f"unset COLUMNS LINES; exec {parent} {shlex.quote(dashboard)}", 100, 30)
    try:
        session.wait_for(lambda lines: any("● live" in line for line in lines))
        pids = [
            pid
            for pid in _processes_with(marker)
            if "rr_tui" in Path(f"/proc/{pid}/cmdline").read_text()
        ]
        assert pids, "the dashboard's process was not found"
    finally:
        session.kill()
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in pids):
        if time.monotonic() > deadline:
            for pid in pids:
                subprocess.run(["kill", "-9", str(pid)], check=False)
            pytest.fail("the dashboard kept running with its terminal gone")
        time.sleep(0.2)
