"""Helpers for the abuse tests and the abuse benchmark: `rr-tui serve` in a subprocess, raw sockets.

Everything is on loopback and bounded: every wait polls with a deadline.
"""

from __future__ import annotations

import resource
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from rr_tui.server.runner import bind

REPO = Path(__file__).resolve().parent.parent
TOKEN = "abuse-test-lead-token-01"


@dataclass
class Served:
    """`rr-tui serve --quiet` running in a subprocess, and what it wrote once stopped."""

    process: subprocess.Popen[str]
    port: int
    output: str = ""

    @property
    def url(self) -> str:
        """The API's base URL."""
        return f"http://127.0.0.1:{self.port}/api/v1"


@contextmanager
def serve(db: Path, *, open_files: int | None = None) -> Iterator[Served]:
    """`rr-tui serve --quiet` on a free loopback port; `open_files` sets its RLIMIT_NOFILE.

    Both the soft and the hard limit, so the server cannot raise it.
    """
    with bind() as probe:
        port = probe.getsockname()[1]

    def limit() -> None:
        if open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    command = [sys.executable, "-m", "rr_tui", "serve", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--token", TOKEN, "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
        preexec_fn=limit,
    )
    served = Served(process, port)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{served.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise AssertionError("the server did not come up")
        yield served
    finally:
        process.terminate()
        try:
            served.output, _ = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            served.output, _ = process.communicate()


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    """A raw TCP connection to the server on loopback, from `source` (any 127.x address)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def read_until_closed(sock: socket.socket, timeout: float = 10.0) -> tuple[bytes, bool]:
    """Everything the server sends until it closes; and whether it closed within `timeout`."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def closed_by_server(
    socks: list[socket.socket], timeout: float
) -> tuple[set[int], dict[int, bytes]]:
    """Which of `socks` (by index) the server closed within `timeout`, and what each received."""
    closed: set[int] = set()
    received: dict[int, bytes] = {}
    deadline = time.monotonic() + timeout
    while len(closed) < len(socks) and time.monotonic() < deadline:
        waiting = [s for i, s in enumerate(socks) if i not in closed]
        ready, _, _ = select.select(waiting, [], [], 0.05)
        for sock in ready:
            index = socks.index(sock)
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if chunk:
                received[index] = received.get(index, b"") + chunk
            else:
                closed.add(index)
    return closed, received


def head(method: str, path: str, token: str | None, extra: str = "") -> bytes:
    """A request head for the API, with a bearer token if given."""
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"{method} /api/v1{path} HTTP/1.1\r\nHost: rr\r\n{auth}{extra}\r\n".encode()
