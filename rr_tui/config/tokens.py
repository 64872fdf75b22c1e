"""A profile's bearer token: from an environment variable, or from a command that prints it.

The token is never stored in the config file, never printed and never logged:
it is returned as a `SecretStr` (whose repr is `**********`), and error
messages name where the token should have come from, never what it was.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping

from pydantic import SecretStr

from rr_tui.config.profiles import Profile

TOKEN_COMMAND_TIMEOUT = 60.0
"""Seconds a token command may take (a password manager may ask for a passphrase)."""


class TokenError(Exception):
    """The profile's token could not be had; the message says what to do."""


def token_source(profile: Profile) -> str:
    """Where a profile's token comes from, in words: `$RR_TUI_TOKEN` or `command: pass ...`."""
    if profile.token_command:
        return f"command: {profile.token_command[0]} …"
    return f"${profile.token_env}"


def resolve_token(
    name: str,
    profile: Profile,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = TOKEN_COMMAND_TIMEOUT,
) -> SecretStr:
    """The token of profile `name`, from its `token_command` or its `token_env` variable.

    The command runs without a shell, with the terminal's stdin and stderr (so a
    password manager can prompt); the first line of its standard output is the token.
    """
    if profile.token_command:
        token = _run(name, profile.token_command, timeout)
        where = f"the token_command of profile {name!r}"
    else:
        token = (environ if environ is not None else os.environ).get(profile.token_env, "")
        token = token.strip()
        if not token:
            raise TokenError(
                f"no token for profile {name!r}: set ${profile.token_env} "
                "(or give the profile a token_command, or pass --token)"
            )
        where = f"${profile.token_env}"
    if any(char.isspace() or not char.isprintable() for char in token):
        raise TokenError(f"the token from {where} has spaces or control characters in it")
    return SecretStr(token)


def _run(name: str, command: list[str], timeout: float) -> str:
    program = command[0]
    try:
        result = subprocess.run(  # noqa: S603 - the user's own command, from their config
            command,
            stdout=subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise TokenError(f"profile {name!r}: token_command {program!r} not found") from None
    except PermissionError:
        raise TokenError(f"profile {name!r}: token_command {program!r} is not executable") from None
    except subprocess.TimeoutExpired:
        raise TokenError(
            f"profile {name!r}: token_command {program!r} did not finish in {timeout:g}s"
        ) from None
    if result.returncode != 0:
        raise TokenError(
            f"profile {name!r}: token_command {program!r} failed (exit {result.returncode})"
        )
    lines = result.stdout.strip().splitlines()
    if not lines or not lines[0].strip():
        raise TokenError(f"profile {name!r}: token_command {program!r} printed no token")
    return lines[0].strip()
