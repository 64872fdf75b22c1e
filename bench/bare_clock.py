"""The floor for idle CPU: a bare Textual app that shows a clock updated every second.

`python -m bench.bare_clock` runs it; `bench/idle.py` measures it beside the dashboard.
"""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import App, ComposeResult
from textual.widgets import Static


class BareClock(App[None]):
    """One `Static` over the screen whose text is the time, set once a second."""

    def compose(self) -> ComposeResult:
        """Just the clock."""
        yield Static(id="clock")

    def on_mount(self) -> None:
        """Show the time now and every second."""
        self.tick()
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        """Set the clock's text to the time."""
        self.query_one(Static).update(datetime.now(UTC).strftime("bare clock %H:%M:%S UTC"))


if __name__ == "__main__":
    BareClock().run()
