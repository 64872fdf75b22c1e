"""`rr-tui serve`'s database and process flags, and turning them into what `build` takes.

Light to import (no SQLAlchemy): the command line builds every parser at start-up.

The command line module keeps the flags every command shares; these are the
server's own (which database, its pool, how many processes), so their parsing
and checks live beside the server.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from rr_tui.models import Severity
from rr_tui.server.database import ENV_URL, PoolOptions, resolve_url


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= number <= 1000:
        raise argparse.ArgumentTypeError("give a number from 1 to 1000")
    return number


def add_database_arguments(parser: argparse.ArgumentParser, default: Path) -> None:
    """`--db`, `--db-file`, `--pool-size`, `--no-pool-pre-ping` on `serve`'s parser."""
    parser.add_argument(
        "--db",
        help=f"SQLite file, or a SQLAlchemy URL such as postgresql://... (default: ${ENV_URL}, "
        f"else {default}); a URL with a password is better given by ${ENV_URL} or --db-file",
    )
    parser.add_argument(
        "--db-file",
        type=Path,
        metavar="FILE",
        help="read the database URL from the first line of FILE (keep it mode 0600)",
    )
    parser.add_argument(
        "--pool-size",
        type=_positive,
        default=PoolOptions.size,
        metavar="N",
        help="database connections each server process keeps open (default: %(default)s)",
    )
    parser.add_argument(
        "--no-pool-pre-ping",
        dest="pool_pre_ping",
        action="store_false",
        default=None,
        help="do not check a pooled connection before use (it finds connections a "
        "database restart broke; on by default except for SQLite)",
    )


def add_process_arguments(parser: argparse.ArgumentParser) -> None:
    """`--workers` on `serve`'s parser."""
    parser.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="serve from N processes on the one port (default: %(default)s); several "
        "processes need a database they can share: PostgreSQL, or SQLite on one machine",
    )


def database_options(
    args: argparse.Namespace, default: Path, environ: Mapping[str, str] = os.environ
) -> tuple[str, PoolOptions]:
    """The URL and pool the flags ask for (`DatabaseError` when the URL cannot be had)."""
    url = resolve_url(args.db, args.db_file, environ, default)
    return url, PoolOptions(size=args.pool_size, pre_ping=args.pool_pre_ping)


def run_serve(args: argparse.Namespace, sla: Mapping[Severity, timedelta], default: Path) -> int:
    """`rr-tui serve` once its configuration is loaded: open, seed, listen; the exit code."""
    from sqlalchemy.exc import OperationalError

    from rr_tui import deadlines
    from rr_tui.logs import configure_logging
    from rr_tui.server.auth import UsersFileError, demo_users, load_users
    from rr_tui.server.build import build, redact, serve
    from rr_tui.server.database import DatabaseError
    from rr_tui.server.factory import ENV_CLOCK_RULES, environment

    try:
        url, pool = database_options(args, default)
    except DatabaseError as error:
        return _fail(str(error), 2)
    if args.users:
        try:
            users = load_users(args.users)
        except UsersFileError as error:
            return _fail(str(error), 2)
        tokens: dict[str, str] = {}
    else:
        users, tokens = demo_users(args.serve_token)
    try:
        catalogue = deadlines.load(args.clock_rules)
    except deadlines.CatalogueError as error:
        return _fail("\nrr-tui serve: ".join(error.lines), 2)  # one line a problem
    configure_logging()
    try:
        server = build(
            url,
            users,
            seed=args.seed,
            simulate=args.simulate,
            sla=sla,
            pool=pool,
            catalogue=catalogue,
        )
    except DatabaseError as error:  # no driver, or a URL SQLAlchemy cannot use
        return _fail(str(error), 2)
    except OperationalError as error:
        # The database is down or refuses us: its first line says why (no traceback).
        reason = str(error.orig or error).strip().splitlines()[0]
        return _fail(f"cannot open {redact(url)}: {reason}", 1)
    env = environment(url, users, sla=sla, pool=pool, simulate=args.simulate)
    if args.clock_rules:  # each worker process reads the team's rules itself
        env[ENV_CLOCK_RULES] = str(args.clock_rules)
    with server:
        return serve(
            server,
            host=args.host,
            port=args.port,
            tokens=tokens,
            quiet=args.quiet,
            workers=args.workers,
            worker_env=env,
        )


def _fail(message: str, code: int) -> int:
    print(f"rr-tui serve: {message}", file=sys.stderr)
    return code
