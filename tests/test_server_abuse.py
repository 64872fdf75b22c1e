"""The reference server under attack and accident (issue 11): floods, smuggling, guessing, bodies.

Each test starts the real server (`rr-tui serve` in a subprocess, or a
`ServerThread`) on loopback and speaks raw sockets where a client library
would hide what happens. The numbers are small; figures under heavier abuse
are in RELIABILITY.md (`python -m bench abuse`).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest

from tests.abuse import TOKEN, connect, head, read_until_closed, serve
from tests.conftest import LEAD, RunningServer


def test_idle_sockets_past_the_open_file_limit_do_not_lock_out_health_or_polls(
    tmp_path: Path,
) -> None:
    # 600 idle sockets against a server allowed 512 open files: without a cap
    # it runs out (EMFILE) and every new client times out.
    with serve(tmp_path / "rr.db", open_files=512) as served:
        idle = [connect(served.port) for _ in range(600)]
        try:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            health = httpx.get(f"{served.url}/healthz", timeout=5)
            poll = httpx.get(f"{served.url}/incidents", headers=headers, timeout=5)
            assert (health.status_code, poll.status_code) == (200, 200)
        finally:
            for sock in idle:
                sock.close()


def test_a_stranger_is_refused_from_the_headers_before_sending_the_body(
    server: RunningServer,
) -> None:
    # The body is never sent: a server that reads it before checking the token
    # waits for it (and would buffer it); the gate answers at once.
    port = int(server.url.rsplit(":", 1)[1])
    # From 50 addresses, so the throttle (30 failures an address) does not trip.
    strangers = [connect(port, f"127.0.1.{n + 1}") for n in range(50)]
    try:
        for n, sock in enumerate(strangers):
            token = None if n % 2 else "not-a-token-at-all-000"
            sock.sendall(
                head(
                    "POST",
                    "/incidents",
                    token,
                    "Content-Type: application/json\r\nContent-Length: 250000\r\n",
                )
            )
        with server.client() as lead:
            assert lead.get("/incidents").status_code == 200
        for sock in strangers:
            sock.settimeout(5)
            answer = sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 401 "), answer[:60]
    finally:
        for sock in strangers:
            sock.close()


def test_content_length_with_transfer_encoding_is_refused_and_closed(
    server: RunningServer,
) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    body = b"0\r\n\r\n"
    smuggled = b"GET /api/v1/healthz HTTP/1.1\r\nHost: rr\r\n\r\n"
    extra = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    with connect(port) as sock:
        sock.sendall(head("POST", "/incidents", LEAD, extra + "Transfer-Encoding: chunked\r\n"))
        sock.sendall(body + smuggled)
        data, closed = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 400 "), data[:60]
    assert data.count(b"HTTP/1.1 ") == 1, "the bytes after the body were answered"
    assert closed


def test_token_guessing_is_throttled_per_address_and_logged_once_under_quiet(
    tmp_path: Path,
) -> None:
    guesses = [f"guess-{n:04d}-xxxxxxxxxxxx" for n in range(80)]
    with serve(tmp_path / "rr.db") as served:
        # The guesser comes from 127.0.0.2; the dashboard from 127.0.0.1.
        guesser = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
        with guesser:
            answers = [
                guesser.get(f"{served.url}/incidents", headers={"Authorization": f"Bearer {g}"})
                for g in guesses
            ]
            right_token_too = guesser.get(
                f"{served.url}/incidents", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            health = guesser.get(f"{served.url}/healthz")
        dashboard = httpx.get(
            f"{served.url}/incidents", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
        )
    codes = [a.status_code for a in answers]
    assert codes[:30] == [401] * 30
    assert codes[30:] == [429] * 50
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers[30:])
    assert right_token_too.status_code == 429, "a throttled address's tokens are not checked"
    assert (health.status_code, dashboard.status_code) == (200, 200)
    warnings = [line for line in served.output.splitlines() if "127.0.0.2" in line]
    assert len(warnings) == 1, served.output
    assert warnings[0].startswith("WARNING")
    assert "guess-" not in served.output


@pytest.mark.parametrize("token", [LEAD, None], ids=["lead", "stranger"])
def test_an_over_limit_body_gets_a_readable_answer_not_a_reset(
    server: RunningServer, token: str | None
) -> None:
    # urllib sends `Connection: close` and the whole body before it reads: a
    # server that closes at once, with the body unread, resets the connection.
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    expected = 413 if token else 401
    for _ in range(3):
        request = urllib.request.Request(  # noqa: S310 (the test server's http URL)
            f"{server.url}/api/v1/incidents", data=b"x" * 6_000_000, headers=headers
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=20)  # noqa: S310
        assert refused.value.code == expected


def test_a_body_past_the_drain_bound_is_cut_off(server: RunningServer) -> None:
    # Past `drain_bytes` the server stops reading what it will throw away.
    port = int(server.url.rsplit(":", 1)[1])
    extra = "Content-Type: application/json\r\nContent-Length: 100000000\r\n"
    with connect(port) as sock:
        sock.sendall(head("POST", "/incidents", LEAD, extra))
        sent = 0
        chunk = b"x" * 65536
        cut = False
        while sent < 100_000_000 and not cut:
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                cut = True
            sent += len(chunk)
        assert cut
        assert sent < 20_000_000
