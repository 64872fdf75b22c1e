"""`GuardedH11Protocol`: uvicorn's h11 protocol with the timeouts and the cap uvicorn lacks.

uvicorn closes idle keep-alive connections, but has no deadline for a request
head (a socket that connects and sends nothing, or one header line a minute,
is held forever) nor for a body, and accepts connections until the process
runs out of file descriptors. This subclass adds, per connection:

- a head deadline from connecting (or from the previous answer): past it the
  connection is closed, with a 408 if part of a head had arrived;
- a body deadline from the head: a request still sending its body gets 408;
- a cap on open connections: one over it evicts the connection that has waited
  longest for a request (those that never made one first), so a flood of idle
  sockets cannot lock out a dashboard that is polling;
- a lingering close: when uvicorn closes while the client is still sending a
  body it will not read (an early 401 or 413), the answer is followed by a
  half-close and the rest of the body is read and dropped, up to a bound, so
  the client reads the answer instead of a connection reset; a keep-alive
  connection that drains such a body is held to the same bound.

The settings come from `ServerLimits` through `guarded_protocol`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from rr_tui.server.limits import ServerLimits


def _raw_error(status: int, reason: str, code: str, message: str) -> bytes:
    """A complete HTTP/1.1 error answer (the API's error body) that closes the connection.

    Written straight to the socket: it is sent only when the connection is
    dropped right after, outside any request uvicorn knows of.
    """
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


HEAD_TIMEOUT_ANSWER = _raw_error(
    408, "Request Timeout", "timeout", "the request head did not arrive in time"
)
BODY_TIMEOUT_ANSWER = _raw_error(
    408, "Request Timeout", "timeout", "the request body did not arrive in time"
)


class _Transport(asyncio.Transport):
    """The socket's transport as uvicorn sees it: `close()` lingers when it should.

    uvicorn and its request cycles close connections in several places; routing
    every close through the protocol lets one rule decide whether to linger.
    """

    def __init__(self, real: asyncio.Transport, protocol: GuardedH11Protocol) -> None:
        super().__init__()
        self.real = real
        self._protocol = protocol

    def close(self) -> None:
        self._protocol.close_gracefully()

    def is_closing(self) -> bool:
        return self.real.is_closing() or self._protocol.lingering

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.real.write(data)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.real.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self.real.pause_reading()

    def resume_reading(self) -> None:
        self.real.resume_reading()

    def is_reading(self) -> bool:
        return self.real.is_reading()

    def abort(self) -> None:
        self.real.abort()

    def get_write_buffer_size(self) -> int:
        return self.real.get_write_buffer_size()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.real.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.real.get_protocol()


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with head and body deadlines, a connection cap and lingering close."""

    limits: ServerLimits = ServerLimits()
    cap: int = ServerLimits().max_connections

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._real: asyncio.Transport | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._linger: asyncio.TimerHandle | None = None
        self._timed_cycle: object = None
        self.lingering = False
        self._drained = 0
        self._served = 0
        self._idle_since = 0.0

    # --- connection life -----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._real = transport
        super().connection_made(_Transport(transport, self))
        self._idle_since = self.loop.time()
        self._arm(self.limits.header_timeout, self._head_overdue)
        if self._open_connections() > self.cap:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._linger is not None:
            self._linger.cancel()
        super().connection_lost(exc)

    def eof_received(self) -> None:
        if self.lingering:
            self._close_now()

    def data_received(self, data: bytes) -> None:
        if self.lingering:
            self._drain(len(data))
            return
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.SEND_BODY:
            # Answered early (401, 413) on a kept-alive connection: uvicorn reads
            # and drops the rest of the body; hold that to the drain bound.
            self._drain(len(data))
            if self.transport.is_closing():
                return
        super().data_received(data)

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and self.cycle is not self._timed_cycle:
            # A new request: its head is in; give its body a deadline.
            self._timed_cycle = self.cycle
            self._disarm()
            if self.conn.their_state is h11.SEND_BODY:
                self._arm(self.limits.body_timeout, self._body_overdue)

    def on_response_complete(self) -> None:
        self._served += 1
        self._idle_since = self.loop.time()
        super().on_response_complete()
        if not self.transport.is_closing() and self._waiting():
            self._arm(self.limits.header_timeout, self._head_overdue)

    # --- closing -------------------------------------------------------------------

    def close_gracefully(self) -> None:
        """Close; if the client is still sending a body, linger and drop the rest first."""
        real = self._real
        if real is None or real.is_closing() or self.lingering:
            return
        if self.conn.their_state is not h11.SEND_BODY or not real.can_write_eof():
            real.close()
            return
        self.lingering = True
        self._disarm()
        if self.cycle is not None:
            # What uvicorn buffered of a body no one will read (up to a read's
            # worth, 256 KB) would otherwise be held until the linger ends.
            self.cycle.body = bytearray()
        real.resume_reading()
        # The answer is flushed, then FIN: the client sees the whole answer and
        # the end of the stream, and may finish sending into our drain.
        real.write_eof()
        self._linger = self.loop.call_later(self.limits.drain_seconds, self._close_now)

    def _drain(self, size: int) -> None:
        self._drained += size
        if self._drained > self.limits.drain_bytes:
            self._close_now()

    def _close_now(self) -> None:
        if self._real is not None and not self._real.is_closing():
            self._real.close()

    # --- deadlines -----------------------------------------------------------------

    def _arm(self, delay: float, callback: Any) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(delay, callback)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _waiting(self) -> bool:
        """Between requests: no request head received since the last answer."""
        return not self.lingering and (self.cycle is None or self.cycle.response_complete)

    def _head_overdue(self) -> None:
        if self._real is None or self._real.is_closing() or not self._waiting():
            return
        partial, _closed = self.conn.trailing_data
        if partial:
            self._real.write(HEAD_TIMEOUT_ANSWER)
        self._close_now()

    def _body_overdue(self) -> None:
        if self._real is None or self._real.is_closing():
            return
        if self.conn.their_state is not h11.SEND_BODY:
            return
        if self.cycle is not None and not self.cycle.response_started:
            self._real.write(BODY_TIMEOUT_ANSWER)
        self._close_now()

    # --- the cap -------------------------------------------------------------------

    def _open_connections(self) -> int:
        return len(self.connections)

    def _make_room(self) -> None:
        """Evict the connection that has waited longest for a request, or refuse this one.

        Connections that never completed a request go first: a dashboard's
        kept-alive connection has, an idle flood's sockets have not.
        """
        candidates = [
            other
            for other in self.connections
            if isinstance(other, GuardedH11Protocol)
            and other is not self
            and other._waiting()
            and other._real is not None
            and not other._real.is_closing()
        ]
        if not candidates:
            self._close_now()
            return
        victim = min(candidates, key=lambda c: (c._served > 0, c._idle_since))
        victim._close_now()


def guarded_protocol(limits: ServerLimits, cap: int) -> type[GuardedH11Protocol]:
    """The protocol class uvicorn should build connections with, for `limits` and `cap`."""
    return type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {"limits": limits, "cap": cap, "__doc__": GuardedH11Protocol.__doc__},
    )
