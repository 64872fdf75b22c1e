"""Type-ahead: keys typed in one burst reach what the earlier keys opened.

A terminal hands the app every key of one write at once (a fast typist, a
paste, `+` followed by its reason). Textual forwards each key to the widget
focused *when the key is read*, and a key's binding runs only when the key has
bubbled back up to the app, later. So the reason after `+` was read while the
queue still had the focus: it went to the queue (or to the prompt before its
box existed) and was lost or, worse, ran the queue's keys (`e`, `a`, `q`).

`KeyGate` lets one key (or paste) through at a time, end to end: it forwards a
key, then a `KeyDone` marker down the same path; the marker bubbles back to the
app after the key, its binding and its action. Only then, once a screen the
action pushed is mounted (its box focused) and a focus it asked for has moved,
does the next key go, to whatever has the focus by then. A key whose marker
never comes back (its widget went away) holds the others for `SAFETY` seconds
at most. `TypeAheadApp` is an app whose input goes through one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from textual import events, on
from textual.app import App
from textual.message import Message
from textual.timer import Timer
from textual.widget import AwaitMount

Typed = events.Key | events.Paste

SAFETY = 1.0
"""Seconds a key may take before the keys behind it go anyway."""


class KeyDone(Message):
    """Follows a key down to the focused widget and bubbles back after it."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number


class KeyGate:
    """One key at a time, end to end, in the order typed.

    The app calls `admit` for every event it receives, `dispatched` after
    handling an admitted key, and `done` when a `KeyDone` reaches it.
    """

    def __init__(self, app: App[Any], handle: Callable[[events.Event], Awaitable[None]]) -> None:
        self.app = app
        self.handle = handle
        """The app's own handling of an event (Textual's `App.on_event`)."""
        self.held: deque[Typed] = deque()
        self.number = 0
        """The key in flight (its `KeyDone` carries the same number); 0: none."""
        self._count = 0
        self._admitted: Typed | None = None
        self._safety: Timer | None = None

    def admit(self, event: events.Event) -> bool:
        """Whether the app handles `event` now (False: it waits behind the key in flight)."""
        if not isinstance(event, Typed) or event.is_forwarded:
            return True
        if self.number:
            self.held.append(event)
            return False
        self._count += 1
        self.number = self._count
        self._admitted = event
        return True

    def dispatched(self, event: events.Event) -> None:
        """`event` was handled by the app: send its marker after it."""
        if event is not self._admitted:
            return  # not a key, or one forwarded back up to the app
        self._admitted = None
        target = self.app.focused or self.app.screen
        target.post_message(KeyDone(self.number))
        if self._safety is not None:
            self._safety.stop()
        self._safety = self.app.set_timer(SAFETY, self._release, name="typeahead-safety")

    async def done(self, message: KeyDone) -> None:
        """A key and all it set off are handled: let the next one go, once a screen it
        pushed is mounted and a focus it asked for has moved (a `call_later` queued after
        the action's own)."""
        message.stop()
        if message.number != self.number:
            return  # late: the safety timer let the keys behind it go already
        screen = self.app.screen
        await AwaitMount(screen, [screen])
        self.app.call_later(self._release, message.number)

    async def _release(self, number: int | None = None) -> None:
        if number is not None and number != self.number:
            return
        if self._safety is not None:
            self._safety.stop()
            self._safety = None
        self.number = 0
        if self.held:
            event = self.held.popleft()
            self.admit(event)
            await self.handle(event)
            self.dispatched(event)


class TypeAheadApp(App[None]):
    """An app whose keys and pastes reach it through a `KeyGate`, one at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.keys_typed = KeyGate(self, partial(App.on_event, self))
        """Keys one at a time, end to end: text typed after `+` reaches its prompt."""

    async def on_event(self, event: events.Event) -> None:
        """Every event; keys and pastes go through the type-ahead gate."""
        if self.keys_typed.admit(event):
            await super().on_event(event)
            self.keys_typed.dispatched(event)

    @on(KeyDone)
    async def _key_done(self, message: KeyDone) -> None:
        await self.keys_typed.done(message)
