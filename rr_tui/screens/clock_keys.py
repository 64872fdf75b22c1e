"""What the clocks key (`L`) does, how the clocks pane follows the selected incident, and
the clock alerts.

The key opens `ClockDialog` on the selected incident with the steps its rules
and clocks allow, asks for the text the step needs, and hands the step to the
`ClockDesk`, which stores it in the outbox like any action (sent once, kept
offline and across a restart); the backend's answer comes back through the
triage reports (the screen's one update path) and a toast. The pane shows what
the desk holds for the incident's version, fetching when it holds nothing for
it; a backend without clocks says so once, in words.

Alerts: every store change feeds the changed incidents' running deadlines to the
`AlertTracker` (`sync/clock_alerts.py`), and every second the screen asks it
what came due, shown as a toast (and the bell, unless turned off).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from textual.screen import Screen

from rr_tui.deadlines.wire import ClockStart, ClockStep
from rr_tui.models import EventKind, Incident, parse_duration
from rr_tui.sanitize import clean
from rr_tui.screens.clock_dialog import Choice, ClockDialog, choices
from rr_tui.screens.dialogs import TextPrompt
from rr_tui.screens.side_keys import SideKeys
from rr_tui.screens.telling import Toast, clock_alert
from rr_tui.sync.clock_alerts import AlertTracker
from rr_tui.sync.clock_desk import ClockDesk
from rr_tui.sync.outcomes import Submitted
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

    def submitted(self, result: Submitted) -> None:
        """Show what a submission to the outbox did."""


RULES_RETRY = timedelta(minutes=1)
"""How long after a failed fetch of the rules (for alert fractions) to ask again."""

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


class ClockKeys(SideKeys[ClockDesk, ClocksPane]):
    """The clocks key and pane of one dashboard screen."""

    EVENT = EventKind.CLOCK

    def __init__(
        self,
        host: ClockHost,
        desk: ClockDesk | None,
        zones: Sequence[str],
        run: Callable[[Coroutine[Any, Any, None]], object],
        *,
        alerts: AlertTracker | None = None,
        ring: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(desk, run)
        self.host = host
        self.alerts = alerts
        """Which clock alerts were said (None: clock alerts off)."""
        self.ring = ring
        """Rings the terminal bell with an alert (None: the bell is off)."""
        self._rules_asked: datetime | None = None
        self.zone = zones[0] if zones else "UTC"
        """The shift zone: trigger times are typed in it, due times shown in it."""

    def make_pane(self) -> ClocksPane:
        """The clocks pane these keys feed (the screen places it)."""
        self.pane = ClocksPane(self.host.clock, self.zone, id="clocks")
        return self.pane

    def tick(self) -> None:
        """The minute turned: count the shown clocks down."""
        if self.pane is not None:
            self.pane.refresh_lines()

    def has_items(self, incident: Incident) -> bool:
        """A running deadline in the queue's copy means there are clocks to fetch."""
        return incident.deadline_at is not None

    def loaded(self, incident_id: str) -> None:
        """Fetched clocks go to the alert tracker too."""
        self._feed(incident_id)

    # --- alerts ------------------------------------------------------------------------

    def watch(self, change: StoreChange) -> None:
        """The store changed: what the changed incidents' clocks are now goes to the tracker."""
        if self.alerts is None or self.desk is None or not self.desk.supported:
            return
        for incident_id in change.removed:
            self.alerts.forget(incident_id)
        clocked = False
        for incident_id in change.changed:
            clocked |= self._feed(incident_id)
        if self.desk.rules is None and clocked:
            self._fetch_rules()  # only once some clock runs: a team without any asks nothing

    def _feed(self, incident_id: str) -> bool:
        """Feed one incident's deadlines to the tracker; whether it runs any."""
        incident = self.desk.triage.store.get(incident_id) if self.desk else None
        if self.alerts is None or self.desk is None or incident is None:
            return False
        deadlines = self.desk.deadlines(incident)
        self.alerts.feed(incident_id, deadlines, self.host.clock())
        return bool(deadlines)

    def _fetch_rules(self) -> None:
        """The rules give the queue's clocks their durations (without: breach alerts only)."""
        now = self.host.clock()
        if self._rules_asked is not None and now - self._rules_asked < RULES_RETRY:
            return
        self._rules_asked = now
        desk = self.desk

        async def fetch() -> None:
            assert desk is not None
            if await desk.load_rules():
                for incident in list(desk.triage.store.all()):
                    if incident.deadline_at is not None:
                        self._feed(incident.id)

        self.run(fetch())

    def alert(self) -> None:
        """Every second: say the clock alerts that came due, once each."""
        if self.alerts is None:
            return
        now = self.host.clock()
        due = self.alerts.due(now)
        for found in due:
            self.host.tell(clock_alert(found, now, self.zone))
        if due and self.ring is not None:
            self.ring()

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
            self.host.submitted(desk.start(incident, body))
            return
        assert choice.clock is not None
        step = step_body(choice, text)
        if isinstance(step, str):
            self.host.refuse(step)
            return
        self.host.submitted(desk.step(incident, choice.clock, step))
