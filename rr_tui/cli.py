"""The `rr-tui` command line.

    rr-tui [--profile NAME] [--view NAME]      the dashboard on the active profile
    rr-tui demo                                the dashboard on a throw-away demo backend
    rr-tui serve                               the reference incident backend
    rr-tui list [--view NAME] [--format F]     the queue, headless: table, JSON or CSV
    rr-tui postmortem ID [--format md|json]    a post-mortem draft from the timeline
    rr-tui check-config                        check the configuration, start nothing
    rr-tui config path | init | example        where the config file is; write a starter

Every command that reads the configuration refuses to start on any problem in
it, and says each one in a line (`rr_tui.config.load`). Flags beat `RR_TUI_*`
environment variables, which beat the file, which beats the defaults.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from rr_tui import __version__, listing, locations, reports
from rr_tui.config import ConfigError, Loaded, TokenError, config_path, load, render_example
from rr_tui.config.report import describe, path_problem, problems
from rr_tui.connect import connect
from rr_tui.server.command import add_database_arguments, add_process_arguments


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


# --- the parser ---------------------------------------------------------------------

FLAG_NAMES = {
    "profile": "--profile",
    "default_view": "--view",
    "poll_interval": "--poll-interval",
    "theme": "--theme",
    "reveal_sensitive": "--reveal-sensitive",
    "profiles": "--url",
}
"""The setting each flag overrides (--url overrides the active profile's url)."""


def _add_config(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="the config file (default: $RR_TUI_CONFIG, else the platform config directory: "
        "`rr-tui config path` prints it)",
    )


def _add_profile(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--profile", metavar="NAME", default=default, help="the backend profile to use"
    )
    parser.add_argument("--url", default=default, help="the rr API server (overrides the profile)")
    parser.add_argument(
        "--token",
        default=default,
        help="its bearer token (default: the profile's token_env or token_command; "
        "prefer those: flags show in ps)",
    )


def _add_view(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument("--view", metavar="NAME", default=default, help="the saved view to show")
    parser.add_argument(
        "--reveal-sensitive",
        action="store_true",
        default=False if default is None else default,
        help="show sensitive titles unmasked by default",
    )


def _add_display(parser: argparse.ArgumentParser, default: Any) -> None:
    _add_view(parser, default)
    parser.add_argument(
        "--poll-interval",
        type=float,
        metavar="SECONDS",
        default=default,
        help="seconds between polls (at least 1)",
    )
    parser.add_argument(
        "--theme", metavar="NAME", default=default, help="a Textual theme, or rr-high-contrast"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every `rr-tui` command."""
    parser = argparse.ArgumentParser(
        prog="rr-tui",
        description="A terminal dashboard for Trust & Safety Rapid Response teams. "
        "Without a command: the dashboard on the active profile's backend.",
    )
    parser.add_argument("--version", action="version", version=f"rr-tui {__version__}")
    _add_config(parser, None)
    _add_profile(parser, None)
    _add_display(parser, None)
    parser.set_defaults(run=_dashboard)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Options given after the command name must not be reset by the command's own
    # defaults (`rr-tui --config X list`): SUPPRESS leaves the top level's value.
    keep = argparse.SUPPRESS

    serve = commands.add_parser(
        "serve",
        help="run the reference incident backend (rr HTTP API v1)",
        description="Run the reference incident backend: the rr HTTP API v1 over a SQL store. "
        "SLA targets come from the configuration's [severities] table.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    serve.add_argument(
        "--port", type=int, default=8765, help="port to listen on (default: %(default)s)"
    )
    add_database_arguments(serve, locations.server_database())
    add_process_arguments(serve)
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
        "--clock-rules",
        type=Path,
        metavar="FILE",
        help="the team's clock rules (TOML), added to and overriding the shipped catalogue",
    )
    serve.add_argument(
        "--token",
        dest="serve_token",
        help="fix the demo-lead user's token (for scripts); ignored with --users",
    )
    serve.add_argument(
        "--quiet", action="store_true", help="log warnings and errors only (no access log)"
    )
    _add_config(serve, keep)
    serve.set_defaults(run=_serve)

    demo = commands.add_parser(
        "demo",
        help="the dashboard on a throw-away demo backend",
        description=(
            "Start the reference backend in-process on a free loopback port, with demo data "
            "and live traffic, and open the dashboard on it over real HTTP. Your configuration "
            "applies (views, keymap, theme, ...), except its profiles."
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
    _add_config(demo, keep)
    _add_display(demo, keep)
    demo.set_defaults(run=_demo)

    listing = commands.add_parser(
        "list",
        help="print the queue of a saved view: a table, JSON or CSV",
        description="Fetch the queue from the active profile's backend once and print it in "
        "queue order (severity, SLA, age), filtered by a saved view, for scripts and shift "
        "reports. The table has the configured columns; JSON and CSV have every field.",
    )
    listing.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="output format (default: %(default)s)",
    )
    _add_config(listing, keep)
    _add_profile(listing, keep)
    _add_view(listing, keep)
    listing.set_defaults(run=_list)

    reports.add_commands(commands, partial(_add_reporting, keep=keep), run=_report)

    check = commands.add_parser(
        "check-config",
        help="check the configuration without starting anything",
        description="Read the config file and the RR_TUI_* environment, check every value, "
        "and say what the dashboard would use. Exits 2 if anything is wrong. Token commands "
        "are not run.",
    )
    _add_config(check, keep)
    _add_profile(check, keep)
    _add_display(check, keep)
    check.set_defaults(run=_check_config)

    config = commands.add_parser(
        "config",
        help="where the config file is, and a starter file",
        description="Find the config file, or write a commented starter.",
    )
    actions = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    path = actions.add_parser(
        "path",
        help="print the config file's path",
        description="Print the path of the config file rr-tui reads: --config, else "
        "$RR_TUI_CONFIG, else the platform config directory.",
    )
    _add_config(path, keep)
    path.set_defaults(run=_config_path)
    init = actions.add_parser(
        "init",
        help="write a commented starter config (never overwrites)",
        description="Write a starter config file, every option commented with its default, "
        "where `rr-tui config path` says. An existing file is never overwritten.",
    )
    _add_config(init, keep)
    init.set_defaults(run=_config_init)
    example = actions.add_parser(
        "example",
        help="print the commented starter config",
        description="Print the starter config that `rr-tui config init` writes.",
    )
    example.set_defaults(run=_config_example)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `rr-tui` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except ConfigError as error:
        for line in error.lines:
            print(f"rr-tui: {line}", file=sys.stderr)
        return 2
    except TokenError as error:
        print(f"rr-tui: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `rr-tui list | head`: the reader left. Point stdout at /dev/null so the
        # interpreter's last flush does not raise again, and exit as `head` expects.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


# --- configuration ------------------------------------------------------------------


def ui_names() -> tuple[list[str], set[str]]:
    """The theme names and key binding ids the dashboard knows, to check the config against."""
    from textual.theme import BUILTIN_THEMES

    from rr_tui.screens.keys import binding_ids

    return list(BUILTIN_THEMES), binding_ids()


def load_config(args: argparse.Namespace) -> Loaded:
    """The configuration for this command line: file, environment and flags, all checked."""
    flags: dict[str, Any] = {}
    for setting, attribute in (
        ("profile", "profile"),
        ("default_view", "view"),
        ("poll_interval", "poll_interval"),
        ("theme", "theme"),
    ):
        value = getattr(args, attribute, None)
        if value is not None:
            flags[setting] = value
    if getattr(args, "reveal_sensitive", False):
        flags["reveal_sensitive"] = True
    themes, binding_ids = ui_names()
    return load(
        getattr(args, "config", None),
        flags=flags,
        flag_names=FLAG_NAMES,
        url=getattr(args, "url", None),
        themes=themes,
        binding_ids=binding_ids,
    )


def _dashboard(args: argparse.Namespace) -> int:
    loaded = load_config(args)
    backend = connect(loaded, getattr(args, "token", None))
    from rr_tui.launch import run_dashboard

    return run_dashboard(backend, loaded.settings.dashboard_options())


def _check_config(args: argparse.Namespace) -> int:
    # Before load: reading a FIFO would hang, and a directory must not pass as "no file".
    problem = path_problem(config_path(getattr(args, "config", None))[0])
    if problem is not None:
        print(f"rr-tui: {problem}", file=sys.stderr)
        return 2
    loaded = load_config(args)
    for line in describe(loaded):
        print(line)
    for line in problems(loaded):
        print(f"rr-tui: {line}", file=sys.stderr)
    return 2 if problems(loaded) else 0


def _config_path(args: argparse.Namespace) -> int:
    path, _origin = config_path(getattr(args, "config", None))
    print(path)
    if not path.exists():
        print("(no file there yet: `rr-tui config init` writes a starter)", file=sys.stderr)
    return 0


def _config_init(args: argparse.Namespace) -> int:
    path, _origin = config_path(getattr(args, "config", None))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(render_example())
    except FileExistsError:
        print(f"rr-tui: {path} already exists: not overwritten", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    print("edit it, then run `rr-tui check-config`")
    return 0


def _config_example(args: argparse.Namespace) -> int:
    print(render_example(), end="")
    return 0


# --- rr-tui list --------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    loaded = load_config(args)
    backend = connect(loaded, getattr(args, "token", None))
    name, _profile = loaded.settings.active()
    return listing.print_view(backend, loaded.settings, args.format, profile=name)


def _add_reporting(parser: argparse.ArgumentParser, *, keep: Any) -> None:
    _add_config(parser, keep)
    _add_profile(parser, keep)


def _report(args: argparse.Namespace) -> int:
    loaded = load_config(args)
    backend = connect(loaded, getattr(args, "token", None))
    return reports.run(args, backend, loaded.settings)


def _serve(args: argparse.Namespace) -> int:
    from rr_tui.server.command import run_serve

    sla = load_config(args).settings.sla_targets()
    return run_serve(args, sla, locations.server_database())


def _demo(args: argparse.Namespace) -> int:
    from rr_tui.demo import run_demo

    return run_demo(load_config(args).settings, simulate=args.simulate, serve_only=args.serve_only)
