"""Start the dashboard on a backend: its log file, outbox and contacts cache, then the app.

Used by `rr-tui` (the active profile's backend) and `rr-tui demo` (the demo server).
"""

from __future__ import annotations

import sys
from pathlib import Path

from rr_tui import locations
from rr_tui.app import RrApp
from rr_tui.backends.base import Backend
from rr_tui.logs import configure_logging
from rr_tui.options import DashboardOptions
from rr_tui.sync.outbox_file import OutboxUnusable


def run_dashboard(backend: Backend, options: DashboardOptions, outbox: Path | None = None) -> int:
    """Run the dashboard until the user quits; returns the exit code.

    `outbox` defaults to the one kept for this backend in the state directory. A
    state directory that cannot be written, or a crash, exits non-zero.
    """
    try:
        configure_logging(locations.log_file())
        app = RrApp(
            backend,
            options,
            contacts_cache=locations.contacts_cache(),
            outbox=outbox or locations.outbox_path(backend.name),
        )
    except (OSError, OutboxUnusable) as error:
        print(f"rr-tui: cannot keep state: {error}", file=sys.stderr)
        return 1
    app.run()
    # Textual sets a return code when an exception ended the app; the shell must see it.
    return app.return_code or 0
