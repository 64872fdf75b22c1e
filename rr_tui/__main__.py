"""`python -m rr_tui` is `rr-tui`."""

from rr_tui.cli import main

raise SystemExit(main())
