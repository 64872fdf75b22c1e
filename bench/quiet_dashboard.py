"""The real dashboard, told not to ask for push: with `--poll-interval 3600`, idle for real.

`bench/idle.py` runs it beside the dashboard as a user gets it (push from the rr
server: a held request answered every `HOLD_SECONDS`) to tell the screen's own
idle cost from the cost of keeping the data live.
"""

from __future__ import annotations

import sys

from rr_tui.backends import rr_http
from rr_tui.cli import main

if __name__ == "__main__":
    # `connect` reads the hold when it builds the backend: no hold asked, no push.
    setattr(rr_http, "HOLD_SECONDS", None)  # noqa: B010 - mypy would refuse None for a float
    raise SystemExit(main(sys.argv[1:]))
