"""Which database `rr-tui serve` opens and how it copes with it (issue 13, item 3).

The URL (and its password) can come from `RR_DB_URL` or a file instead of the
command line; a missing driver is one line naming the package to install; and
the first request after a PostgreSQL restart answers, never a 500 (run under
`make pytest-pg`, which restarts the throw-away cluster in the middle of it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rr_tui.cli import main
from rr_tui.server import seed_data
from rr_tui.server.api import create_app
from rr_tui.server.database import ENV_URL, DatabaseError, resolve_url
from rr_tui.server.runner import ServerThread
from rr_tui.server.store import Store
from tests.conftest import LEAD, TEST_USERS, RunningServer
from tests.test_stored_values import INTAKE, store_url

PG_SCRIPT = Path(__file__).parent.parent / "scripts" / "pg.sh"


def test_the_url_comes_from_the_flag_then_the_file_then_the_environment(tmp_path: Path) -> None:
    default = tmp_path / "default.db"
    url_file = tmp_path / "db-url"
    url_file.write_text("postgresql+psycopg://rr:s3cret@db.internal/rr\n# comment\n")
    env = {ENV_URL: "postgresql+psycopg://rr:from-env@db.internal/rr"}
    assert resolve_url("sqlite:///x.db", url_file, env, default) == "sqlite:///x.db"
    assert resolve_url(None, url_file, env, default).endswith(":s3cret@db.internal/rr")
    assert resolve_url(None, None, env, default) == env[ENV_URL]
    assert resolve_url(None, None, {ENV_URL: " "}, default) == f"sqlite:///{default}"


@pytest.mark.parametrize(("content", "expected"), [(None, "cannot read"), ("\n", "is empty")])
def test_an_unreadable_or_empty_url_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected: str
) -> None:
    url_file = tmp_path / "db-url"
    if content is not None:
        url_file.write_text(content)
    with pytest.raises(DatabaseError, match=expected):
        resolve_url(None, url_file, {}, tmp_path / "x.db")
    assert main(["serve", "--db-file", str(url_file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(url_file) in err


def test_a_missing_driver_is_one_line_naming_the_extra(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: `serve` exited with a raw ImportError traceback without psycopg."""
    monkeypatch.setitem(sys.modules, "psycopg", None)  # importing it now fails
    monkeypatch.setenv(ENV_URL, "postgresql+psycopg://rr:s3cret@127.0.0.1:9/rr")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "pip install 'rr-tui[postgres]'" in err
    assert "s3cret" not in err


@pytest.mark.pg_restart
def test_the_first_requests_after_a_postgresql_restart_answer(tmp_path: Path) -> None:
    """Issue 13: the first request after a PostgreSQL restart was a 500 (the pool
    handed out a connection the restart had closed)."""
    if not os.environ.get("RR_TEST_STORE_URL", "").startswith("postgresql"):
        pytest.skip("needs the throw-away PostgreSQL (make pytest-pg)")
    with store_url(tmp_path) as url:
        store = Store.open(url)
        store.replace_contacts(seed_data.demo_contacts())
        try:
            with ServerThread(create_app(store, TEST_USERS)) as thread:
                server = RunningServer(thread.url, store)
                with server.client(LEAD) as client:
                    # Fill the pool: several connections, all broken by the restart.
                    for _ in range(3):
                        assert client.get("/incidents").status_code == 200
                    tag = client.get("/incidents").headers["ETag"]
                    subprocess.run([str(PG_SCRIPT), "restart"], check=True, timeout=60)
                    # The idle poll (the head's own pool), then a page and a write.
                    assert (
                        client.get("/incidents", headers={"If-None-Match": tag}).status_code == 304
                    )
                    assert client.get("/incidents").status_code == 200
                    assert client.get("/contacts").status_code == 200
                    created = client.post(
                        "/incidents", json=INTAKE, headers={"Idempotency-Key": "k1"}
                    )
                    assert created.status_code == 201, created.text
        finally:
            store.close()


@pytest.mark.parametrize(
    "url", ["nosuch://rr:s3cret@db/rr", "postgresql+psycopg://rr:s3cret@db:port/rr"]
)
def test_a_url_sqlalchemy_cannot_use_is_one_line(
    capsys: pytest.CaptureFixture[str], url: str
) -> None:
    """Found here: an unknown scheme or a malformed URL was a NoSuchModuleError /
    ArgumentError traceback."""
    assert main(["serve", "--db", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "s3cret" not in err
