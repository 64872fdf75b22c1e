"""Run the reference server with uvicorn: in a background thread, or in the foreground.

The thread form is what `rr-tui demo`, the tests and the benchmarks use: a real
HTTP server on a loopback port, in the same process, started and stopped on
demand. `uvicorn_config` is the one place the uvicorn config is built, for the
thread and for `rr-tui serve` alike, so both run with the same `ServerLimits`
(timeouts, connection cap, lingering close: see `limits` and `protocol`).
"""

from __future__ import annotations

import copy
import socket
import threading
import time
from types import FrameType, TracebackType
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG

from rr_tui.server.limits import ACCEPT_BATCH, DEFAULT_LIMITS, ServerLimits
from rr_tui.server.protocol import guarded_protocol


def bind(
    host: str = "127.0.0.1", port: int = 0, *, reuse_port: bool = False, listen: bool = True
) -> socket.socket:
    """A listening socket; port 0 picks a free one.

    `reuse_port`: several sockets (one per worker process) may listen on the
    port, and the kernel spreads new connections evenly over them; `listen`
    False only holds the port (`workers`).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Name IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets
    # only when the proto says TCP, and without it keep-alive answers wait 40 ms
    # on Nagle's algorithm and the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    return sock


def _log_config(foreground: bool) -> dict[str, Any]:
    """uvicorn's logging; in the foreground, the throttle's warnings beside uvicorn's lines.

    They keep WARNING whatever `quiet` says: an operator must see them, and
    they come once per address per window. In a `ServerThread` they propagate
    to the root logger instead (the demo's log file, pytest's capture), since
    writing to stderr would draw over the dashboard.
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    if foreground:
        config["loggers"]["rr_tui.server.throttle"] = {
            "handlers": ["default"],
            "level": "WARNING",
            "propagate": False,
        }
    return config


def uvicorn_config(
    app: FastAPI,
    limits: ServerLimits = DEFAULT_LIMITS,
    *,
    quiet: bool = True,
    foreground: bool = False,
) -> uvicorn.Config:
    """The reference server's uvicorn config: `limits` applied, access log unless `quiet`.

    `foreground` (`rr-tui serve`) writes the server's own warnings to stderr too.
    """
    cap = limits.connection_cap()
    return uvicorn.Config(
        app,
        http=guarded_protocol(limits, cap),
        # uvicorn answers 503 when its set of connections reaches this, and that
        # set briefly holds accept batches beyond the cap (evicted, not yet gone):
        # leave room for them, so the limit bounds requests in flight only.
        limit_concurrency=cap + 3 * ACCEPT_BATCH,
        backlog=ACCEPT_BATCH,
        timeout_keep_alive=limits.keep_alive,
        log_level="warning" if quiet else "info",
        access_log=not quiet,
        log_config=_log_config(foreground),
        lifespan="on",
    )


def release_held(app: FastAPI) -> None:
    """Answer the requests `app` holds for a change now (any thread): the server is stopping.

    uvicorn waits for requests in flight before it stops; a held one would
    keep it (and a restart) waiting out its whole wait.
    """
    watch = getattr(app.state, "push", None)
    if watch is not None:
        watch.close()


class Server(uvicorn.Server):
    """uvicorn's server, which answers held requests at once when told to stop (a signal)."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Stop as uvicorn does, after releasing the held requests."""
        app = self.config.app
        if isinstance(app, FastAPI):
            release_held(app)
        super().handle_exit(sig, frame)


class ServerThread:
    """A uvicorn server on a loopback port in a daemon thread.

    Use as a context manager; `url` is the base URL once started.
    """

    def __init__(
        self,
        app: FastAPI,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: ServerLimits = DEFAULT_LIMITS,
    ) -> None:
        self._sock = bind(host, port)
        self.host, self.port = self._sock.getsockname()[:2]
        self._app = app
        self._server = Server(uvicorn_config(app, limits))
        self._thread = threading.Thread(target=self._run, name="rr-server", daemon=True)

    @property
    def url(self) -> str:
        """The server's base URL, e.g. `http://127.0.0.1:40123`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def connections(self) -> int:
        """Connections the server holds open now."""
        return len(self._server.server_state.connections)

    def _run(self) -> None:
        self._server.run(sockets=[self._sock])

    def start(self, timeout: float = 10.0) -> ServerThread:
        """Start serving; returns once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the server thread stopped while starting")
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not start in time")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to finish and wait for it."""
        release_held(self._app)
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
