"""`rr-tui serve --workers N` and the app factory (issue 13, item 4).

A real `serve` with two worker processes on one port and one database: both
workers run, what one process wrote every connection reads, and SIGTERM stops
the whole cleanly. The factory itself builds a server from the environment
alone, as `uvicorn --factory rr_tui.server.factory:app_from_env` would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from pathlib import Path

import httpx

from rr_tui.models import API_PREFIX
from rr_tui.server.database import ENV_URL
from rr_tui.server.factory import ENV_USERS_FILE, app_from_env
from rr_tui.server.runner import ServerThread
from tests.test_cli import serve
from tests.test_stored_values import INTAKE

TOKEN = "fixed-lead-token-for-workers"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def test_two_workers_serve_one_database_and_stop_together(tmp_path: Path) -> None:
    db = tmp_path / "workers.db"
    with serve("--db", str(db), "--workers", "2", "--token", TOKEN) as (process, url, banner):
        assert "serving from 2 processes" in "".join(banner)
        workers = _children(process.pid)
        assert len(workers) == 2
        headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "w1"}
        created = httpx.post(f"{url}{API_PREFIX}/incidents", json=INTAKE, headers=headers)
        assert created.status_code == 201, created.text
        # Fresh connections land on either process: every one reads the new incident.
        for _ in range(6):
            with httpx.Client(base_url=url + API_PREFIX, headers=headers) as client:
                page = client.get("/incidents").json()
                assert [item["id"] for item in page["items"]] == [created.json()["id"]]
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        assert all(not Path(f"/proc/{pid}").exists() for pid in workers)


def _established_on(pid: int, port: int) -> int:
    """Connections to `port` that process `pid` holds (its socket fds, in /proc/net/tcp)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            link = os.readlink(fd)
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    held = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == "01" and fields[9] in inodes:  # ESTABLISHED
            held += 1
    return held


def test_two_workers_share_the_connections(tmp_path: Path) -> None:
    """Each worker listens on its own SO_REUSEPORT socket. On one inherited socket the first
    process to wake took every connection waiting: of 16 opened at once (as the bench's load
    generator and a proxy's pool open them), 16 on one worker and none on the other."""
    db = tmp_path / "spread.db"
    with serve("--db", str(db), "--workers", "2", "--token", TOKEN) as (process, url, _banner):
        port = int(url.rsplit(":", 1)[1])
        # Connected before any is served: they wait together for the workers to accept them.
        conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        try:
            ask = f"GET {API_PREFIX}/healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
            for conn in conns:
                conn.sendall(ask)
            for conn in conns:
                assert conn.recv(64).startswith(b"HTTP/1.1 200")
            held = [_established_on(pid, port) for pid in _children(process.pid)]
        finally:
            for conn in conns:
                conn.close()
    assert sum(held) == 16
    assert min(held) > 0, held


def test_the_factory_builds_the_server_from_the_environment(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    users.write_text(f'[[users]]\nname = "mei.tan"\nrole = "lead"\ntoken = "{TOKEN}"\n')
    env = {ENV_URL: f"sqlite:///{tmp_path / 'factory.db'}", ENV_USERS_FILE: str(users)}
    with ServerThread(app_from_env(env)) as thread:
        me = httpx.get(f"{thread.url}{API_PREFIX}/me", headers={"Authorization": f"Bearer {TOKEN}"})
        assert me.status_code == 200, me.text
        assert me.json()["name"] == "mei.tan"
