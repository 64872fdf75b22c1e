"""`rr-tui demo`: the reference server on a throw-away seeded database, and the dashboard on it.

The server runs in-process on a free loopback port with demo data and live
traffic; the dashboard talks to it over real HTTP as the demo lead. With
`serve_only` the server runs in the foreground instead and prints its URL and
tokens, for a dashboard (or curl) started elsewhere. Everything the demo writes,
its outbox included, lives in one temporary directory removed at the end.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from rr_tui import locations
from rr_tui.config import Settings
from rr_tui.logs import configure_logging
from rr_tui.server.auth import demo_users
from rr_tui.server.build import build, database_url, serve
from rr_tui.server.runner import ServerThread

DEMO_USER = "demo-lead"
"""Who the demo dashboard signs in as."""


def run_demo(settings: Settings, *, simulate: float, serve_only: bool = False) -> int:
    """Run the demo (`simulate` events per minute) until the user quits; returns the exit code.

    The configuration applies (views, keymap, theme, SLA targets), except its profiles.
    """
    users, tokens = demo_users()
    with tempfile.TemporaryDirectory(prefix="rr-demo-") as tmp:
        directory = Path(tmp)
        if serve_only:
            configure_logging()
        with build(
            database_url(str(locations.demo_database(directory))),
            users,
            seed=True,
            simulate=simulate,
            sqlite_sync="normal",
            sla=settings.sla_targets(),
        ) as server:
            if serve_only:
                return serve(server, host="127.0.0.1", port=0, tokens=tokens)
            from rr_tui.backends.rr_http import HOLD_SECONDS, RrHttpBackend
            from rr_tui.launch import run_dashboard

            with ServerThread(server.app) as thread:
                options = settings.dashboard_options(title=f"{settings.title} · APAC demo")
                backend = RrHttpBackend(thread.url, tokens[DEMO_USER], hold=HOLD_SECONDS)
                return run_dashboard(backend, options, locations.demo_outbox(directory))
