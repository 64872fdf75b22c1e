"""The server as `rr-tui serve` builds it: the banner never shows a database password."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rr_tui.server.auth import demo_users
from rr_tui.server.build import Server, banner, build, database_url, redact

PASSWORD = "S3cr@t:Pa55"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    users, _tokens = demo_users()
    with build(database_url(str(tmp_path / "s.db")), users, seed=True, simulate=12) as built:
        yield built


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://rr:S3cretPa55@db.internal:5432/rr",
            "postgresql://rr:***@db.internal:5432/rr",
        ),
        (f"postgresql://rr:{quote(PASSWORD, safe='')}@db/rr", "postgresql://rr:***@db/rr"),
        ("postgresql+psycopg://rr:S3cr:tPa55@db/rr", "postgresql+psycopg://rr:***@db/rr"),
        ("postgresql://rr:S3cr/tPa55@db/rr", "postgresql://rr:***@db/rr"),
        ("postgresql://rr:pw@[::1]:5432/rr?sslmode=require", None),
        # An unencoded @ in the password: SQLAlchemy would take "tPa55@db" for the host.
        ("postgresql://rr:S3cr@tPa55@db.internal/rr", "postgresql://***"),
        ("postgresql://rr:S3cr@t:Pa55@db/rr", "postgresql://***"),
        ("postgresql://rr:S3cr@t?Pa55@db/rr", "postgresql://***"),
        ("postgresql://rr@S3cr:tPa55@db/rr", "postgresql://***"),
        # Not a URL SQLAlchemy can parse: a port that is not a number.
        ("postgresql://rr:S3cretPa55@db:tPa55/rr", "postgresql://***"),
        ("postgresql://rr@db/rr?password=S3cretPa55&sslmode=require", None),
    ],
)
def test_redact_never_shows_a_password(url: str, shown: str | None) -> None:
    text = redact(url)
    for fragment in ("S3cr", "tPa55", "Pa55", "pw", "%40"):
        assert fragment not in text, text
    if shown is not None:
        assert text == shown
    assert text.startswith(url.partition("://")[0] + "://")


def test_redact_leaves_a_url_without_a_password_alone(tmp_path: Path) -> None:
    sqlite = database_url(str(tmp_path / "server.db"))
    assert redact(sqlite) == sqlite
    assert redact("postgresql://rr@db.internal/rr") == "postgresql://rr@db.internal/rr"
    assert redact("not a url") == "***"


@given(st.text(alphabet="GHJKLMNPQRSTUVWXYZ@:/?#%&=+ ", min_size=1, max_size=24))
def test_no_letter_of_any_password_reaches_the_output(password: str) -> None:
    # Upper-case letters outside the hex digits: the rest of the URL has none, and
    # percent-encoding never makes one, so any in the output came from the password.
    for url in (
        f"postgresql://rr:{password}@db.internal:5432/rr",
        f"postgresql://rr:{quote(password, safe='')}@db.internal:5432/rr",
        f"postgresql://rr@db.internal/rr?password={quote(password, safe='')}",
    ):
        text = redact(url)
        assert not set(text) & set("GHJKLMNPQRSTUVWXYZ"), (url, text)


def test_the_banner_shows_the_store_without_its_password(server: Server) -> None:
    url = f"postgresql://rr:{PASSWORD}@db.internal:5432/rr"
    for shown in (url, url.replace(PASSWORD, quote(PASSWORD, safe=""))):
        lines = banner(dataclasses.replace(server, url=shown), "http://127.0.0.1:1", {})
        text = "\n".join(lines)
        assert "(store: postgresql://" in text
        for fragment in ("S3cr", "Pa55", quote(PASSWORD, safe="")):
            assert fragment not in text


def test_the_banner_names_url_tokens_and_simulator(server: Server) -> None:
    lines = banner(server, "http://127.0.0.1:8765", {"demo-lead": "tok-lead", "demo-x": "tok-x"})
    assert lines[0].endswith(f"at http://127.0.0.1:8765/api/v1  (store: {server.url})")
    assert lines[1] == "tokens (shown once, never logged):"
    assert "tok-lead" in lines[2]
    assert 'Bearer tok-lead" http://127.0.0.1:8765/api/v1/incidents' in lines[4]
    assert lines[-1] == "simulating 12 events per minute"
    assert server.seeded == 72
