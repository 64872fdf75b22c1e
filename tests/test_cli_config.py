"""The command line's configuration commands, and `rr-tui list` against the real server."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from rr_tui.cli import build_parser, main
from rr_tui.config import render_example
from rr_tui.models import API_PREFIX, IncidentPatch, Role, Severity
from rr_tui.server.store import Actor
from rr_tui.sync.store import sort_key
from tests.conftest import LEAD, RunningServer
from tests.test_cli import serve

LEAD_ACTOR = Actor("lee.lead", Role.LEAD)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`rr-tui ARGV`: exit code, stdout, stderr."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def config_for(tmp_path: Path, server: RunningServer, extra: str = "") -> Path:
    """A config whose active profile is `server`, its token in $RR_TEST_TOKEN."""
    path = tmp_path / "rr.toml"
    path.write_text(
        'profile = "test"\n'
        f"{extra}\n"
        f'[profiles.test]\nurl = "{server.url}"\ntoken_env = "RR_TEST_TOKEN"\n',
        encoding="utf-8",
    )
    return path


# --- --help, --version, config path / init / example -------------------------------


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["demo"],
        ["list"],
        ["check-config"],
        ["config"],
        ["config", "path"],
        ["config", "init"],
        ["config", "example"],
    ],
)
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: rr-tui " + " ".join(command))


def test_the_dashboard_usage_lists_the_commands() -> None:
    text = build_parser().format_help()
    for command in ("serve", "demo", "list", "check-config", "config", "--profile", "--config"):
        assert command in text


def test_config_path_follows_flag_env_default(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = tmp_path / "home" / "config" / "config.toml"
    assert run(capsys, "config", "path")[:2] == (0, f"{default}\n")
    monkeypatch.setenv("RR_TUI_CONFIG", str(tmp_path / "env.toml"))
    assert run(capsys, "config", "path")[1] == f"{tmp_path / 'env.toml'}\n"
    flag = str(tmp_path / "flag.toml")
    assert run(capsys, "--config", flag, "config", "path")[1] == f"{flag}\n"
    assert run(capsys, "config", "path", "--config", flag)[1] == f"{flag}\n"


def test_config_init_writes_the_starter_and_never_overwrites(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "home" / "config" / "config.toml"
    code, out, _ = run(capsys, "config", "init")
    assert code == 0
    assert f"wrote {path}" in out
    assert path.read_text(encoding="utf-8") == render_example()
    path.write_text('title = "mine"\n', encoding="utf-8")
    code, _, err = run(capsys, "config", "init")
    assert code == 1
    assert "already exists: not overwritten" in err
    assert path.read_text(encoding="utf-8") == 'title = "mine"\n'
    assert run(capsys, "config", "example")[1] == render_example()


# --- check-config ------------------------------------------------------------------------


def test_check_config_on_the_starter_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "config", "init")[0] == 0
    monkeypatch.setenv("RR_TUI_TOKEN", "a-secret-token-value")
    code, out, err = run(capsys, "check-config")
    assert code == 0, err
    assert "profile: local: rr http://127.0.0.1:8765, token from $RR_TUI_TOKEN (set)" in out
    assert "views: open (A), urgent (U), mine (M), new (N), resolved (R); starting with open" in out
    assert out.rstrip().endswith("ok")
    assert "a-secret-token-value" not in out + err


def test_check_config_reports_problems_and_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[views.apac]\nseverities = ["SEV0", "SEV9"]\n[keymap]\nqueue.cursor_dwn = "j"\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "check-config", "--config", str(path))
    assert code == 2
    assert out == ""
    assert err == f"rr-tui: {path}:2: views.apac.severities[1]: 'SEV9' is not one of SEV0..SEV4\n"
    path.write_text('[keymap]\nqueue.cursor_dwn = "j"\n', encoding="utf-8")
    code, _, err = run(capsys, "check-config", "--config", str(path))
    assert code == 2
    assert err == (
        f"rr-tui: {path}:2: keymap.\"queue.cursor_dwn\": 'queue.cursor_dwn' is not a binding id "
        "(did you mean 'queue.cursor_down'?)\n"
    )


def test_precedence_on_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'profile = "file"\n'
        '[profiles.file]\nurl = "http://file.example"\n'
        '[profiles.env]\nurl = "http://env.example"\n'
        '[profiles.flag]\nurl = "http://flag.example"\n',
        encoding="utf-8",
    )

    monkeypatch.setenv("RR_TUI_TOKEN", "set")  # unset is a problem of its own (exit 2)

    def profile_line(*argv: str) -> str:
        code, out, err = run(capsys, "check-config", *argv)
        assert code == 0, err
        return next(line for line in out.splitlines() if line.startswith("profile:"))

    assert profile_line().startswith("profile: local:")  # defaults: no file read yet
    monkeypatch.setenv("RR_TUI_CONFIG", str(path))
    assert profile_line().startswith("profile: file: rr http://file.example")
    monkeypatch.setenv("RR_TUI_PROFILE", "env")
    assert profile_line().startswith("profile: env: rr http://env.example")
    assert profile_line("--profile", "flag").startswith("profile: flag: rr http://flag.example")
    assert profile_line("--profile", "flag", "--url", "http://url.example").startswith(
        "profile: flag: rr http://url.example"
    )


def test_an_invalid_config_stops_every_command_before_it_starts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("poll_interval = 0.2\n", encoding="utf-8")
    expected = f"rr-tui: {path}:1: poll_interval: 0.2 is below the minimum of 1\n"
    for argv in ([], ["list"], ["demo"], ["serve", "--port", "0"]):
        code, out, err = run(capsys, "--config", str(path), *argv)
        assert (code, out, err) == (2, "", expected), argv
    code, _, err = run(capsys, "--profile", "nope")
    assert code == 2
    assert err == "rr-tui: --profile: profile: 'nope' is not a profile (local)\n"
    code, _, err = run(capsys, "--poll-interval", "0.5")
    assert err == "rr-tui: --poll-interval: poll_interval: 0.5 is below the minimum of 1\n"


def _not_a_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "home" / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    if kind == "directory":
        path.mkdir()
    elif kind == "dangling symlink":
        path.symlink_to(tmp_path / "gone.toml")
    elif kind == "symlink loop":
        path.symlink_to(path)
    else:
        os.mkfifo(path)
    return path


@pytest.mark.parametrize("kind", ["directory", "dangling symlink", "symlink loop", "fifo"])
@pytest.mark.parametrize("named", [False, True], ids=["default-path", "--config"])
def test_check_config_on_a_path_that_is_not_a_file_says_so_and_exits_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    named: bool,
) -> None:
    monkeypatch.setenv("RR_TUI_TOKEN", "a-secret-token-value")
    path = _not_a_file(tmp_path, kind)
    code, out, err = run(capsys, "check-config", *(["--config", str(path)] if named else []))
    assert code == 2
    assert "ok" not in out.split()
    assert f"{path}: " in err
    assert kind.split()[-1] in err  # directory, symlink, loop, fifo


def test_check_config_with_the_token_unset_says_so_and_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "check-config")
    assert code == 2
    assert "token from $RR_TUI_TOKEN (NOT SET)" in out
    assert "ok" not in out.split()
    assert "no token for profile 'local'" in err


def test_the_dashboard_needs_a_token(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys)
    assert code == 2
    assert err.startswith(
        "rr-tui: no token for profile 'local': set $RR_TUI_TOKEN (or give the profile a "
        "token_command, or pass --token). New here? `rr-tui demo`"
    )


# --- rr-tui list -----------------------------------------------------------------------


def expected_queue(server: RunningServer) -> list[str]:
    """The open incidents in queue order, straight from the server's store."""
    return [i.id for i in sorted(server.store.open_incidents(), key=sort_key)]


def test_list_as_json(
    capsys: pytest.CaptureFixture[str],
    demo_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RR_TEST_TOKEN", LEAD)
    path = config_for(tmp_path, demo_server)
    code, out, err = run(capsys, "--config", str(path), "list", "--format", "json")
    assert code == 0, err
    body = json.loads(out)
    assert body["profile"] == "test"
    assert body["view"] == "open"
    ids = [item["id"] for item in body["items"]]
    assert ids == expected_queue(demo_server)
    assert body["count"] == len(ids)
    sensitive = [item for item in body["items"] if item["sensitive"]]
    assert sensitive
    assert {item["title"] for item in sensitive} == {"▒▒▒ sensitive"}
    assert LEAD not in out + err
    out.encode("ascii")  # JSON escapes everything beyond ASCII: safe to print anywhere


def test_list_as_csv_with_a_view(
    capsys: pytest.CaptureFixture[str],
    demo_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RR_TEST_TOKEN", LEAD)
    path = config_for(tmp_path, demo_server)
    code, out, err = run(
        capsys, "list", "--config", str(path), "--view", "urgent", "--format", "csv"
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    urgent = [
        i
        for i in expected_queue(demo_server)
        if demo_server.store.get(i).severity in (Severity.SEV0, Severity.SEV1)
    ]
    assert [row["id"] for row in rows] == urgent
    assert {row["severity"] for row in rows} <= {"SEV0", "SEV1"}
    assert list(rows[0]) == [
        "id",
        "severity",
        "severity_label",
        "status",
        "region",
        "category",
        "assignee",
        "source",
        "created_at",
        "due_at",
        "sla_minutes_left",
        "age_minutes",
        "sensitive",
        "title",
        "deadline_at",
        "deadline_rule",
        "deadline_minutes_left",
        "clocks",
        "protocol",
    ]


def test_list_as_a_table_with_the_configured_labels_and_columns(
    capsys: pytest.CaptureFixture[str],
    demo_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RR_TEST_TOKEN", LEAD)
    path = config_for(
        tmp_path,
        demo_server,
        'columns = ["id", "sev", "title"]\n[severities.SEV0]\nlabel = "P0"\n',
    )
    code, out, err = run(capsys, "--config", str(path), "list", "--reveal-sensitive")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "SEV", "TITLE"]
    ids = expected_queue(demo_server)
    assert [line.split()[0] for line in lines[1:]] == ids
    first = demo_server.store.get(ids[0])
    assert lines[1].split()[1] == ("P0" if first.severity is Severity.SEV0 else first.severity)
    assert "▒▒▒" not in out  # --reveal-sensitive


def test_list_mine_and_a_token_from_a_command(
    capsys: pytest.CaptureFixture[str],
    demo_server: RunningServer,
    tmp_path: Path,
) -> None:
    target = demo_server.store.open_incidents()[3]
    with demo_server.store.write() as tx:
        tx.patch(target.id, IncidentPatch(assignee="lee.lead"), LEAD_ACTOR, target.version)
    path = tmp_path / "rr.toml"
    command = json.dumps([sys.executable, "-c", f"print({LEAD!r})"])
    path.write_text(
        f'[profiles.local]\nurl = "{demo_server.url}"\ntoken_command = {command}\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "--config", str(path), "list", "--view", "mine", "--format", "csv")
    assert code == 0, err
    assert [row["id"] for row in csv.DictReader(io.StringIO(out))] == [target.id]
    assert LEAD not in out + err


def test_list_reports_a_refused_token(
    capsys: pytest.CaptureFixture[str],
    server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RR_TEST_TOKEN", "not-a-valid-token-000")
    code, out, err = run(capsys, "--config", str(config_for(tmp_path, server)), "list")
    assert code == 1
    assert out == ""
    assert err.startswith("rr-tui list: token refused")
    assert "not-a-valid-token-000" not in err


def test_list_guards_csv_against_spreadsheet_formulas(
    capsys: pytest.CaptureFixture[str],
    server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with server.client(LEAD) as client:
        response = client.post(
            "/incidents",
            headers={"Idempotency-Key": "csv-1"},
            json={
                "title": '=HYPERLINK("http://evil.example","x")',
                "severity": "SEV2",
                "category": "scams_fraud",
                "region": "SG",
                "source": "user_report",
            },
        )
        assert response.status_code == 201
    monkeypatch.setenv("RR_TEST_TOKEN", LEAD)
    path = config_for(tmp_path, server)
    code, out, _ = run(capsys, "--config", str(path), "list", "--format", "csv")
    assert code == 0
    (row,) = csv.DictReader(io.StringIO(out))
    assert row["title"] == '\'=HYPERLINK("http://evil.example","x")'


# --- rr-tui serve takes SLA targets from the config --------------------------------------


def test_serve_uses_the_configured_sla_targets(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[severities.SEV1]\nsla = "45m"\n', encoding="utf-8")
    token = "fixed-lead-token-for-scripts"
    with serve("--config", str(path), "--db", str(tmp_path / "s.db"), "--token", token) as (
        _process,
        url,
        _banner,
    ):
        response = httpx.post(
            f"{url}{API_PREFIX}/incidents",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "sla-1"},
            json={
                "title": "Coordinated doxxing of poll workers",
                "severity": "SEV1",
                "category": "privacy_doxxing",
                "region": "PH",
                "source": "trusted_flagger",
            },
        )
        assert response.status_code == 201
        body = response.json()
    from datetime import datetime

    due = datetime.fromisoformat(body["due_at"]) - datetime.fromisoformat(body["created_at"])
    assert due == timedelta(minutes=45)
