"""How much any one client may hold of the server.

`rr-tui serve`, `rr-tui demo` and the tests' `ServerThread` all build their
uvicorn config with `runner.uvicorn_config`, so the limits below apply to
every way the server runs:

- a connection must finish its request head within `header_timeout` of
  connecting (or of its previous answer), and its body within `body_timeout`
  of the head: an idle or slow-header socket is closed, a slow body gets 408;
- an idle keep-alive connection is closed after `keep_alive`;
- at most `max_connections` are open at once (and never more than the open-file
  limit leaves room for): a new connection over the cap evicts the oldest one
  that is waiting for a request, so idle sockets cannot lock out a dashboard;
- an answer given before the body was read (401, 413, 400) is followed by a
  lingering close: up to `drain_bytes` of the rest of the body are read and
  thrown away for up to `drain_seconds`, so the client reads the answer rather
  than a connection reset;
- `auth_failures` failed authentications per address are allowed in a burst,
  refilled over `auth_window` seconds; past that the address gets 429.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass

ACCEPT_BATCH = 128
"""Connections asyncio accepts in one go (uvicorn's `backlog`, 2048 by default).

The cap is enforced as each connection is set up, a couple of loop turns after
the accept; until then a batch holds descriptors, so the batch is kept small
and the open-file room below leaves space for three of them.
"""

FD_RESERVE = 64 + 3 * ACCEPT_BATCH
"""Open files kept back from connections: the store, its WAL, logs, accept batches in flight."""


def fd_room(reserve: int = FD_RESERVE) -> int:
    """How many connections the process's open-file limit leaves room for."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1_000_000
    return max(16, soft - reserve)


def raise_fd_limit(wanted: int) -> None:
    """Raise the soft open-file limit towards `wanted`, as far as the hard limit allows.

    A 1024 soft limit is common while the hard limit is far higher; the server
    asks for what its connection cap needs instead of running out (EMFILE).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


@dataclass(frozen=True)
class ServerLimits:
    """Timeouts and caps of the reference server; the defaults suit a team's dashboards."""

    max_connections: int = 1000
    """Connections open at once (lowered to what the open-file limit allows)."""
    header_timeout: float = 10.0
    """Seconds a connection has to send a complete request head."""
    body_timeout: float = 30.0
    """Seconds a request has to send its whole body once the head is in."""
    keep_alive: int = 5
    """Seconds an idle keep-alive connection is kept (uvicorn's `timeout_keep_alive`)."""
    drain_bytes: int = 8 * 1024 * 1024
    """Body bytes read and discarded after an early answer, so the client can read it."""
    drain_seconds: float = 5.0
    """How long a lingering close waits for the client to finish sending."""
    auth_failures: int = 30
    """Failed authentications an address may make in a burst before 429."""
    auth_window: float = 60.0
    """Seconds over which those failures are forgiven (the bucket refills)."""

    def connection_cap(self) -> int:
        """`max_connections`, or fewer if the open-file limit (raised if it can be) is lower."""
        raise_fd_limit(self.max_connections + FD_RESERVE)
        return min(self.max_connections, fd_room())


DEFAULT_LIMITS = ServerLimits()
"""The limits `rr-tui serve` and `rr-tui demo` run with."""
