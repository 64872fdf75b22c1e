"""Every path rr-tui reads or writes, in one place (platformdirs: XDG on Linux).

`RR_TUI_HOME`, if set, puts everything under one directory instead: tests use
it so they never touch the developer's own files.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs

APP = "rr-tui"

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
"""State holds notes, resolution reasons and names: only its owner may read it."""


def _home() -> Path | None:
    home = os.environ.get("RR_TUI_HOME")
    return Path(home) if home else None


def config_dir() -> Path:
    """Where the config file lives (`~/.config/rr-tui`)."""
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP))


def cache_dir() -> Path:
    """Disposable data: the contact directory cache (`~/.cache/rr-tui`)."""
    home = _home()
    return home / "cache" if home else Path(platformdirs.user_cache_dir(APP))


def state_dir() -> Path:
    """Data that must survive restarts: the action outbox (`~/.local/state/rr-tui`)."""
    home = _home()
    return home / "state" if home else Path(platformdirs.user_state_dir(APP))


def data_dir() -> Path:
    """Data the reference server keeps: its default database (`~/.local/share/rr-tui`)."""
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP))


def config_file() -> Path:
    """The config file read when neither --config nor $RR_TUI_CONFIG names one."""
    return config_dir() / "config.toml"


def log_file() -> Path:
    """The dashboard's log: it owns the terminal, so its log goes here."""
    return state_dir() / "rr-tui.log"


def server_database() -> Path:
    """The SQLite file `rr-tui serve` keeps its data in unless `--db` names another."""
    return data_dir() / "server.db"


def demo_database(directory: Path) -> Path:
    """The throw-away database of one `rr-tui demo`, in its temporary directory."""
    return directory / "demo.db"


def demo_outbox(directory: Path) -> Path:
    """The demo dashboard's outbox: it lives and dies with the demo's database."""
    return directory / "outbox.db"


def reports_dir() -> Path:
    """Where the dashboard writes documents a key asks for (post-mortem drafts)."""
    return data_dir() / "reports"


def contacts_cache() -> Path:
    """The cached stakeholder directory."""
    return cache_dir() / "contacts.json"


def outbox_path(backend: str) -> Path:
    """The durable outbox of actions not yet confirmed by one backend (its URL or name).

    One file per backend: actions made against one server must never be sent to another.
    """
    digest = hashlib.sha256(backend.encode()).hexdigest()[:16]
    return state_dir() / f"outbox-{digest}.db"


def pd_clocks_path(profile: str, url: str) -> Path:
    """The legal clocks a PagerDuty profile keeps on this machine (every terminal shares it).

    One file per profile and account: clocks kept for one never show on another.
    """
    digest = hashlib.sha256(f"{profile}\n{url}".encode()).hexdigest()[:16]
    return data_dir() / f"pd-clocks-{digest}.db"


def private_dir(path: Path) -> None:
    """Make `path` (and missing parents) a directory only its owner can enter."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if path.stat().st_mode & 0o077:
        path.chmod(PRIVATE_DIR)


def private_file(path: Path) -> None:
    """Create `path` if missing, readable by its owner only (before anything is written)."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
    if path.stat().st_mode & 0o077:
        path.chmod(PRIVATE_FILE)
