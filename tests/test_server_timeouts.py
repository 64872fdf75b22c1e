"""Head and body deadlines, the connection cap and the failed-token throttle (issue 11).

The server is a real `ServerThread` on loopback with short limits, so sockets
that never finish a request are seen closed in well under a second.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Iterator

import httpx
import pytest

from rr_tui.server.api import create_app
from rr_tui.server.limits import ServerLimits
from rr_tui.server.runner import ServerThread
from rr_tui.server.store import Store
from rr_tui.server.throttle import FailureThrottle
from tests.abuse import closed_by_server, connect, head, read_until_closed
from tests.conftest import LEAD, TEST_USERS

SHORT = ServerLimits(header_timeout=0.5, body_timeout=0.5, max_connections=40)


@pytest.fixture
def short(store: Store) -> Iterator[ServerThread]:
    """The server with half-second head and body deadlines and a 40-connection cap."""
    with ServerThread(create_app(store, TEST_USERS), limits=SHORT) as thread:
        yield thread


def test_idle_and_slow_header_sockets_are_closed_not_held_forever(short: ServerThread) -> None:
    idle = [connect(short.port) for _ in range(15)]
    partial = [connect(short.port) for _ in range(15)]
    for sock in partial:
        sock.sendall(b"GET /api/v1/incidents HTTP/1.1\r\nHost: rr\r\n")
    socks = idle + partial
    try:
        closed, received = closed_by_server(socks, timeout=15)
        assert closed == set(range(len(socks)))
        # A head cut short is told why; a socket that sent nothing just sees the end.
        assert all(received.get(i, b"").startswith(b"HTTP/1.1 408 ") for i in range(15, 30))
        assert not any(received.get(i) for i in range(15))
    finally:
        for sock in socks:
            sock.close()


def test_a_head_dribbled_a_line_at_a_time_is_cut_off(short: ServerThread) -> None:
    with connect(short.port) as sock:
        sock.sendall(b"GET /api/v1/incidents HTTP/1.1\r\nHost: rr\r\n")
        lines = 0
        cut = False
        # Up to 300 lines, one per tenth of a second: far past the deadline.
        while lines < 300 and not cut:
            ready, _, _ = select.select([sock], [], [], 0.1)
            if ready:
                cut = True
                break
            try:
                sock.sendall(f"X-Slow-{lines}: y\r\n".encode())
            except OSError:
                cut = True
            lines += 1
        assert cut, "the server kept reading a head that never ends"
        assert lines < 300


def test_a_slow_body_gets_408(short: ServerThread) -> None:
    extra = "Content-Type: application/json\r\nContent-Length: 100\r\n"
    with connect(short.port) as sock:
        sock.sendall(head("POST", "/incidents", LEAD, extra) + b'{"title": ')
        data, closed = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 408 "), data[:60]
    assert closed


def test_over_the_cap_idle_strangers_make_room_for_a_polling_dashboard(
    short: ServerThread,
) -> None:
    headers = {"Authorization": f"Bearer {LEAD}"}
    with httpx.Client(base_url=short.url + "/api/v1", headers=headers, timeout=5) as dashboard:
        assert dashboard.get("/incidents").status_code == 200
        idle = [connect(short.port) for _ in range(100)]
        try:
            # The dashboard's kept-alive connection has served a request: the
            # strangers' sockets, which never did, are evicted first.
            for _ in range(5):
                assert dashboard.get("/incidents").status_code == 200
                assert httpx.get(short.url + "/api/v1/healthz", timeout=5).status_code == 200
            deadline = time.monotonic() + 10
            while short.connections > SHORT.max_connections and time.monotonic() < deadline:
                select.select([], [], [], 0.05)
            assert short.connections <= SHORT.max_connections
        finally:
            for sock in idle:
                sock.close()


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_throttle_refills_and_warns_once_per_address_per_window() -> None:
    now = [0.0]
    throttle = FailureThrottle(3, 30.0, clock=lambda: now[0])
    handler = _Lines()
    logger = logging.getLogger("rr_tui.server.throttle")
    logger.addHandler(handler)
    try:
        for _ in range(3):
            assert throttle.retry_after("10.0.0.9") is None
            throttle.failed("10.0.0.9")
        assert throttle.retry_after("10.0.0.9") == 10  # one token per 10 s
        assert throttle.retry_after("10.0.0.8") is None, "other addresses are not affected"
        for _ in range(100):
            throttle.retry_after("10.0.0.9")
        assert len(handler.lines) == 1
        now[0] = 10.0
        assert throttle.retry_after("10.0.0.9") is None
        throttle.failed("10.0.0.9")
        now[0] = 31.0
        assert throttle.retry_after("10.0.0.9") is None
        throttle.failed("10.0.0.9")
        throttle.failed("10.0.0.9")
        throttle.failed("10.0.0.9")
        throttle.retry_after("10.0.0.9")
        assert len(handler.lines) == 2, handler.lines
        assert "10.0.0.9" in handler.lines[1]
    finally:
        logger.removeHandler(handler)


def test_the_throttle_forgets_addresses_past_its_bound() -> None:
    throttle = FailureThrottle(2, 60.0, clock=lambda: 0.0, max_addresses=50)
    for n in range(500):
        throttle.failed(f"10.1.{n // 256}.{n % 256}")
    assert len(throttle._buckets) <= 50
