"""The reference server under abuse: a healthy client's latency, the server's memory, the throttle.

`rr-tui serve --quiet` runs in a subprocess on loopback (tests/abuse.py) at a
1024 open-file limit, soft and hard, as in issue 11. Each scenario measures a
dashboard's health probe and authenticated poll while the abuse holds.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx

from bench.figures import Figure
from tests.abuse import TOKEN, Served, connect, head, serve

POLLS = 20


def _rss_mb(served: Served) -> float:
    for line in Path(f"/proc/{served.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _latency_ms(served: Served) -> tuple[float, float, int]:
    """Median and worst latency of POLLS health probes + polls (fresh connections); failures."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    times: list[float] = []
    failures = 0
    for _ in range(POLLS):
        for path, extra in (("/healthz", {}), ("/incidents", headers)):
            start = time.perf_counter()
            try:
                ok = httpx.get(served.url + path, headers=extra, timeout=5).status_code == 200
            except httpx.TransportError:
                ok = False
            times.append((time.perf_counter() - start) * 1000)
            failures += not ok
    return statistics.median(times), max(times), failures


def _idle_flood(db: Path) -> list[Figure]:
    with serve(db, open_files=1024) as served:
        base = _latency_ms(served)
        idle = [connect(served.port) for _ in range(1100)]
        during = _latency_ms(served)
        for sock in idle:
            sock.close()
    note = "1,100 idle sockets, server at 1024 open files"
    return [
        Figure("abuse_idle_poll_p50_quiet", base[0], "ms", note="no abuse"),
        Figure("abuse_idle_poll_p50", during[0], "ms", note=note),
        Figure("abuse_idle_poll_max", during[1], "ms", note=note),
        Figure("abuse_idle_poll_failures", during[2], "of 40", note=note),
    ]


def _unfinished_bodies(db: Path) -> list[Figure]:
    with serve(db, open_files=1024) as served:
        before = _rss_mb(served)
        extra = "Content-Type: application/json\r\nContent-Length: 256000\r\n"
        strangers = []
        for n in range(400):
            sock = connect(served.port, f"127.0.2.{n % 250 + 1}")
            sock.sendall(head("POST", "/incidents", None, extra))
            sock.sendall(b"x" * 250_000)
            strangers.append(sock)
        during = _latency_ms(served)
        after = _rss_mb(served)
        for sock in strangers:
            sock.close()
    note = "400 strangers each 250 KB into an unfinished body"
    return [
        Figure("abuse_bodies_rss_before", before, "MB"),
        Figure("abuse_bodies_rss_during", after, "MB", note=note),
        Figure("abuse_bodies_poll_p50", during[0], "ms", note=note),
        Figure("abuse_bodies_poll_failures", during[2], "of 40", note=note),
    ]


def _guessing(db: Path) -> list[Figure]:
    with serve(db) as served:
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        codes: dict[int, int] = {}
        with httpx.Client(transport=transport) as guesser:
            start = time.perf_counter()
            n = 0
            while time.perf_counter() - start < 3:
                bad = {"Authorization": f"Bearer guess-{n:06d}"}
                status = guesser.get(served.url + "/incidents", headers=bad).status_code
                codes[status] = codes.get(status, 0) + 1
                n += 1
            rate = n / (time.perf_counter() - start)
        during = _latency_ms(served)
    lines = sum("127.0.0.2" in line for line in served.output.splitlines())
    return [
        Figure("abuse_guess_requests_per_s", rate, "req/s", note="one keep-alive guesser, 3 s"),
        Figure("abuse_guess_checked", codes.get(401, 0), "tokens", note="the rest got 429"),
        Figure("abuse_guess_refused_429", codes.get(429, 0), "requests"),
        Figure("abuse_guess_log_lines", lines, "lines", note="WARNING under --quiet"),
        Figure("abuse_guess_other_address_p50", during[0], "ms"),
    ]


def _big_bodies(db: Path) -> list[Figure]:
    readable: dict[int, int] = {6_000_000: 0, 20_000_000: 0}
    with serve(db) as served:
        for size in readable:
            for _ in range(10):
                request = urllib.request.Request(  # noqa: S310 (loopback http)
                    served.url + "/incidents",
                    data=b"x" * size,
                    headers={"Authorization": f"Bearer {TOKEN}"},
                )
                try:
                    urllib.request.urlopen(request, timeout=20)  # noqa: S310
                except urllib.error.HTTPError as error:
                    readable[size] += error.code == 413
                except (urllib.error.URLError, OSError):
                    pass
    return [
        Figure(f"abuse_413_readable_{size // 1_000_000}mb", count, "of 10", note="urllib")
        for size, count in readable.items()
    ]


def run() -> list[Figure]:
    """Every abuse scenario, each on a fresh server and database."""
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="rr-abuse-") as tmp:
        for n, scenario in enumerate((_idle_flood, _unfinished_bodies, _guessing, _big_bodies)):
            figures.extend(scenario(Path(tmp, f"{n}.db")))
    return figures
