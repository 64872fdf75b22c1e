"""The reference server assembled in one place, for `rr-tui serve` and `rr-tui demo`.

`build()` opens the store, seeds it and attaches the simulator to the API app.
`serve()` binds the port, prints the banner and runs it in the foreground
(`rr-tui serve`, `rr-tui demo --serve-only`); the demo's dashboard runs the same
app in a `ServerThread` instead. The banner names the store without its
password (`redact`), whatever the URL looks like.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from rr_tui import __version__
from rr_tui.deadlines import Catalogue
from rr_tui.models import Severity
from rr_tui.server.api import create_app
from rr_tui.server.auth import Users
from rr_tui.server.database import PoolOptions, database_url
from rr_tui.server.runner import Server as Uvicorn
from rr_tui.server.runner import bind, uvicorn_config
from rr_tui.server.schema import SqliteSync
from rr_tui.server.seed import seed_demo
from rr_tui.server.simulator import Simulator
from rr_tui.server.store import Store

__all__ = ["MASK", "Server", "banner", "build", "database_url", "redact", "serve"]

MASK = "***"
"""What a password is shown as."""


def redact(url: str) -> str:
    """A database URL fit to print: the password (also a `password=` query value) masked.

    SQLAlchemy parses and renders the URL. When it cannot parse it, or the URL has more
    than one `@` (an unencoded `@` in a password makes any split a guess, and a wrong
    guess would show the rest of the password as the host), nothing after the scheme
    is shown.
    """
    hidden = f"{url.partition('://')[0]}://{MASK}" if "://" in url else MASK
    if url.count("@") > 1:
        return hidden
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return hidden
    secret = [key for key in parsed.query if key.lower() == "password"]
    if secret:
        parsed = parsed.update_query_dict(dict.fromkeys(secret, MASK))
    # The query's mask comes back percent-encoded; show it as the password's.
    return parsed.render_as_string(hide_password=True).replace("%2A%2A%2A", MASK)


@dataclass
class Server:
    """A built server: the store it serves and the API app over it.

    Close it (or leave its `with` block) to release the store's connections.
    """

    url: str
    """The store's SQLAlchemy URL."""
    store: Store
    app: FastAPI
    seeded: int | None
    """Demo incidents added by seeding (0: the store had data), None when not asked to seed."""
    simulate: float | None
    """Simulated events per minute, None for no simulator."""

    def close(self) -> None:
        """Release the store."""
        self.store.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def build(
    url: str,
    users: Users,
    *,
    seed: bool = False,
    simulate: float | None = None,
    sqlite_sync: SqliteSync = "full",
    sla: Mapping[Severity, timedelta] | None = None,
    pool: PoolOptions | None = None,
    catalogue: Catalogue | None = None,
) -> Server:
    """Open the store at `url`, seed it if asked, and make the API app for `users`.

    `simulate` (events per minute) runs the traffic simulator for the app's life;
    `sla` sets the SLA targets of new incidents (default: the store's own); `pool`
    the engine's connection pool; `catalogue` the clock rules (default: the shipped ones).
    """
    options: dict[str, Any] = {"sla": sla} if sla else {}
    store = Store.open(url, sqlite_sync=sqlite_sync, pool=pool, **options)
    try:
        seeded = seed_demo(store) if seed else None
        background: Callable[[], AsyncIterator[None]] | None = None
        if simulate:
            background = Simulator(store, simulate).run
        app = create_app(store, users, background=background, catalogue=catalogue)
    except BaseException:
        store.close()
        raise
    return Server(url, store, app, seeded, simulate)


def banner(server: Server, base: str, tokens: Mapping[str, str]) -> list[str]:
    """What `serve` prints once listening: the URL, the store, the tokens (once) and a hint."""
    lines = [f"rr incident API {__version__} at {base}/api/v1  (store: {redact(server.url)})"]
    if tokens:
        lines.append("tokens (shown once, never logged):")
        lines.extend(f"  {name:<14} {token}" for name, token in tokens.items())
        example = next(iter(tokens.values()))
        lines.append(f'try: curl -H "Authorization: Bearer {example}" {base}/api/v1/incidents')
    if server.simulate:
        lines.append(f"simulating {server.simulate:g} events per minute")
    return lines


def serve(
    server: Server,
    *,
    host: str,
    port: int,
    tokens: Mapping[str, str],
    quiet: bool = False,
    workers: int = 1,
    worker_env: Mapping[str, str] | None = None,
) -> int:
    """Listen on host:port (0: a free port), print the banner, serve until stopped.

    With `workers` above 1 the server runs in that many processes (`workers`),
    each built from `worker_env` (`factory.environment`), not in this one.
    Returns the exit code: 1 if the port cannot be had or a worker died, else 0.
    """
    if server.seeded is not None:
        note = f"seeded {server.seeded} demo incidents"
        print(note if server.seeded else "database already has data: not seeded")
    try:
        sock = bind(host, port)
    except OSError as error:
        print(f"rr-tui serve: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        return 1
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{sock.getsockname()[1]}"

    def show_banner() -> None:
        for line in banner(server, base, tokens):
            print(line)
        if workers > 1:
            print(f"serving from {workers} processes")
        sys.stdout.flush()

    if workers > 1:
        from rr_tui.server.workers import run_workers

        server.store.engine.dispose()  # the workers open their own connections
        # Shown once every worker listens: a client that reads the banner can connect.
        return run_workers(sock, workers, worker_env or {}, quiet=quiet, ready=show_banner)
    show_banner()
    Uvicorn(uvicorn_config(server.app, quiet=quiet, foreground=True)).run(sockets=[sock])
    return 0
