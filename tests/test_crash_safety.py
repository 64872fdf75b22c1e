"""Crash safety (issue 7, part 4): kill -9 the server during writes, restart it, lose nothing.

The server is `rr-tui serve` in its own process (SQLite in WAL mode,
synchronous=FULL); the dashboard is a real headless RrApp in another process
(tests/test_triage_faults.py's driver) sending a burst of notes. The server is
killed mid-burst and started again on the same port and database.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

from rr_tui.server.runner import bind
from rr_tui.sync.outbox import ActionState, Outbox
from tests.test_triage_faults import REPO, run_driver

TOKEN = "crash-test-lead-token-01"


def start_server(db: Path, port: int) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "rr_tui", "serve", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--token", TOKEN, "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if re.search(r" at http://", line):
            break
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/healthz").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("the server did not come up")


def notes_on_server(port: int, ids: list[str]) -> Counter[str]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    seen: Counter[str] = Counter()
    for incident_id in ids:
        url = f"http://127.0.0.1:{port}/api/v1/incidents/{incident_id}/timeline"
        for event in httpx.get(url, headers=headers).json()["items"]:
            if event["message"].startswith("crash-note"):
                seen[event["message"]] += 1
    return seen


def test_kill_9_of_the_server_mid_write_loses_nothing_confirmed(tmp_path: Path) -> None:
    with bind() as probe:
        port = probe.getsockname()[1]
    db = tmp_path / "server.db"
    server = start_server(db, port)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    ids = [
        httpx.post(
            f"http://127.0.0.1:{port}/api/v1/incidents",
            json={
                "title": f"crash case {n}",
                "severity": "SEV2",
                "category": "harassment",
                "region": "TH",
                "source": "user_report",
            },
            headers=headers,
        ).json()["id"]
        for n in range(4)
    ]
    count = 120
    driver = run_driver(f"http://127.0.0.1:{port}", tmp_path / "outbox.db", count, ids, TOKEN)
    try:
        assert driver.stdout is not None
        assert driver.stdout.readline().strip() == "ENQUEUED"
        deadline = time.monotonic() + 60
        while sum(notes_on_server(port, ids).values()) < 20:
            assert time.monotonic() < deadline, "the dashboard sent nothing"
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        # What the server had answered 2xx for, as the dashboard's outbox recorded it.
        outbox = Outbox(tmp_path / "outbox.db")
        confirmed_before_kill = (
            {
                str(action.payload["text"])
                for action in outbox.in_batch(outbox.waiting()[0].batch or "")
                if action.state is ActionState.DONE
            }
            if outbox.waiting()
            else set()
        )
        outbox.close()
        time.sleep(0.5)  # the dashboard keeps trying against nothing
        server = start_server(db, port)
        out, _ = driver.communicate(timeout=90)
        assert "DRAINED" in out
        final = notes_on_server(port, ids)
    finally:
        driver.kill()
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    print(
        f"\nissued {count}, on disk after the kill {len(confirmed_before_kill)}, final {len(final)}"
    )
    assert confirmed_before_kill, "the kill came before anything was confirmed"
    assert confirmed_before_kill <= set(final), "a confirmed action was lost with the server"
    assert set(final) == {f"crash-note {n}" for n in range(count)}, "an action was lost"
    assert set(final.values()) == {1}, "an action was applied twice"
