"""Whether the terminal the dashboard draws on is still there.

A terminal can go away without a SIGHUP reaching the dashboard: the window
closes while `make demo` runs it, and make (the terminal's controlling
process) takes the hangup and waits for its child. Textual's input thread
then reads end-of-file in a loop, and the orphan kept a core at 93 % until
someone killed it. A hung-up terminal refuses `tcgetattr`; asked once a
second (microseconds), that tells the dashboard to exit. Nothing is lost:
the outbox keeps whatever was queued, for the next start.

Only a terminal that answered at start is watched: headless tests, a pipe or
a platform without termios never count as gone.
"""

from __future__ import annotations

import sys

try:
    import termios
except ImportError:  # not on this platform: nothing to watch
    termios = None  # type: ignore[assignment]


class HangupWatch:
    """Tells when the terminal on `fd` (the process's stdin by default) has hung up."""

    def __init__(self, fd: int | None = None) -> None:
        if fd is None:
            stream = sys.__stdin__
            fd = stream.fileno() if stream is not None and not stream.closed else -1
        self._fd = fd
        self.watching = self._answers()
        """Whether there is a terminal to watch (it answered when the watch began)."""

    def gone(self) -> bool:
        """True once a terminal that answered no longer does."""
        return self.watching and not self._answers()

    def _answers(self) -> bool:
        if termios is None or self._fd < 0:
            return False
        try:
            termios.tcgetattr(self._fd)
        except (termios.error, OSError, ValueError):
            return False
        return True
