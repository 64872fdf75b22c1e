"""What the user was told: every toast kept, since a toast goes and what it said should not.

`NoticedApp` is the app's base: its `notify` shows the toast and records it in
`notices` (the record tests and a support session read).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from textual.app import App
from textual.notifications import SeverityLevel

NOTICES_KEPT = 200
"""How many past toasts the app remembers."""


@dataclass(frozen=True)
class Notice:
    """One toast as it was shown."""

    at: datetime
    severity: str
    title: str
    message: str


class NoticedApp(App[None]):
    """An app whose toasts are remembered, stamped with its `clock`."""

    clock: Callable[[], datetime]

    def __init__(self) -> None:
        super().__init__()
        self.notices: deque[Notice] = deque(maxlen=NOTICES_KEPT)
        """What toasts said, newest last."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a toast, and keep it in `notices` (a toast goes; what it said should not)."""
        self.notices.append(Notice(self.clock(), severity, title, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
