"""What the clocks key (`L`) does, and how the clocks pane follows the selected incident.

The key opens `ClockDialog` on the selected incident with the steps its rules
and clocks allow, asks for the text the step needs, and hands the step to the
`ClockDesk` in a worker of the screen; the answer comes back as a store change
(through the screen's one update path), the clocks now, and a toast. The pane
shows what the desk holds for the incident's version, fetching when it holds
nothing for it; a backend without clocks says so once, in words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from textual.screen import Screen

from rr_tui.deadlines import Clock
from rr_tui.deadlines.wire import ClockStart, ClockStep
from rr_tui.models import EventKind, Incident, TimelineEvent, parse_duration
from rr_tui.sanitize import clean
from rr_tui.screens.clock_dialog import Choice, ClockDialog, choices
from rr_tui.screens.dialogs import TextPrompt
from rr_tui.screens.telling import Toast
from rr_tui.sync.clock_desk import ClockDesk, Done
from rr_tui.sync.store import StoreChange
from rr_tui.widgets.clocks import ClocksPane


class ClockHost(Protocol):
    """What the clock keys need from the screen they run on."""

    clock: Callable[[], datetime]

    def targets(self) -> list[Incident]:
        """The marked incidents, else the selected one."""

    def refuse(self, message: str) -> None:
        """Say why nothing happened."""

    def tell(self, toast: Toast) -> None:
        """Show a toast."""

    def ask(self, dialog: Screen[Any], answered: Callable[[Any], None]) -> None:
        """Open a dialog; `answered` gets its result."""

    def show_change(self, change: StoreChange) -> None:
        """Show a change of the store (the one update path)."""


_TRIGGER = re.compile(r"^(\d{1,2}):(\d{2})$")


def trigger_time(text: str, now: datetime, zone: str) -> datetime | str:
    """`HH:MM` in the shift zone as the latest such moment not after `now`; "" is now.

    A time later than now today means yesterday: an order is typed in after it came.
    """
    if not text.strip():
        return now
    match = _TRIGGER.match(text.strip())
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return f"{text.strip()!r} is not a time such as 05:40"
    local = now.astimezone(ZoneInfo(zone))
    moment = local.replace(hour=int(match.group(1)), minute=int(match.group(2)), second=0)
    moment = moment.replace(microsecond=0)
    if moment > local:
        moment -= timedelta(days=1)
    return moment


def step_body(choice: Choice, text: str) -> ClockStep | str:
    """The step request for what was typed, or why it cannot be sent."""
    assert choice.step is not None
    if choice.step == "met":
        return ClockStep(step="met", evidence=text)
    if choice.step == "extend":
        amount, _, reason = text.partition(" ")
        try:
            duration = parse_duration(amount)
        except ValueError as error:
            return str(error)
        return ClockStep(step="extend", amount=duration, reason=reason.strip())
    return ClockStep(step=choice.step, reason=text)


class ClockKeys:
    """The clocks key and pane of one dashboard screen."""

    def __init__(
        self,
        host: ClockHost,
        desk: ClockDesk | None,
        zones: Sequence[str],
        run: Callable[[Coroutine[Any, Any, None]], object],
    ) -> None:
        self.host = host
        self.desk = desk
        self.zone = zones[0] if zones else "UTC"
        """The shift zone: trigger times are typed in it, due times shown in it."""
        self.run = run
        """Runs a coroutine as a worker of the screen (group "clocks", errors reported)."""
        self.pane: ClocksPane | None = None

    def make_pane(self) -> ClocksPane:
        """The clocks pane these keys feed (the screen places it)."""
        self.pane = ClocksPane(self.host.clock, self.zone, id="clocks")
        return self.pane

    def tick(self) -> None:
        """The minute turned: count the shown clocks down."""
        if self.pane is not None:
            self.pane.refresh_lines()

    def selected(self, incident: Incident | None) -> None:
        """The screen shows another incident (or a new version of it): show its clocks."""
        if self.pane is None:
            return
        if incident is None or self.desk is None or not self.desk.supported:
            self.pane.show(incident, ())
            return
        held = self.desk.held(incident)
        self.pane.show(incident, held if held is not None else self.desk.last_known(incident.id))
        if held is None and (incident.deadline_at is not None or self.desk.last_known(incident.id)):
            self._load(incident)

    def timeline(self, incident: Incident | None, events: Sequence[TimelineEvent]) -> None:
        """The timeline arrived: a clock event means there are clocks to fetch."""
        if incident is None or self.desk is None or not self.desk.supported:
            return
        if self.desk.held(incident) is None and any(e.kind is EventKind.CLOCK for e in events):
            self._load(incident)

    def _load(self, incident: Incident) -> None:
        async def load() -> None:
            assert self.desk is not None
            loaded = await self.desk.load(incident)
            if not isinstance(loaded, str):
                self._show(incident.id, loaded)

        self.run(load())

    def _show(self, incident_id: str, clocks: Sequence[Clock]) -> None:
        shown = self.pane.incident if self.pane is not None else None
        if self.pane is not None and shown is not None and shown.id == incident_id:
            self.pane.show(shown, clocks)

    def open(self) -> None:
        """`L`: the clock steps for the selected incident."""
        targets = self.host.targets()
        if self.desk is None or not self.desk.supported:
            self.host.refuse("This backend keeps no legal clocks (the rr API does).")
            return
        if len(targets) != 1:
            self.host.refuse("Select one incident: clocks are started one incident at a time.")
            return
        incident = targets[0]
        desk = self.desk

        async def offer() -> None:
            rules = await desk.applying(incident)
            if isinstance(rules, str):
                self.host.refuse(f"Clock rules not loaded: {clean(rules, 200)}")
                return
            clocks = desk.held(incident) or desk.last_known(incident.id)
            offered = choices(rules, clocks, self.host.clock())
            if not offered:
                self.host.refuse(f"No clock rule covers {incident.region} · {incident.category}.")
                return
            self.host.ask(
                ClockDialog(incident, offered), lambda chosen: self._chosen(incident, chosen)
            )

        self.run(offer())

    def _chosen(self, incident: Incident, choice: Choice | None) -> None:
        if choice is None:
            return
        required = choice.rule is None
        prompt = TextPrompt(choice.prompt, [incident], required=required)
        self.host.ask(prompt, lambda text: self._typed(incident, choice, text))

    def _typed(self, incident: Incident, choice: Choice, text: str | None) -> None:
        if text is None or self.desk is None:
            return
        desk = self.desk
        if choice.rule is not None:
            when = trigger_time(text, self.host.clock(), self.zone)
            if isinstance(when, str):
                self.host.refuse(when)
                return
            body = ClockStart(
                rule=choice.rule.id, trigger_at=when, note="started from the dashboard"
            )
            work = desk.start(incident, body)
        else:
            assert choice.clock is not None
            step = step_body(choice, text)
            if isinstance(step, str):
                self.host.refuse(step)
                return
            work = desk.step(incident, choice.clock.id, step)

        async def send() -> None:
            self._answered(incident, choice, await work)

        self.run(send())

    def _answered(self, incident: Incident, choice: Choice, done: Done) -> None:
        if done.error is not None:
            self.host.tell(
                Toast(clean(done.error, 300), title="Clock not changed", severity="error")
            )
            return
        self.host.show_change(done.change)
        self._show(incident.id, done.clocks)
        rule = choice.rule or (choice.clock.rule if choice.clock else None)
        what = "started" if choice.rule is not None else f"{choice.step}"
        name = clean(rule.id, 64) if rule else "clock"
        said = f"{clean(incident.id, 20)}: {name} {what}"
        if done.warning:
            warning = f"{said}; {clean(done.warning, 300)}"
            self.host.tell(Toast(warning, title="Clock kept, partly recorded", severity="warning"))
            return
        self.host.tell(Toast(said, title="Clock"))
