"""Settings from a TOML file and the environment: defaults, precedence, every error message."""

from __future__ import annotations

import sys
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from rr_tui.config import (
    ConfigError,
    Profile,
    Settings,
    TokenError,
    View,
    config_path,
    default_path,
    load,
    render_example,
    resolve_token,
)
from rr_tui.config.fields import format_duration, parse_duration
from rr_tui.config.toml_lines import key_lines
from rr_tui.models import Severity, Status

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "config" / "rr-tui.example.toml"


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path | None, **kwargs: Any) -> list[str]:
    """The problem lines `load` reports, with the file's directory cut off."""
    with pytest.raises(ConfigError) as error:
        load(path, **kwargs)
    prefix = f"{path.parent}/" if path else ""
    return [line.replace(prefix, "") for line in error.value.lines]


# --- defaults and the example file ----------------------------------------------------


def _models(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = [model]
    for info in model.model_fields.values():
        annotation = info.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                found.extend(_models(candidate))
    return found


def test_every_field_has_a_docstring() -> None:
    for model in _models(Settings):
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no docstring"


def test_the_example_is_the_starter_file_and_loads_as_the_defaults() -> None:
    assert EXAMPLE.read_text(encoding="utf-8") == render_example(), (
        "config/rr-tui.example.toml is stale: "
        "run `rr-tui config example > config/rr-tui.example.toml`"
    )
    loaded = load(EXAMPLE)
    assert loaded.settings == Settings()
    assert loaded.settings.dashboard_options() == Settings().dashboard_options()


def test_the_example_documents_every_option() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    documented = set(key_lines(text))
    # Commented-out examples count: they show the key with its documentation.
    documented |= set(key_lines("\n".join(line.lstrip("# ") for line in text.splitlines())))

    def paths(model: type[BaseModel], prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = []
        for name, info in model.model_fields.items():
            annotation = info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                found.extend(paths(annotation, (*prefix, name)))
            else:
                found.append((*prefix, name))
        return found

    expected = [p for p in paths(Settings, ()) if p[0] not in ("profiles", "views", "keymap")]
    expected += [("profiles", "local", name) for name in Profile.model_fields]
    expected += [("views", "open", name) for name in View.model_fields]
    expected += [("keymap",)]
    missing = [path for path in expected if path not in documented]
    assert not missing


def test_no_file_means_defaults(tmp_path: Path) -> None:
    loaded = load()
    assert not loaded.layers.exists
    assert loaded.layers.path == default_path()
    assert loaded.settings == Settings()
    settings = loaded.settings
    assert settings.poll_interval == 2.0
    assert settings.profile == "local"
    assert settings.profiles["local"].url == "http://127.0.0.1:8765"
    assert settings.profiles["local"].token_env == "RR_TUI_TOKEN"
    assert list(settings.views) == ["open", "urgent", "mine", "new", "resolved"]
    assert settings.severities.SEV1.sla == timedelta(hours=2)


def test_where_the_file_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config_path() == (default_path(), "default")
    assert default_path() == tmp_path / "home" / "config" / "config.toml"
    monkeypatch.setenv("RR_TUI_CONFIG", str(tmp_path / "env.toml"))
    assert config_path() == (tmp_path / "env.toml", "$RR_TUI_CONFIG")
    assert config_path(tmp_path / "flag.toml") == (tmp_path / "flag.toml", "--config")


def test_a_named_file_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope.toml"
    assert problems(missing) == ["nope.toml: no such file"]
    monkeypatch.setenv("RR_TUI_CONFIG", str(missing))
    with pytest.raises(ConfigError, match="no such file"):
        load()


# --- precedence -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("in_file", "in_env", "in_flag", "expected"),
    [
        (False, False, False, 2.0),
        (True, False, False, 5.0),
        (True, True, False, 7.0),
        (True, True, True, 9.0),
        (False, True, False, 7.0),
        (False, False, True, 9.0),
    ],
)
def test_precedence_flag_over_env_over_file_over_defaults(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    in_file: bool,
    in_env: bool,
    in_flag: bool,
    expected: float,
) -> None:
    path = write(tmp_path, "poll_interval = 5\n" if in_file else "")
    if in_env:
        monkeypatch.setenv("RR_TUI_POLL_INTERVAL", "7")
    flags = {"poll_interval": 9.0} if in_flag else {}
    assert load(path, flags=flags).settings.poll_interval == expected


def test_precedence_of_the_profile_and_its_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path,
        'profile = "staging"\n'
        '[profiles.staging]\nurl = "http://staging.example"\n'
        '[profiles.prod]\nurl = "https://prod.example"\n',
    )
    assert load(path).settings.active()[0] == "staging"
    monkeypatch.setenv("RR_TUI_PROFILE", "prod")
    assert load(path).settings.active()[0] == "prod"
    assert load(path, flags={"profile": "local"}).settings.active()[0] == "local"
    # A nested variable overrides one key of a table the file wrote.
    monkeypatch.setenv("RR_TUI_PROFILES__PROD__URL", "https://prod-2.example")
    assert load(path).settings.active()[1].url == "https://prod-2.example"
    # --url overrides the active profile's url, whichever layer chose the profile.
    active = load(path, url="http://127.0.0.1:9").settings.active()
    assert active[0] == "prod"
    assert active[1].url == "http://127.0.0.1:9"


def test_tables_merge_across_layers_and_into_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path,
        "[notify]\nbell = false\n"
        '[severities.SEV1]\nlabel = "P1"\n'
        '[views.urgent]\nkey = "X"\n'
        '[views.apac]\nregions = ["ID", "TH"]\n'
        "[keymap]\n"
        'queue.cursor_down = "f7"\n'
        '"app.quit" = "ctrl+q"\n',
    )
    monkeypatch.setenv("RR_TUI_NOTIFY__QUIET", "true")
    monkeypatch.setenv("RR_TUI_KEYMAP__QUEUE__FIRST", "home")
    settings = load(path).settings
    assert settings.notify.bell is False
    assert settings.notify.quiet is True
    assert settings.notify.alert_at is Severity.SEV1  # the default stays
    assert settings.severities.SEV1.label == "P1"
    assert settings.severities.SEV1.sla == timedelta(hours=2)
    assert settings.views["urgent"].key == "X"
    assert settings.views["urgent"].severities == [Severity.SEV0, Severity.SEV1]
    assert list(settings.views) == ["open", "urgent", "mine", "new", "resolved", "apac"]
    assert settings.views["apac"].statuses == [s for s in Status if s.is_open]
    assert settings.keymap == {
        "queue.cursor_down": "f7",
        "app.quit": "ctrl+q",
        "queue.first": "home",
    }


def test_dashboard_options_from_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'title = "RR · APAC shift"\n'
        'zones = ["Asia/Jakarta", "Asia/Tokyo"]\n'
        'theme = "rr-high-contrast"\n'
        'columns = ["sev", "id", "title"]\n'
        '[notify]\nalert_at = "SEV2"\n'
        "[triage]\nrequire_reason = false\nundo_seconds = 10\n"
        '[views.apac]\nkey = "Z"\nseverities = ["SEV0"]\nregions = ["ID"]\n'
        'categories = ["child_safety"]\nassignee = "mei.tan"\ntext = "live"\n',
    )
    options = load(path).settings.dashboard_options()
    assert options.title == "RR · APAC shift"
    assert options.zones == ("Asia/Jakarta", "Asia/Tokyo")
    assert options.theme == "rr-high-contrast"
    assert options.columns == ("sev", "id", "title")
    assert options.alert_rank == 2
    assert options.require_reason is False
    assert options.undo_seconds == 10
    assert options.bell is True
    apac = {view.name: view for view in options.views}["apac"]
    assert apac.key == "Z"
    assert apac.filter.severities == {Severity.SEV0}
    assert apac.filter.regions == {"ID"}
    assert apac.filter.categories == {"child_safety"}
    assert apac.filter.assignee == "mei.tan"
    assert apac.filter.text == "live"
    mine = {view.name: view for view in options.views}["mine"]
    assert mine.mine
    assert mine.filter.assignee is None


def test_quiet_mode_silences_every_alert(tmp_path: Path) -> None:
    options = load(write(tmp_path, "[notify]\nquiet = true\n")).settings.dashboard_options()
    assert options.alert_rank == -1
    assert options.bell is False
    assert options.clock_alerting is False
    assert options.clock_bell is False


def test_clock_alerts_are_configured_in_notify(tmp_path: Path) -> None:
    default = load(None).settings.dashboard_options()
    assert default.clock_alerts == (0.5, 0.8)
    assert default.clock_alerting is True
    assert default.clock_bell is True
    text = "[notify]\nclock_alerts = [0.9, 0.25]\nclock_bell = false\n"
    options = load(write(tmp_path, text)).settings.dashboard_options()
    assert options.clock_alerts == (0.25, 0.9)
    assert options.clock_bell is False
    assert options.bell is True  # the arrivals' bell is its own setting


# --- every error message ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '[views.apac]\nseverities = ["SEV0", "SEV9"]\n',
            "config.toml:2: views.apac.severities[1]: 'SEV9' is not one of SEV0..SEV4",
            id="issue-example",
        ),
        pytest.param(
            'profile = "local"\ntitle = "RR\n',
            "config.toml:2: not valid TOML: Illegal character '\\n' (at line 2, column 12)",
            id="toml-syntax",
        ),
        pytest.param(
            "polling = 3\n",
            "config.toml:1: polling: unknown key 'polling' (did you mean 'poll_interval'?)",
            id="unknown-key",
        ),
        pytest.param(
            "\n[notify]\nbel = true\n",
            "config.toml:3: notify.bel: unknown key 'bel' (did you mean 'bell'?)",
            id="unknown-nested-key",
        ),
        pytest.param(
            "[views.apac]\nwhatever = 1\n",
            "config.toml:2: views.apac.whatever: unknown key 'whatever' (expected one of: key, "
            "severities, statuses, regions, categories, assignee, text)",
            id="unknown-key-lists-the-keys",
        ),
        pytest.param(
            '[profiles.prod]\nurl = "https://rr.example"\ntoken = "rr_live_secret"\n',
            "config.toml:3: profiles.prod.token: unknown key 'token': tokens never go in this "
            "file; use token_env (an environment variable) or token_command",
            id="token-in-file",
        ),
        pytest.param(
            "poll_interval = 0.5\n",
            "config.toml:1: poll_interval: 0.5 is below the minimum of 1",
            id="poll-floor",
        ),
        pytest.param(
            'poll_interval = "fast"\n',
            "config.toml:1: poll_interval: 'fast' is not a number",
            id="not-a-number",
        ),
        pytest.param(
            "reveal_sensitive = 3\n",
            "config.toml:1: reveal_sensitive: 3 is not true or false",
            id="not-a-bool",
        ),
        pytest.param(
            'zones = "Asia/Tokyo"\n',
            "config.toml:1: zones: 'Asia/Tokyo' is not a list",
            id="not-a-list",
        ),
        pytest.param(
            'zones = ["Asia/Jakarta", "Asia/Atlantis"]\n',
            "config.toml:1: zones[1]: 'Asia/Atlantis' is not an IANA time zone",
            id="time-zone",
        ),
        pytest.param(
            '[severities.SEV1]\nlabel = "P1"\nsla = "2 hours"\n',
            "config.toml:3: severities.SEV1.sla: '2 hours' is not a duration such as 30m, 2h, "
            "1h30m or 3d",
            id="duration",
        ),
        pytest.param(
            '[severities.SEV1]\nlabel = "PRIORITY-ONE"\n',
            "config.toml:2: severities.SEV1.label: 'PRIORITY-ONE' is not a label of 1 to 8 "
            "printable characters",
            id="label",
        ),
        pytest.param(
            '[severities.SEV9]\nlabel = "X"\n',
            "config.toml:1: severities.SEV9: 'SEV9' is not one of SEV0..SEV4",
            id="unknown-severity",
        ),
        pytest.param(
            '[profiles.prod]\nurl = "ftp://rr.example"\n',
            "config.toml:2: profiles.prod.url: 'ftp://rr.example' is not an http:// or "
            "https:// URL",
            id="url",
        ),
        pytest.param(
            '[profiles.prod]\ntoken_env = "RR TOKEN"\n',
            "config.toml:2: profiles.prod.token_env: 'RR TOKEN' is not an environment variable "
            "name",
            id="token-env-name",
        ),
        pytest.param(
            '[profiles.prod]\ntoken_env = "PROD_TOKEN"\ntoken_command = "pass show rr"\n',
            "config.toml:1: profiles.prod: give token_env or token_command, not both",
            id="two-token-sources",
        ),
        pytest.param(
            '[profiles."APAC Prod"]\nurl = "https://rr.example"\n',
            "config.toml:1: profiles.\"APAC Prod\": 'APAC Prod' is not a valid name: use "
            "lower-case letters, digits, - and _, starting with a letter (at most 32)",
            id="profile-name",
        ),
        pytest.param(
            '[profiles.prod]\nkind = "jira"\n',
            "config.toml:2: profiles.prod.kind: 'jira' is not one of rr, pagerduty",
            id="kind",
        ),
        pytest.param(
            '[profiles.prod]\nkind = "pagerduty"\n',
            'config.toml:1: profiles.prod: a "pagerduty" profile needs from_email: '
            "the PagerDuty user to act as",
            id="pagerduty-without-from-email",
        ),
        pytest.param(
            '[views.apac]\nstatuses = ["open"]\n',
            "config.toml:2: views.apac.statuses[0]: 'open' is not one of new, acknowledged, "
            "escalated, mitigated, resolved",
            id="status",
        ),
        pytest.param(
            '[views.apac]\nregions = ["ID", "th"]\n',
            "config.toml:2: views.apac.regions[1]: 'th' is not a market code such as 'ID' "
            "(two capital letters)",
            id="region",
        ),
        pytest.param(
            '[views.apac]\ncategories = ["Child Safety"]\n',
            "config.toml:2: views.apac.categories[0]: 'Child Safety' is not a category such as "
            "'violent_extremism' (lower-case letters, digits, _)",
            id="category",
        ),
        pytest.param(
            'columns = ["sev", "priority"]\n',
            "config.toml:1: columns[1]: 'priority' is not one of sev, id, age, sla, deadline, "
            "status, region, category, assignee, title",
            id="column",
        ),
        pytest.param(
            '[keymap]\nqueue.cursor_down = "down, j"\n',
            "config.toml:2: keymap.\"queue.cursor_down\": 'down, j' is not a key list such as "
            "'j' or 'down,j' (comma-separated, no spaces)",
            id="keys",
        ),
        pytest.param(
            'profile = "prod"\n',
            "config.toml:1: profile: 'prod' is not a profile (local)",
            id="no-such-profile",
        ),
        pytest.param(
            'default_view = "apac"\n',
            "config.toml:1: default_view: 'apac' is not a view (mine, new, open, resolved, urgent)",
            id="no-such-view",
        ),
        pytest.param(
            '[views.apac]\nkey = "U"\n',
            "config.toml:2: views.apac.key: 'U' is also the key of view 'urgent'",
            id="view-key-twice",
        ),
        pytest.param(
            'columns = ["sev", "id", "sev"]\n',
            "config.toml:1: columns[2]: 'sev' is listed twice",
            id="column-twice",
        ),
        pytest.param(
            "[notify]\nclock_alerts = [0.5, 1.5]\n",
            "config.toml:2: notify.clock_alerts[1]: 1.5 is not below 1",
            id="clock-alert-fraction",
        ),
        pytest.param(
            "\n[notify]\nclock_alerts = [0.8, 0.8]\n",
            "config.toml:3: notify.clock_alerts: a fraction is listed twice",
            id="clock-alert-twice",
        ),
    ],
)
def test_an_invalid_file_names_the_line_key_value_and_expectation(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert problems(write(tmp_path, text)) == [expected]


def test_theme_and_keymap_are_checked_against_what_the_dashboard_knows(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nrod"\n[keymap]\napp.quitt = "ctrl+q"\nviews.urgent = "f2"\n')
    assert problems(path, themes=["nord", "textual-dark"], binding_ids=["app.quit"]) == [
        "config.toml:1: theme: 'nrod' is not a theme (did you mean 'nord'?)",
        "config.toml:3: keymap.\"app.quitt\": 'app.quitt' is not a binding id "
        "(did you mean 'app.quit'?)",
    ]
    # A saved view's binding id (views.NAME) is known; the high-contrast theme always is.
    path = write(tmp_path, 'theme = "rr-high-contrast"\n[keymap]\nviews.urgent = "f2"\n')
    assert load(path, themes=["nord"], binding_ids=[]).settings.keymap == {"views.urgent": "f2"}


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, 'poll_interval = 0\nzones = ["Nowhere/City"]\n[notify]\nbel = 1\n')
    assert problems(path) == [
        "config.toml:1: poll_interval: 0 is below the minimum of 1",
        "config.toml:2: zones[0]: 'Nowhere/City' is not an IANA time zone",
        "config.toml:4: notify.bel: unknown key 'bel' (did you mean 'bell'?)",
    ]


def test_environment_problems_name_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RR_TUI_POLL_INTERVAL", "0.5")
    monkeypatch.setenv("RR_TUI_NOTIFY__ALERT_AT", "SEV7")
    monkeypatch.setenv("RR_TUI_PROFILES__PROD__URL", "rr.example")
    assert sorted(problems(None)) == [
        "$RR_TUI_NOTIFY__ALERT_AT: notify.alert_at: 'SEV7' is not one of SEV0..SEV4",
        "$RR_TUI_POLL_INTERVAL: poll_interval: '0.5' is below the minimum of 1",
        "$RR_TUI_PROFILES__PROD__URL: profiles.prod.url: 'rr.example' is not an http:// or "
        "https:// URL",
    ]


def test_environment_lists_are_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RR_TUI_ZONES", '["Asia/Tokyo", "Asia/Seoul"]')
    assert load().settings.zones == ["Asia/Tokyo", "Asia/Seoul"]
    monkeypatch.setenv("RR_TUI_ZONES", "Asia/Tokyo")
    assert problems(None) == [
        "$RR_TUI_ZONES: not valid JSON (lists and tables in the environment are JSON)"
    ]


def test_flag_problems_name_the_flag(tmp_path: Path) -> None:
    names = {"profile": "--profile", "default_view": "--view", "profiles": "--url"}
    assert problems(None, flags={"profile": "prdo"}, flag_names=names) == [
        "--profile: profile: 'prdo' is not a profile (local)"
    ]
    assert problems(None, flags={"default_view": "urgnet"}, flag_names=names) == [
        "--view: default_view: 'urgnet' is not a view (did you mean 'urgent'?)"
    ]
    assert problems(None, url="rr.example", flag_names=names) == [
        "--url: profiles.local.url: 'rr.example' is not an http:// or https:// URL"
    ]


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'title = "\xff"\n')
    assert problems(path) == ["config.toml: not UTF-8 text"]


# --- tokens ------------------------------------------------------------------------------

SECRET = "rr_tok_5f2b1c9e7a"


def test_token_from_the_environment() -> None:
    profile = Profile(token_env="PROD_TOKEN")
    token = resolve_token("prod", profile, environ={"PROD_TOKEN": f" {SECRET}\n"})
    assert token.get_secret_value() == SECRET
    assert SECRET not in repr(token)
    assert SECRET not in str(token)
    with pytest.raises(TokenError) as error:
        resolve_token("prod", profile, environ={})
    assert str(error.value) == (
        "no token for profile 'prod': set $PROD_TOKEN "
        "(or give the profile a token_command, or pass --token)"
    )


def test_token_from_a_command() -> None:
    script = f"print('{SECRET}'); print('login: mei.tan')"
    profile = Profile(token_command=[sys.executable, "-c", script])
    assert resolve_token("prod", profile).get_secret_value() == SECRET
    # A string is split like a shell would, but no shell runs it.
    profile = Profile.model_validate({"token_command": f"{sys.executable} -c 'print(42)'"})
    assert profile.token_command == [sys.executable, "-c", "print(42)"]
    assert resolve_token("prod", profile).get_secret_value() == "42"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            [sys.executable, "-c", f"print('{SECRET}'); raise SystemExit(3)"],
            "profile 'prod': token_command {program!r} failed (exit 3)",
        ),
        (
            [sys.executable, "-c", "print()"],
            "profile 'prod': token_command {program!r} printed no token",
        ),
        (
            [sys.executable, "-c", f"print('{SECRET} x')"],
            "the token from the token_command of profile 'prod' has spaces or control "
            "characters in it",
        ),
        (
            ["rr-no-such-program-x"],
            "profile 'prod': token_command 'rr-no-such-program-x' not found",
        ),
    ],
)
def test_token_command_failures_never_show_the_token(command: list[str], expected: str) -> None:
    with pytest.raises(TokenError) as error:
        resolve_token("prod", Profile(token_command=command))
    assert str(error.value) == expected.format(program=command[0])
    assert SECRET not in str(error.value)


def test_a_slow_token_command_times_out() -> None:
    profile = Profile(token_command=[sys.executable, "-c", "import time; time.sleep(5)"])
    with pytest.raises(TokenError, match=r"did not finish in 0\.2s"):
        resolve_token("prod", profile, timeout=0.2)


# --- the pieces -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(minutes=90)),
        ("3d", timedelta(days=3)),
        ("90s", timedelta(seconds=90)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ],
)
def test_durations(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta
    assert parse_duration(format_duration(delta)) == delta


@pytest.mark.parametrize("text", ["", "0m", "2 hours", "h", "30", "-5m"])
def test_not_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_key_lines_follow_tables_dotted_and_quoted_keys_and_skip_values() -> None:
    text = (
        "# comment\n"
        'zones = [\n  "Asia/Tokyo", # ] not the end\n  "Asia/Seoul",\n]\n'
        'title = """not = a key\n[nor.a.table]"""\n'
        "[views.apac]\n"
        'severities = ["SEV0"]\n'
        "notify.bell = false\n"
        '[profiles."apac.prod"]\n'
        "url = 'http://x#y'\n"
        "[keymap]\n"
        '"app.quit" = "q"\n'
    )
    tomllib.loads(text)
    lines = key_lines(text)
    assert lines[("zones",)] == 2
    assert lines[("title",)] == 6
    assert ("nor", "a", "table") not in lines
    assert lines[("views", "apac")] == 8
    assert lines[("views", "apac", "severities")] == 9
    assert lines[("views", "apac", "notify", "bell")] == 10
    assert lines[("profiles", "apac.prod", "url")] == 12
    assert lines[("keymap", "app.quit")] == 14
