"""The `rr-tui` command line: `serve` runs the reference backend, `demo` shows the product."""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rr_tui import __version__, locations
from rr_tui.options import DashboardOptions

if TYPE_CHECKING:
    from rr_tui.backends.rr_http import RrHttpBackend
    from rr_tui.server.auth import Users
    from rr_tui.server.schema import SqliteSync


def default_db_path() -> Path:
    """Where `rr-tui serve` keeps its database unless told otherwise."""
    return locations.data_dir() / "server.db"


def _db_url(value: str) -> str:
    if "://" in value:
        return value
    path = Path(value).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of events per minute"
        ) from None
    if not 0 < rate <= 6000:
        raise argparse.ArgumentTypeError("the rate must be above 0 and at most 6000 per minute")
    return rate


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every `rr-tui` command."""
    parser = argparse.ArgumentParser(
        prog="rr-tui",
        description="A terminal dashboard for Trust & Safety Rapid Response teams.",
    )
    parser.add_argument("--version", action="version", version=f"rr-tui {__version__}")
    parser.add_argument("--url", help="an rr API server to open the dashboard on")
    parser.add_argument(
        "--token",
        help="its bearer token (default: $RR_TUI_TOKEN; prefer that: flags show in ps)",
    )
    parser.add_argument(
        "--reveal-sensitive",
        action="store_true",
        help="show sensitive titles unmasked by default",
    )
    parser.set_defaults(run=_dashboard)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the reference incident backend (rr HTTP API v1)",
        description="Run the reference incident backend: the rr HTTP API v1 over a SQL store.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    serve.add_argument(
        "--port", type=int, default=8765, help="port to listen on (default: %(default)s)"
    )
    serve.add_argument(
        "--db",
        default=str(default_db_path()),
        help="SQLite file, or a SQLAlchemy URL such as postgresql://... (default: %(default)s)",
    )
    serve.add_argument(
        "--seed", action="store_true", help="load the demo data set into an empty database"
    )
    serve.add_argument(
        "--simulate",
        type=_rate,
        metavar="RATE",
        help="simulate live traffic at RATE events per minute",
    )
    serve.add_argument("--users", type=Path, metavar="FILE", help="users and tokens (TOML)")
    serve.add_argument(
        "--token",
        help="fix the demo-lead user's token (for scripts); ignored with --users",
    )
    serve.add_argument(
        "--quiet", action="store_true", help="log warnings and errors only (no access log)"
    )
    serve.set_defaults(run=_serve)

    demo = commands.add_parser(
        "demo",
        help="the dashboard on a throw-away demo backend",
        description=(
            "Start the reference backend in-process on a free loopback port, with demo data "
            "and live traffic, and open the dashboard on it over real HTTP."
        ),
    )
    demo.add_argument(
        "--simulate", type=_rate, default=20.0, metavar="RATE", help="events per minute"
    )
    demo.add_argument(
        "--serve-only",
        action="store_true",
        help="run only the demo backend and print its URL and tokens",
    )
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `rr-tui` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except KeyboardInterrupt:
        return 130


def _serve(args: argparse.Namespace) -> int:
    from rr_tui.server.auth import UsersFileError, demo_users, load_users

    if args.users:
        try:
            users = load_users(args.users)
        except UsersFileError as error:
            print(f"rr-tui serve: {error}", file=sys.stderr)
            return 2
        tokens: dict[str, str] = {}
    else:
        users, tokens = demo_users(args.token)
    return _run_server(
        url=_db_url(args.db),
        host=args.host,
        port=args.port,
        seed=args.seed,
        simulate=args.simulate,
        users=users,
        tokens=tokens,
        quiet=args.quiet,
    )


def _dashboard(args: argparse.Namespace) -> int:
    url = args.url
    token = args.token or os.environ.get("RR_TUI_TOKEN")
    if not url:
        print(
            "rr-tui: no backend to open. Try `rr-tui demo`, or "
            "`rr-tui --url http://HOST:PORT` with the token in $RR_TUI_TOKEN.",
            file=sys.stderr,
        )
        return 2
    if not token:
        print("rr-tui: no token: set $RR_TUI_TOKEN or pass --token", file=sys.stderr)
        return 2
    from rr_tui.backends.rr_http import RrHttpBackend

    options = DashboardOptions(reveal_sensitive=args.reveal_sensitive)
    return _run_dashboard(RrHttpBackend(url, token), options)


def _run_dashboard(backend: RrHttpBackend, options: DashboardOptions) -> int:
    from rr_tui.app import RrApp

    _log_to_file()
    RrApp(backend, options, contacts_cache=locations.contacts_cache()).run()
    return 0


def _log_to_file() -> None:
    """The dashboard owns the terminal: its log goes to a file in the state directory."""
    path = locations.state_dir() / "rr-tui.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=path,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _demo(args: argparse.Namespace) -> int:
    from rr_tui.server.auth import demo_users

    users, tokens = demo_users()
    with tempfile.TemporaryDirectory(prefix="rr-demo-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        if args.serve_only:
            return _run_server(
                url=url,
                host="127.0.0.1",
                port=0,
                seed=True,
                simulate=args.simulate,
                users=users,
                tokens=tokens,
                sqlite_sync="normal",
            )
        return _run_demo_dashboard(url, args.simulate, users, tokens["demo-lead"])


def _run_demo_dashboard(url: str, simulate: float, users: Users, token: str) -> int:
    from rr_tui.backends.rr_http import RrHttpBackend
    from rr_tui.server.api import create_app
    from rr_tui.server.runner import ServerThread
    from rr_tui.server.seed import seed_demo
    from rr_tui.server.simulator import Simulator
    from rr_tui.server.store import Store

    store = Store.open(url, sqlite_sync="normal")
    seed_demo(store)
    app = create_app(store, users, background=Simulator(store, simulate).run)
    with ServerThread(app) as server:
        options = DashboardOptions(title="RR · APAC demo")
        code = _run_dashboard(RrHttpBackend(server.url, token), options)
    store.close()
    return code


def _run_server(
    *,
    url: str,
    host: str,
    port: int,
    seed: bool,
    simulate: float | None,
    users: Users,
    tokens: dict[str, str],
    sqlite_sync: SqliteSync = "full",
    quiet: bool = False,
) -> int:
    import uvicorn

    from rr_tui.server.api import create_app
    from rr_tui.server.runner import bind
    from rr_tui.server.seed import seed_demo
    from rr_tui.server.simulator import Simulator
    from rr_tui.server.store import Store

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    store = Store.open(url, sqlite_sync=sqlite_sync)
    if seed:
        added = seed_demo(store)
        print(
            f"seeded {added} demo incidents" if added else "database already has data: not seeded"
        )
    background: Callable[[], AsyncIterator[None]] | None = None
    if simulate:
        background = Simulator(store, simulate, rng=random.Random()).run
    app = create_app(store, users, background=background)
    try:
        sock = bind(host, port)
    except OSError as error:
        print(f"rr-tui serve: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        return 1
    actual_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{actual_port}"
    print(f"rr incident API {__version__} at {base}/api/v1  (store: {_redact(url)})")
    if tokens:
        print("tokens (shown once, never logged):")
        for name, token in tokens.items():
            print(f"  {name:<14} {token}")
        example = next(iter(tokens.values()))
        print(f'try: curl -H "Authorization: Bearer {example}" {base}/api/v1/incidents')
    if simulate:
        print(f"simulating {simulate:g} events per minute")
    sys.stdout.flush()
    config = uvicorn.Config(
        app, log_level="warning" if quiet else "info", access_log=not quiet, lifespan="on"
    )
    uvicorn.Server(config).run(sockets=[sock])
    store.close()
    return 0


def _redact(url: str) -> str:
    """A database URL without its password, for printing."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
