"""A small HTTP/1.1 keep-alive load generator on raw asyncio streams.

httpx costs more CPU per request than the server under test, so with it the
client, not the server, would set the figure. This speaks just enough HTTP/1.1
(GET, Content-Length bodies, keep-alive) to keep a server busy from one core.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Load:
    """The result of one run."""

    requests: int
    seconds: float
    statuses: dict[int, int]
    body_bytes: int
    client_cpu: float
    """Share of one core the load generator used: well under 1.0 means the server set the pace."""

    @property
    def rps(self) -> float:
        """Requests answered per second."""
        return self.requests / self.seconds


async def _worker(
    host: str, port: int, request: bytes, stop_at: float, tally: dict[int, int], sizes: list[int]
) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    done = 0
    try:
        while time.perf_counter() < stop_at:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            tally[status] = tally.get(status, 0) + 1
            sizes.append(length)
            done += 1
    finally:
        writer.close()
    return done


def run(url: str, headers: dict[str, str], seconds: float, connections: int = 8) -> Load:
    """GET `url` over `connections` keep-alive connections for `seconds`."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    host, port = parts.hostname or "127.0.0.1", parts.port or 80

    async def main() -> Load:
        tally: dict[int, int] = {}
        sizes: list[int] = []
        started = time.perf_counter()
        cpu_started = time.process_time()
        stop_at = started + seconds
        counts = await asyncio.gather(
            *(_worker(host, port, request, stop_at, tally, sizes) for _ in range(connections))
        )
        elapsed = time.perf_counter() - started
        cpu = (time.process_time() - cpu_started) / elapsed
        return Load(sum(counts), elapsed, tally, sum(sizes), cpu)

    return asyncio.run(main())
