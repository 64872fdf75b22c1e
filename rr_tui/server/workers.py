"""`rr-tui serve --workers N`: N server processes on one port, connections spread evenly.

The parent binds the port (so a port in use is one clear error, before any
process starts). Each worker, started as `python -m rr_tui.server.workers` with
the server's configuration in the environment (`factory.environment`), listens
on that port through a socket of its own with `SO_REUSEPORT`, and the kernel
hashes each new connection to one of them. One socket inherited by all the
workers (as before) let whichever process woke first accept every connection
waiting: the bench's 16 keep-alive connections all landed on one of two
workers, and two processes served no more than one (BENCHMARKS.md, issue 13).
While the workers run, the parent keeps the port with a bound socket that does
not listen (it takes no connections), so another server cannot take it
between two of them. A worker says it listens on a pipe; the banner is shown
(`ready`) once all have, so a client that read it finds the port answering,
and only then (a second pipe closed) do the workers open the store and log,
so their lines come after the banner, as with one process.
uvicorn's own `--workers` is not used: it pickles its config into the
children, and our connection guard (`protocol.guarded_protocol`) is a class
made at run time.

The parent forwards SIGINT/SIGTERM and waits; if a worker dies, the others are
stopped too and `serve` fails, so a process manager restarts the whole.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from types import FrameType

from rr_tui.server.factory import ENV_SIMULATE
from rr_tui.server.runner import bind

ENV_ADDRESS = "RR_SERVE_ADDRESS"
"""`host port` a worker listens on, in its environment."""
ENV_READY_FD = "RR_SERVE_READY_FD"
"""The pipe a worker writes one byte to once it listens."""
ENV_GO_FD = "RR_SERVE_GO_FD"
"""The pipe the parent closes once the banner is out: the workers start their apps then."""
ENV_QUIET = "RR_SERVE_QUIET"
"""Set (to 1) for no access log in the workers."""

STOP_GRACE = 15.0
"""Seconds a worker gets to finish its requests after SIGTERM, before SIGKILL."""


def run_workers(
    sock: socket.socket,
    workers: int,
    env: Mapping[str, str],
    *,
    quiet: bool = False,
    ready: Callable[[], None] = lambda: None,
) -> int:
    """Serve `sock`'s address from `workers` processes until stopped; the exit code.

    `sock` is closed: the workers listen on the address through their own sockets.
    """
    host, port = sock.getsockname()[:2]
    sock.close()
    # The port stays ours while the workers come and go (see the module docstring).
    holder = bind(host, port, reuse_port=True, listen=False)
    read_end, write_end = os.pipe()
    go_read, go_write = os.pipe()
    base = {
        **os.environ,
        **env,
        ENV_ADDRESS: f"{host} {port}",
        ENV_READY_FD: str(write_end),
        ENV_GO_FD: str(go_read),
    }
    if quiet:
        base[ENV_QUIET] = "1"
    simulate = base.pop(ENV_SIMULATE, None)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for number in range(workers):
            child = dict(base)
            if simulate and number == 0:
                child[ENV_SIMULATE] = simulate  # one simulator, at the rate asked for
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "rr_tui.server.workers"],
                    env=child,
                    pass_fds=[write_end, go_read],
                )
            )
        os.close(write_end)
        os.close(go_read)

        def go() -> None:
            ready()
            os.close(go_write)

        return _supervise(procs, read_end, go)
    finally:
        os.close(read_end)
        with contextlib.suppress(OSError):
            os.close(go_write)  # not closed by `go` if a worker failed first
        holder.close()


def _listening(procs: list[subprocess.Popen[bytes]], read_end: int) -> bool:
    """Wait until every worker said it listens (True), or one of them exited (False)."""
    said = 0
    while said < len(procs):
        readable, _, _ = select.select([read_end], [], [], 0.2)
        if readable:
            got = os.read(read_end, len(procs) - said)
            if not got:
                return False  # every worker closed the pipe: some exited before listening
            said += len(got)
        elif any(proc.poll() is not None for proc in procs):
            return False
    return True


def _supervise(
    procs: list[subprocess.Popen[bytes]], read_end: int, ready: Callable[[], None]
) -> int:
    stopping = False

    def _stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if _listening(procs, read_end) and not stopping:
            ready()
        while all(proc.poll() is None for proc in procs) and not stopping:
            time.sleep(0.2)
        if not stopping:  # a worker died on its own: stop the rest, report it
            _stop(signal.SIGTERM, None)
            stopping = False
        deadline = time.monotonic() + STOP_GRACE
        for proc in procs:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stopping else 1


def _worker() -> None:
    import uvicorn

    from rr_tui.logs import configure_logging
    from rr_tui.server.factory import app_from_env
    from rr_tui.server.runner import uvicorn_config

    configure_logging()
    host, port = os.environ[ENV_ADDRESS].rsplit(" ", 1)
    # Listening first: connections the kernel hashes to this socket wait in its
    # backlog while the app opens the store.
    sock = bind(host, int(port), reuse_port=True)
    ready = int(os.environ[ENV_READY_FD])
    os.write(ready, b"1")
    os.close(ready)
    go = int(os.environ[ENV_GO_FD])
    os.read(go, 1)  # returns (empty) when the parent closes it: the banner is out
    os.close(go)
    quiet = bool(os.environ.get(ENV_QUIET))
    app = app_from_env()
    uvicorn.Server(uvicorn_config(app, quiet=quiet, foreground=True)).run(sockets=[sock])


if __name__ == "__main__":
    _worker()
