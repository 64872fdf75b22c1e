"""`rr-tui serve` as a user runs it: a real process, a real port, real HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from rr_tui.cli import main
from rr_tui.server.runner import bind

REPO = Path(__file__).resolve().parent.parent


@contextmanager
def serve(*args: str) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    """Run `rr-tui serve ARGS` until its banner shows the URL; yields (process, URL, banner)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "rr_tui", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=REPO,
    )
    banner: list[str] = []
    try:
        assert process.stdout is not None
        url = ""
        deadline = time.monotonic() + 30
        while not url and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            banner.append(line)
            if match := re.search(r"at (http://\S+)/api/v1", line):
                url = match.group(1)
        assert url, "".join(banner)
        # Read the rest of the banner (tokens, hints) up to the uvicorn start line.
        while not any("Uvicorn running" in b or "Application startup" in b for b in banner):
            banner.append(process.stdout.readline())
        yield process, url, banner
    finally:
        process.terminate()
        process.wait(10)


def output_after(process: subprocess.Popen[str]) -> str:
    process.terminate()
    out, _ = process.communicate(timeout=10)
    return out


def test_serve_prints_url_and_tokens_once_and_serves(tmp_path: Path) -> None:
    token = "fixed-lead-token-for-scripts"
    db = tmp_path / "server.db"
    with serve("--db", str(db), "--seed", "--simulate", "3000", "--token", token) as (
        process,
        url,
        banner,
    ):
        text = "".join(banner)
        assert "seeded 72 demo incidents" in text
        assert text.count(token) == 2  # the token list and the curl hint
        headers = {"Authorization": f"Bearer {token}"}
        first = httpx.get(f"{url}/api/v1/incidents", headers=headers)
        assert first.status_code == 200
        assert len(first.json()["items"]) >= 60
        # The simulator changes the queue: a poll from the first cursor soon has news.
        cursor = first.json()["cursor"]
        deadline = time.monotonic() + 20
        changed: list[object] = []
        while not changed and time.monotonic() < deadline:
            time.sleep(0.1)
            poll = httpx.get(f"{url}/api/v1/incidents", params={"since": cursor}, headers=headers)
            changed = poll.json()["items"]
        assert changed
        with httpx.Client(headers={"Authorization": "Bearer nope"}) as client:
            assert client.get(f"{url}/api/v1/incidents").status_code == 401
        rest = output_after(process)
    assert token not in rest, "a token was logged after the banner"
    assert "GET /api/v1/incidents" in rest  # access log is on, tokens are not in it
    assert db.exists()


def test_serve_with_users_file(tmp_path: Path) -> None:
    users = REPO / "config" / "users.example.toml"
    with serve("--db", str(tmp_path / "s.db"), "--users", str(users)) as (_process, url, banner):
        assert "tokens" not in "".join(banner)
        lead = httpx.get(
            f"{url}/api/v1/me", headers={"Authorization": "Bearer change-me-lead-token-0001"}
        )
        assert lead.json()["name"] == "mei.tan"
        assert lead.json()["role"] == "lead"
        analyst = httpx.get(
            f"{url}/api/v1/me", headers={"Authorization": "Bearer change-me-analyst-token-0001"}
        )
        assert analyst.json()["name"] == "arjun.rao"
        assert analyst.json()["role"] == "analyst"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("users = [", "not valid TOML"),
        ('[[users]]\nname = "x"\nrole = "boss"\ntoken = "0123456789abcdef"', "users.0.role"),
        ('[[users]]\nname = "x"\nrole = "lead"', "exactly one of token or token_sha256"),
        ('[[users]]\nname = "x"\nrole = "lead"\ntoken = "short"', "users.0.token"),
        ('[[users]]\nname = "x"\nrole = "lead"\ntoken = "0123456789abcdef"\nextra = 1', "extra"),
    ],
)
def test_bad_users_file_stops_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    path = tmp_path / "users.toml"
    path.write_text(content)
    code = main(["serve", "--users", str(path), "--db", str(tmp_path / "x.db")])
    err = capsys.readouterr().err
    assert code == 2
    assert str(path) in err
    assert expected in err


def test_port_in_use_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with bind("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        code = main(["serve", "--port", str(port), "--db", str(tmp_path / "x.db")])
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("rr-tui ")
    for command in ("serve", "demo"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "usage: rr-tui " + command in capsys.readouterr().out


@pytest.mark.parametrize("rate", ["0", "-1", "fast", "7000"])
def test_bad_simulate_rate_is_refused(capsys: pytest.CaptureFixture[str], rate: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--simulate", rate])
    assert exit_info.value.code == 2
    assert "--simulate" in capsys.readouterr().err
