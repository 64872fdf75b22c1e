"""The commented starter file, generated from the settings model.

`rr-tui config init` writes it and `config/rr-tui.example.toml` is a copy of it
(a test keeps the two equal). Its comments are the fields' docstrings and its
values are the defaults, so loading it gives exactly the defaults, and a new
option is documented the moment it is added to the model.

Regenerate the copy with `rr-tui config example > config/rr-tui.example.toml`.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from pydantic import BaseModel

from rr_tui.config.model import Settings
from rr_tui.config.views import BUILTIN_VIEWS

WIDTH = 92

HEADER = """\
# rr-tui configuration.
#
# rr-tui reads this file from --config PATH, else $RR_TUI_CONFIG, else the platform's
# config directory (~/.config/rr-tui/config.toml on Linux; `rr-tui config path` prints it).
# Every setting is shown with its default value: change what you need, delete the rest.
# Named tables ([profiles.NAME], [views.NAME], [severities.SEVn]) merge into the defaults,
# so they need only the keys you change.
#
# Environment variables override this file: RR_TUI_ and the key path in capitals, nested
# with __ (RR_TUI_POLL_INTERVAL=5, RR_TUI_NOTIFY__QUIET=true, RR_TUI_PROFILES__PROD__URL=...);
# lists and tables in the environment are JSON (RR_TUI_ZONES='["Asia/Tokyo"]').
# Command-line flags (--profile, --view, --poll-interval, --theme, --url, ...) override both.
#
# `rr-tui check-config` checks this file and the environment without starting the dashboard.
"""

EXTRA: dict[tuple[str, ...], str] = {
    ("columns",): '# columns = ["sev", "id", "sla", "status", "region", "assignee", "title"]',
    ("profiles", "local", "token_command"): (
        '# token_command = ["pass", "show", "rr/local"]   # instead of token_env'
    ),
}
"""Commented examples written after a key (instead of the key itself when it is in SKIP)."""

SKIP = {("profiles", "local", "token_command")}
"""Keys shown only as a commented example: writing their default would conflict with another."""

TAILS: dict[str, str] = {
    "profiles": """\
# A second backend: open it with `rr-tui --profile prod`, or make it the default above
# with profile = "prod".
# [profiles.prod]
# url = "https://rr.example.com"
# token_command = ["pass", "show", "rr/prod"]
#
# A PagerDuty account (see "Connecting to PagerDuty" in the README):
# [profiles.pagerduty]
# kind = "pagerduty"
# token_env = "PAGERDUTY_TOKEN"
# from_email = "mei.tan@example.com"
# service_ids = ["PXYZ123"]
# service_regions = { PXYZ123 = "ID" }
# service_sources = { PXYZ123 = "regulator" }
# contacts_file = "~/.config/rr-tui/stakeholders.toml"
""",
    "views": """\
# A view of your own: press its key, step with [ and ], or find it with ctrl+p.
# [views.apac-urgent]
# key = "P"
# severities = ["SEV0", "SEV1", "SEV2"]
# regions = ["ID", "TH", "VN", "PH", "MY", "SG"]
# categories = ["violent_extremism", "child_safety", "self_harm"]
""",
    "keymap": """\
# app.quit = "ctrl+q"
# queue.first = "home,g,ctrl+home"
# views.next = "right_square_bracket,f8"
""",
}
"""Commented examples written at the end of a section."""


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {value!r} as a TOML value")


def _comment(text: str | None) -> list[str]:
    if not text:
        return []
    flat = " ".join(text.split())
    return textwrap.wrap(flat, WIDTH - 2, initial_indent="# ", subsequent_indent="# ")


def _keys(
    path: tuple[str, ...],
    model: type[BaseModel],
    values: dict[str, Any],
    *,
    only: set[str] | None = None,
    docs: bool = True,
) -> list[str]:
    lines: list[str] = []
    for name, info in model.model_fields.items():
        if only is not None and name not in only:
            continue
        key_path = (*path, name)
        if docs:
            lines.extend(_comment(info.description))
        if key_path not in SKIP:
            lines.append(f"{name} = {_value(values[name])}")
        if key_path in EXTRA:
            lines.append(EXTRA[key_path])
    return lines


def render_example() -> str:
    """The starter file: every option, its documentation and its default."""
    defaults = Settings()
    data = defaults.model_dump(mode="json")
    fields = Settings.model_fields
    out: list[str] = [HEADER]
    tables = {"notify", "triage", "wellbeing", "severities", "profiles", "views", "keymap"}
    top = {name for name in fields if name not in tables}
    out.extend(_keys((), Settings, data, only=top))
    out.append("")

    notify = defaults.notify
    out.extend(_comment(fields["notify"].description))
    out.append("[notify]")
    out.extend(_keys(("notify",), type(notify), data["notify"]))
    out.append("")

    out.extend(_comment(fields["triage"].description))
    out.append("[triage]")
    out.extend(_keys(("triage",), type(defaults.triage), data["triage"]))
    out.append("")

    out.extend(_comment(fields["wellbeing"].description))
    out.append("[wellbeing]")
    out.extend(_keys(("wellbeing",), type(defaults.wellbeing), data["wellbeing"]))
    out.append("")

    out.extend(_comment(type(defaults.severities).__doc__))
    for position, (severity, info) in enumerate(type(defaults.severities).model_fields.items()):
        config = getattr(defaults.severities, severity)
        out.extend(_comment(info.description))
        out.append(f"[severities.{severity}]")
        out.extend(
            _keys(
                ("severities", severity),
                type(config),
                data["severities"][severity],
                docs=position == 0,
            )
        )
    out.append("")

    out.extend(_comment(fields["profiles"].description))
    for name, profile in defaults.profiles.items():
        out.extend(_comment(type(profile).__doc__))
        out.append(f"[profiles.{name}]")
        out.extend(_keys(("profiles", name), type(profile), data["profiles"][name]))
    out.append("")
    out.append(TAILS["profiles"])

    out.extend(_comment(fields["views"].description))
    for position, (name, view) in enumerate(defaults.views.items()):
        if position == 0:
            out.extend(_comment(type(view).__doc__))
        out.append(f"[views.{name}]")
        own = None if position == 0 else set(BUILTIN_VIEWS.get(name, {}))
        out.extend(
            _keys(("views", name), type(view), data["views"][name], only=own, docs=position == 0)
        )
        out.append("")
    out.append(TAILS["views"])

    out.extend(_comment(fields["keymap"].description))
    out.append("[keymap]")
    out.append(TAILS["keymap"].rstrip("\n"))
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render_example(), end="")
