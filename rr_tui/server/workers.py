"""`rr-tui serve --workers N`: N server processes on one listening socket.

The parent binds the port (so a port in use is one clear error, before any
process starts), then starts each worker as `python -m rr_tui.server.workers`
with the socket passed down as an inherited file descriptor and the server's
configuration in the environment (`factory.environment`). The kernel spreads
new connections over the processes accepting on the socket. uvicorn's own
`--workers` is not used: it pickles its config into the children, and our
connection guard (`protocol.guarded_protocol`) is a class made at run time.

The parent forwards SIGINT/SIGTERM and waits; if a worker dies, the others are
stopped too and `serve` fails, so a process manager restarts the whole.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from types import FrameType

from rr_tui.server.factory import ENV_SIMULATE

ENV_FD = "RR_SERVE_FD"
"""The listening socket's file descriptor number, in a worker's environment."""
ENV_QUIET = "RR_SERVE_QUIET"
"""Set (to 1) for no access log in the workers."""

STOP_GRACE = 15.0
"""Seconds a worker gets to finish its requests after SIGTERM, before SIGKILL."""


def run_workers(
    sock: socket.socket, workers: int, env: Mapping[str, str], *, quiet: bool = False
) -> int:
    """Serve on `sock` from `workers` processes until stopped; the exit code."""
    fd = sock.fileno()
    os.set_inheritable(fd, True)
    base = {**os.environ, **env, ENV_FD: str(fd)}
    if quiet:
        base[ENV_QUIET] = "1"
    simulate = base.pop(ENV_SIMULATE, None)
    procs: list[subprocess.Popen[bytes]] = []
    for number in range(workers):
        child = dict(base)
        if simulate and number == 0:
            child[ENV_SIMULATE] = simulate  # one simulator, at the rate asked for
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "rr_tui.server.workers"], env=child, pass_fds=[fd]
            )
        )
    stopping = False

    def _stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
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
    sock = socket.socket(fileno=int(os.environ[ENV_FD]))
    quiet = bool(os.environ.get(ENV_QUIET))
    app = app_from_env()
    uvicorn.Server(uvicorn_config(app, quiet=quiet, foreground=True)).run(sockets=[sock])


if __name__ == "__main__":
    _worker()
