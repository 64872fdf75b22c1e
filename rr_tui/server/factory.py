"""The server built from the environment: an importable app factory for several processes.

`rr-tui serve --workers N` starts N processes that each call `app_from_env`, with
what the parent parsed and checked (URL, users, SLA targets, pool) passed in the
environment `environment()` makes: the users as names, roles and token digests,
never as tokens. A team may also run it under its own process manager:

    RR_DB_URL=postgresql://... RR_USERS_FILE=/etc/rr/users.toml \\
        uvicorn --factory rr_tui.server.factory:app_from_env --workers 2

The parent migrates and seeds the database before it starts them, so the
workers only open it (which would be safe at once anyway: see `migrate`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from rr_tui import deadlines
from rr_tui.models import Role, Severity
from rr_tui.server.auth import User, Users, load_users
from rr_tui.server.build import build
from rr_tui.server.database import ENV_URL, PoolOptions

ENV_USERS = "RR_SERVE_USERS"
"""JSON list of `[name, role, sha256 hex]`: the users table, without tokens."""
ENV_USERS_FILE = "RR_USERS_FILE"
"""A users file (TOML, as `--users`), for a factory run without `rr-tui serve`."""
ENV_SLA = "RR_SERVE_SLA"
"""JSON object: SLA target in seconds by severity."""
ENV_POOL = "RR_SERVE_POOL"
"""JSON object: the `PoolOptions` fields."""
ENV_CLOCK_RULES = "RR_SERVE_CLOCK_RULES"
"""A team's clock rules file (TOML, as `--clock-rules`), over the shipped catalogue."""
ENV_SIMULATE = "RR_SERVE_SIMULATE"
"""Simulated events per minute (one worker only, so the rate is what was asked)."""


def environment(
    url: str,
    users: Users,
    *,
    sla: Mapping[Severity, timedelta] | None = None,
    pool: PoolOptions | None = None,
    simulate: float | None = None,
) -> dict[str, str]:
    """What a worker process needs in its environment to build the same server."""
    env = {
        ENV_URL: url,
        ENV_USERS: json.dumps([[u.name, u.role.value, u.token_digest.hex()] for u in users]),
        ENV_POOL: json.dumps(asdict(pool or PoolOptions())),
    }
    if sla:
        env[ENV_SLA] = json.dumps({sev.value: span.total_seconds() for sev, span in sla.items()})
    if simulate:
        env[ENV_SIMULATE] = repr(simulate)
    return env


def _users(environ: Mapping[str, str]) -> Users:
    if ENV_USERS in environ:
        table = json.loads(environ[ENV_USERS])
        return Users(User(name, Role(role), bytes.fromhex(hexed)) for name, role, hexed in table)
    if ENV_USERS_FILE in environ:
        return load_users(Path(environ[ENV_USERS_FILE]))
    raise RuntimeError(f"set {ENV_USERS_FILE} to a users file (see `rr-tui serve --users`)")


def app_from_env(environ: Mapping[str, str] | None = None) -> FastAPI:
    """The API app over the database `RR_DB_URL` names, for the users the environment gives."""
    environ = os.environ if environ is None else environ
    if not environ.get(ENV_URL):
        raise RuntimeError(f"set {ENV_URL} to the database URL")
    sla = {
        Severity(k): timedelta(seconds=v) for k, v in json.loads(environ.get(ENV_SLA, "{}")).items()
    }
    pool = PoolOptions(**json.loads(environ.get(ENV_POOL, "{}")))
    simulate = float(environ[ENV_SIMULATE]) if environ.get(ENV_SIMULATE) else None
    catalogue = deadlines.load(environ.get(ENV_CLOCK_RULES) or None)
    server = build(
        environ[ENV_URL],
        _users(environ),
        simulate=simulate,
        sla=sla or None,
        pool=pool,
        catalogue=catalogue,
    )
    return server.app
