"""`rr-tui serve --workers N` and the app factory (issue 13, item 4).

A real `serve` with two worker processes on one port and one database: both
workers run, what one process wrote every connection reads, and SIGTERM stops
the whole cleanly. The factory itself builds a server from the environment
alone, as `uvicorn --factory rr_tui.server.factory:app_from_env` would.
"""

from __future__ import annotations

import signal
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


def test_the_factory_builds_the_server_from_the_environment(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    users.write_text(f'[[users]]\nname = "mei.tan"\nrole = "lead"\ntoken = "{TOKEN}"\n')
    env = {ENV_URL: f"sqlite:///{tmp_path / 'factory.db'}", ENV_USERS_FILE: str(users)}
    with ServerThread(app_from_env(env)) as thread:
        me = httpx.get(f"{thread.url}{API_PREFIX}/me", headers={"Authorization": f"Bearer {TOKEN}"})
        assert me.status_code == 200, me.text
        assert me.json()["name"] == "mei.tan"
