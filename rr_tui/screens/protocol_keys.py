"""What the protocols key (`K`) does, and how the protocols pane follows the selected incident.

The key opens `ProtocolDialog` on the selected incident with its active runs
and the protocols that apply, asks for a note where one is wanted, and hands
the write to the `ProtocolDesk`, which puts it in the outbox (so a tick typed
offline is sent when the keeper is back); the answer comes back as a triage
event (through the screen's one update path) and a toast (naming the clock a
step starts). The dialog then opens again on the next line, so a checklist is
ticked from the keyboard in one sitting; `escape` closes it. The pane shows
what the desk holds for the incident's version, fetching when it holds nothing
for it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol

from rr_tui.deadlines.protocol_wire import ProtocolTick
from rr_tui.models import EventKind, Incident
from rr_tui.sanitize import clean
from rr_tui.screens.clock_keys import ClockHost
from rr_tui.screens.dialogs import TextPrompt
from rr_tui.screens.protocol_dialog import Picked, ProtocolDialog, choices
from rr_tui.screens.side_keys import SideKeys
from rr_tui.sync.outcomes import Confirmed, ConflictFound, RolledBack, TriageEvent
from rr_tui.sync.protocol_desk import ProtocolDesk
from rr_tui.sync.store import StoreChange
from rr_tui.widgets.protocols import ProtocolsPane


class ProtocolHost(ClockHost, Protocol):
    """What the protocol keys need: the clock keys' host, and the store's changes shown
    (a tick is sent at once, not through the outbox, so its answer is applied here)."""

    def show_change(self, change: StoreChange) -> None:
        """Show what changed in the store."""


class ProtocolKeys(SideKeys[ProtocolDesk, ProtocolsPane]):
    """The protocols key and pane of one dashboard screen."""

    EVENT = EventKind.PROTOCOL

    def __init__(
        self,
        host: ProtocolHost,
        desk: ProtocolDesk | None,
        zones: Sequence[str],
        run: Callable[[Coroutine[Any, Any, None]], object],
    ) -> None:
        super().__init__(desk, run)
        self.host = host
        self.zone = zones[0] if zones else "UTC"
        """The shift zone: tick times are shown in it."""
        self._awaiting: tuple[str, str, int] | None = None
        """The write the dialog reopens after: action id, incident, line to highlight."""

    def make_pane(self) -> ProtocolsPane:
        """The protocols pane these keys feed (the screen places it)."""
        self.pane = ProtocolsPane(self.host.clock, self.zone, id="protocols")
        return self.pane

    def has_items(self, incident: Incident) -> bool:
        """A protocol named in the queue's copy means there are runs to fetch."""
        return incident.protocol is not None

    def open(self, at: int = 0) -> None:
        """`K`: the protocols of the selected incident; `at` the line to highlight."""
        targets = self.host.targets()
        if self.desk is None or not self.desk.supported:
            self.host.refuse("This backend keeps no protocols (the rr API and PagerDuty do).")
            return
        if len(targets) != 1:
            self.host.refuse("Select one incident: protocols are worked one incident at a time.")
            return
        incident = targets[0]
        desk = self.desk

        async def offer() -> None:
            protocols = await desk.applying(incident)
            if isinstance(protocols, str):
                self.host.refuse(f"Protocols not loaded: {clean(protocols, 200)}")
                return
            runs = desk.held(incident)
            if runs is None:
                loaded = await desk.load(incident)
                runs = desk.last_known(incident.id) if isinstance(loaded, str) else loaded
            offered = choices(protocols, runs, self.host.clock(), self.zone)
            if not offered:
                self.host.refuse(f"No protocol covers {incident.region} · {incident.category}.")
                return
            dialog = ProtocolDialog(incident, offered, at=at)
            self.host.ask(dialog, lambda picked: self._picked(incident, picked))

        self.run(offer())

    def _picked(self, incident: Incident, picked: Picked | None) -> None:
        if picked is None:
            return
        choice = picked.choice
        if choice.protocol is None and (picked.with_note or choice.ticked):
            title = (
                "Why untick it? (goes on the timeline)"
                if choice.ticked
                else "Note: what was done, a reference number (goes on the timeline)"
            )
            prompt = TextPrompt(title, [incident], required=choice.ticked)
            self.host.ask(prompt, lambda text: self._send(incident, picked, text))
            return
        self._send(incident, picked, "")

    def _send(self, incident: Incident, picked: Picked, note: str | None) -> None:
        if note is None or self.desk is None:
            return  # escape on the note: nothing sent, everything closed
        choice = picked.choice
        # `incident` is the store's at the dialog's opening, and the dialog reopens after each
        # answer: its version is the one the last write left.
        if choice.protocol is not None:
            queued = self.desk.activate(incident, choice.protocol)
            at = 1  # an activated protocol's first step (its heading is the first line)
        else:
            assert choice.run is not None
            assert choice.step is not None
            step = choice.step
            body = ProtocolTick(step=step.id, done=not choice.ticked, note=note)
            verb = "unticked" if choice.ticked else "ticked"
            starts = f"; its step starts {step.starts}" if step.starts and not choice.ticked else ""
            queued = self.desk.tick(incident, choice.run, body, f"{step.id} {verb}{starts}")
            at = picked.index + (not choice.ticked)  # the step after the one ticked
        self.host.submitted(queued.submitted)
        if queued.submitted.sent:
            self._awaiting = (queued.action_id, incident.id, at)

    def reported(self, event: TriageEvent) -> None:
        """An answer from the outbox's sender: the dialog opens again after the write it waits
        on is recorded (a refusal or a conflict is told by the screen, and closes it)."""
        if self._awaiting is None:
            return
        action_id, incident_id, at = self._awaiting
        if isinstance(event, ConflictFound):
            action = event.conflict.action
        elif isinstance(event, (Confirmed, RolledBack)):
            action = event.action
        else:
            return
        if action.id != action_id:
            return
        self._awaiting = None
        targets = self.host.targets()
        if isinstance(event, Confirmed) and len(targets) == 1 and targets[0].id == incident_id:
            self.open(at)
