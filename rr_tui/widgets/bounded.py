"""Text boxes with a length limit that take a paste whole or refuse it in words.

A paste longer than the backend will store used to vanish without a word
(Textual's `Input` drops an insertion past its `max_length`), and a paste of
several lines into a one-line box kept only the first. These boxes insert a
paste whole or post `Refused` with its size and the limit; what was already
typed stays. The dialog holding them shows the reason.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import Input, TextArea


def too_long(what: str, pasted: str, kept: int, limit: int) -> str | None:
    """Why a paste cannot go in (None: it fits): its size, what is left, and the limit."""
    if kept + len(pasted) <= limit:
        return None
    room = max(limit - kept, 0)
    return (
        f"Not pasted: that is {len(pasted):,} characters and {what} holds {limit:,} "
        f"(the backend's limit; {room:,} left). Shorten it, or send it in parts."
    )


class Refused(Message):
    """A paste was refused: `reason` says why, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class BoundedInput(Input):
    """A one-line box that takes a paste whole or refuses it with a message."""

    def __init__(self, what: str, *, max_length: int, **kwargs: object) -> None:
        super().__init__(max_length=max_length, **kwargs)  # type: ignore[arg-type]
        self.what = what

    def _on_paste(self, event: events.Paste) -> None:
        if "\n" in event.text.strip("\r\n"):
            event.stop()
            event.prevent_default()
            self.post_message(Refused("Not pasted: this box takes one line (that paste has more)."))
            return
        selected = abs(self.selection.end - self.selection.start)
        why = too_long(
            self.what, event.text.strip("\r\n"), len(self.value) - selected, self.max_length or 0
        )
        if why and self.max_length:
            event.stop()
            event.prevent_default()
            self.post_message(Refused(why))
            return
        # Taken: Textual calls Input's own `_on_paste` next (handlers run along the MRO).


class BoundedArea(TextArea):
    """A multi-line box with a length limit: a paste is taken whole or refused with a message."""

    def __init__(self, what: str, *, max_length: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.what = what
        self.max_length = max_length

    async def _on_paste(self, event: events.Paste) -> None:
        start, end = self.selection
        selected = len(self.get_text_range(min(start, end), max(start, end)))
        why = too_long(self.what, event.text, len(self.text) - selected, self.max_length)
        if why:
            event.stop()
            event.prevent_default()
            self.post_message(Refused(why))
            return
        # Taken: Textual calls TextArea's own `_on_paste` next (handlers run along the MRO).
