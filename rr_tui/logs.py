"""Where rr-tui's log goes, decided once per process by the command that runs.

The dashboard owns the terminal, so it logs to a file (`locations.log_file()`);
the server has no screen of its own, so it logs to stderr beside uvicorn's log.
Libraries (the server package, the sync layer) only call `logging.getLogger`:
the process-wide set-up belongs to the entry point, here.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
"""One line per record: time, level, logger, message."""


QUIET_LIBRARIES = ("httpx", "httpcore")
"""Libraries that log every request at INFO: one line per poll says nothing that changed."""


def configure_logging(path: Path | None = None) -> None:
    """Send INFO and above to the file at `path` (made if needed), or to stderr without one.

    HTTP clients log only warnings: the dashboard's own lines say what changed.
    """
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    if path is None:
        logging.basicConfig(level=logging.INFO, format=FORMAT)
        return
    # The log names incidents and people: only its owner may read it.
    # The log names incidents and people: only its owner may read it (0700 / 0600).
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.parent.chmod(0o700)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600))
    path.chmod(0o600)
    logging.basicConfig(filename=path, level=logging.INFO, format=FORMAT)
