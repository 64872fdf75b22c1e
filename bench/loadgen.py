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


class _Client(asyncio.Protocol):
    """One keep-alive connection: the next request as soon as an answer is whole.

    A protocol rather than streams: `StreamReader.readuntil` and its awaits
    cost the client more CPU per request than the answer it waits for, and on
    two cores shared with the server that CPU comes out of the figure.
    """

    def __init__(self, request: bytes, stop_at: float, tally: dict[int, int], sizes: list[int]):
        self.request, self.stop_at, self.tally, self.sizes = request, stop_at, tally, sizes
        self.done = 0
        self.finished: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self._buffer[:end]
            length = 0
            at = head.lower().find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            if len(self._buffer) < end + 4 + length:
                return
            self._buffer = self._buffer[end + 4 + length :]
            status = int(head[9:12])
            self.tally[status] = self.tally.get(status, 0) + 1
            self.sizes.append(length)
            self.done += 1
            if time.perf_counter() >= self.stop_at:
                self._finish()
                return
            assert self._transport is not None
            self._transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None and not self.finished.done():
            self.finished.set_exception(exc)
        self._finish()

    def _finish(self) -> None:
        if not self.finished.done():
            self.finished.set_result(self.done)
        if self._transport is not None:
            self._transport.close()


async def _worker(
    host: str, port: int, request: bytes, stop_at: float, tally: dict[int, int], sizes: list[int]
) -> int:
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: _Client(request, stop_at, tally, sizes), host, port
    )
    return await client.finished


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
