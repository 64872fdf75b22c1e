"""The dashboard screen: status bar, queue, and a side column with detail and stakeholders.

One path for every change to reach the screen: whatever moved the store (a poll,
an optimistic action, a rollback, an answer, a view switch) comes as a
`StoreChange`; `show_change` turns it into the queue, the detail and the status.
The selected incident is shown through one route only, the queue's `Highlighted`
message. The screen owns its keys, marks, reveals, one-second tick and dialogs;
it never opens a dialog by itself (conflicts wait, counted, until `C`).

At 120 columns and more the side column sits beside the queue (toasts over it); below,
`enter`/`p` swaps them, a pane at a time, and toasts take lines from the queue, never rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from rr_tui.hangup import HangupWatch
from rr_tui.models import Incident
from rr_tui.options import DashboardOptions, SavedView
from rr_tui.sanitize import clean
from rr_tui.screens.care import Care
from rr_tui.screens.clock_keys import ClockKeys
from rr_tui.screens.conflicts import ConflictsDialog
from rr_tui.screens.dialogs import CannotAct
from rr_tui.screens.jump import Jumper
from rr_tui.screens.keys import (
    PANE_KEYS,
    SCREEN_KEYS,
    TRIAGE_KEYS,
    bindings,
    palette,
    view_bindings,
)
from rr_tui.screens.messages import (
    ContactsLoaded,
    PollArrived,
    TimelineLoaded,
    TimelineWanted,
    TriageReported,
    ViewApplied,
)
from rr_tui.screens.opening import OpeningScreen
from rr_tui.screens.protocol_keys import ProtocolKeys
from rr_tui.screens.telling import Toast, answer, arrival
from rr_tui.screens.triage_keys import TriageKeys
from rr_tui.sync.clock_alerts import AlertTracker
from rr_tui.sync.clock_desk import ClockDesk
from rr_tui.sync.connection import Connection
from rr_tui.sync.contacts import ContactDirectory
from rr_tui.sync.outcomes import BatchDone, Submitted
from rr_tui.sync.protocol_desk import ProtocolDesk
from rr_tui.sync.shift import HandoverPort, NoHandovers
from rr_tui.sync.store import IncidentStore, StoreChange
from rr_tui.sync.triage import TriageService
from rr_tui.widgets.contacts import StakeholderPane
from rr_tui.widgets.detail import IncidentDetail
from rr_tui.widgets.queue import QueueView
from rr_tui.widgets.status import StatusBar, StatusInfo


class DashboardScreen(OpeningScreen):
    """Everything on one screen."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    DEFAULT_CSS = """
    DashboardScreen { layout: vertical; }
    DashboardScreen #main { height: 1fr; }
    DashboardScreen #queue { width: 1fr; height: 1fr; }
    DashboardScreen #side {
        width: 42%; max-width: 90; height: 1fr; border-left: vkey $panel-lighten-2;
    }
    DashboardScreen #detail { height: 3fr; }
    DashboardScreen #contacts { height: 2fr; border-top: hkey $panel-lighten-2; }
    DashboardScreen.-narrow #side { display: none; }
    DashboardScreen.-narrow.-side #side {
        display: block; width: 1fr; max-width: 100%; border-left: none;
    }
    DashboardScreen.-narrow.-side #queue { display: none; }
    DashboardScreen.-narrow.-searching #detail { display: none; }
    DashboardScreen.-wide Toast { max-width: 40%; }
    DashboardScreen.-narrow ToastRack { layer: default; margin-bottom: 1; }
    DashboardScreen.-narrow Toast { width: 100%; max-width: 100%; padding: 0 1; margin: 0; }
    """

    BINDINGS = bindings((*PANE_KEYS, *TRIAGE_KEYS, *SCREEN_KEYS))

    class Ready(Message):
        """The dashboard's widgets are mounted: the app may start feeding them."""

    def __init__(
        self,
        store: IncidentStore,
        directory: ContactDirectory,
        options: DashboardOptions,
        clock: Callable[[], datetime],
        triage: TriageService,
        *,
        backend_name: str = "",
        clock_desk: ClockDesk | None = None,
        protocol_desk: ProtocolDesk | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.directory = directory
        self.options = options
        self.clock = clock
        self.triage = triage
        self.backend_name = backend_name
        self.keys = TriageKeys(self)
        run = partial(self.run_worker, group="clocks", exit_on_error=False)
        self.clocks = ClockKeys(
            self,
            clock_desk,
            options.zones,
            run,
            alerts=AlertTracker(options.clock_alerts) if options.clock_alerting else None,
            ring=(lambda: self.app.bell()) if options.clock_bell else None,
        )
        self.protocols = ProtocolKeys(self, protocol_desk, options.zones, run)
        self.marked: frozenset[str] = frozenset()
        """Incidents marked for a bulk action (the screen owns them; widgets get copies)."""
        self.revealed: frozenset[str] = frozenset()
        """Sensitive incidents whose default masking `v` flipped."""
        self.connection = Connection()
        self.skipped = 0
        self.view: SavedView | None = None
        """The saved view the queue shows (None: no views configured)."""
        self._minute = clock().replace(second=0, microsecond=0)
        """The minute the stakeholders' lines were last drawn for (they are drawn with it)."""
        self.handovers: HandoverPort = NoHandovers()
        """Shift handover notes (the app sets it; `H` opens them, the status bar counts them)."""
        self.care = Care(options, clock)  # reveals, break timer and reminder (`W`, `B`)
        self.jumper = Jumper(self, options.views)
        for key, found in view_bindings(options.views).key_to_bindings.items():
            self._bindings.key_to_bindings.setdefault(key, []).extend(found)

    def compose(self) -> ComposeResult:
        """Status bar, queue beside the side column, footer."""
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            yield QueueView(self.store, self.options, self.clock, id="queue")
            with Vertical(id="side"):
                names = self.directory.label  # contact ids shown as people's names
                yield IncidentDetail(self.options, self.clock, names=names, id="detail")
                yield self.clocks.make_pane()
                yield self.protocols.make_pane()
                home = self.options.zones[0] if self.options.zones else "UTC"
                finder = self.jumper.finder(self.store)
                yield StakeholderPane(
                    self.directory, self.clock, home=home, finder=finder, id="contacts"
                )
        yield Footer()

    def on_mount(self) -> None:
        """Queue focused, the clock ticking, the cache shown; then the app starts feeding."""
        self.query_one(QueueView).focus()
        self.query_one(StakeholderPane).show_for(None)
        self._hangup = HangupWatch(-1 if self.app.is_headless else None)
        self.set_interval(1.0, self.tick, name="status-tick")
        self.show_change(StoreChange(reset=True))
        self.post_message(self.Ready())

    # --- the one update path -----------------------------------------------------------

    def show_change(self, change: StoreChange) -> None:
        """Show what changed in the store: rows, alerts, the selected incident, the status."""
        queue = self.query_one(QueueView)
        if self.marked:
            self.marked = frozenset(i for i in self.marked if self.store.index_of(i) is not None)
        queue.marked = self.marked
        queue.pending = frozenset(self.triage.pending)
        queue.store_changed(change)
        self.clocks.watch(change)
        self._alert(change)
        # The queue repainted what the change moved; its clock cells are the tick's.
        self._show_status(self.clock())

    def tick(self) -> None:
        """Each second: status bar, clock cells, the stakeholders on the minute; exit if hung up."""
        if self._hangup.gone():
            self.app.exit()
            return
        now = self.clock()
        minute = now.replace(second=0, microsecond=0)
        if minute != self._minute:
            # From the first tick on: a minute may have turned before it (a slow start).
            self.query_one(StakeholderPane).refresh_list()
            self.clocks.tick()
            self._minute = minute
        self.query_one(QueueView).tick()
        self.query_one(IncidentDetail).tick()
        self.clocks.alert()
        self._show_status(now)

    def _show_status(self, now: datetime) -> None:
        """The status bar's facts now (it repaints only if its line reads differently)."""
        self.query_one(StatusBar).status = StatusInfo(
            title=self.options.title,
            now=now,
            connection=self.connection,
            counts=self.store.open_counts(),
            labels=self.options.severity_labels,
            zones=self.options.zones,
            view=self.view.name if self.view else "",
            skipped=self.skipped,
            backend=self.backend_name,
            waiting=self.triage.waiting,
            marked=len(self.marked),
            conflicts=len(self.triage.conflicts),
            unacknowledged=self.store.unacknowledged(),
            handover=self.handovers.waiting_from,
            wellbeing=self.care.status(),
        )
        if (reminder := self.care.reminder()) is not None:
            self.tell(reminder)

    def _alert(self, change: StoreChange) -> None:
        for incident in change.urgent:
            self.tell(arrival(incident, self.options.severity_labels))
        if change.urgent and self.options.bell:
            self.app.bell()

    def tell(self, toast: Toast) -> None:
        """Show a toast (text from outside is never read as markup)."""
        self.notify(
            toast.message,
            title=toast.title,
            severity=toast.severity,
            timeout=toast.timeout,
            markup=False,
        )

    @on(QueueView.Highlighted)
    def _show_selected(self, message: QueueView.Highlighted) -> None:
        incident = self.store.get(message.incident_id) if message.incident_id else None
        self.query_one(IncidentDetail).show(incident)
        self.care.viewed(incident, self.revealed)
        self.clocks.selected(incident)
        self.protocols.selected(incident)
        self.query_one(StakeholderPane).show_for(incident)
        if incident is not None:
            self.post_message(TimelineWanted(incident.id, incident.version))

    @on(QueueView.Opened)
    def _opened(self) -> None:
        self.show_side()

    # --- from the app's workers ----------------------------------------------------------

    @on(PollArrived)
    def _poll_arrived(self, message: PollArrived) -> None:
        self.connection, self.skipped = message.connection, message.skipped
        if message.change:
            self.show_change(message.change)
        else:  # nothing in the store moved; only the link may read differently
            self._show_status(self.clock())

    @on(TimelineLoaded)
    def _timeline_loaded(self, message: TimelineLoaded) -> None:
        self.query_one(IncidentDetail).append_events(message.incident_id, message.events)
        self.clocks.timeline(self.store.get(message.incident_id), message.events)
        self.protocols.timeline(self.store.get(message.incident_id), message.events)

    @on(ContactsLoaded)
    def _contacts_loaded(self) -> None:
        self.query_one(StakeholderPane).refresh_list()
        self.query_one(IncidentDetail).redraw()  # names for the contact ids it shows

    @on(ViewApplied)
    def _view_applied(self, message: ViewApplied) -> None:
        self.view = message.view
        self.show_change(message.change)
        self.jumper.view_applied()  # an incident found by search, in the view switched to

    @on(TriageReported)
    def _triage_reported(self, message: TriageReported) -> None:
        event = message.event
        if isinstance(event, Submitted):
            self.submitted(event)
            return
        if not isinstance(event, BatchDone):
            self.show_change(event.change)
        else:
            self.tick()
        toast = answer(event)
        if toast is not None:
            self.tell(toast)
        self.protocols.reported(event)

    # --- what the triage keys need (TriageHost) ------------------------------------------

    def targets(self) -> list[Incident]:
        """The marked incidents the queue still holds, else the selected one."""
        marked = [self.store.get(i) for i in sorted(self.marked)]
        chosen = [incident for incident in marked if incident is not None]
        if chosen:
            return chosen
        selected = self.query_one(QueueView).selected_id
        incident = self.store.get(selected) if selected else None
        return [incident] if incident else []

    def refuse(self, message: str) -> None:
        """Say, in words, why a key did nothing."""
        self.notify(message, title="Not available", severity="warning", markup=False)

    def cannot(self, title: str, reason: str) -> None:
        """A key that asks for text cannot act: say why, and take the text typed after it."""
        self.app.push_screen(CannotAct(title, reason))

    def submitted(self, result: Submitted) -> None:
        """Show what a submission did: refusals in words, the rows at once, marks cleared."""
        for incident_id, why in result.refused:
            self.refuse(f"{clean(incident_id, 20)}: {why}")
        if result.note:
            self.notify(clean(result.note, 200), markup=False)
        if result.sent:
            self.marked = frozenset()
        self.show_change(result.change)

    def ask(self, dialog: Screen[Any], answered: Callable[[Any], None]) -> None:
        """Open a dialog the user asked for; `answered` gets its result."""
        self.app.push_screen(dialog, answered)

    # --- actions -------------------------------------------------------------------------

    def action_triage(self, name: str, *args: int) -> None:
        """Run a triage key (`triage('acknowledge')`, `triage('set_severity', 0)`)."""
        self.keys.actions[name](*args)

    def action_toggle_mark(self) -> None:
        """Mark or unmark the selected row for a bulk action."""
        selected = self.query_one(QueueView).selected_id
        if selected is not None:
            self.marked = self.marked ^ {selected}
            self.show_change(StoreChange())

    def action_mark_all(self) -> None:
        """Mark every row the queue shows; if all are marked already, clear the marks."""
        shown = frozenset(incident.id for incident in self.store)
        self.marked = frozenset() if shown and shown <= self.marked else self.marked | shown
        self.show_change(StoreChange())

    def action_review_conflicts(self) -> None:
        """Review the actions that met someone else's change, as one list."""
        conflicts = self.triage.conflicts
        if not conflicts:
            self.refuse("No conflicts waiting.")
            return
        dialog = ConflictsDialog(conflicts, self._decide, self.options.severity_labels)
        self.app.push_screen(dialog, lambda _: self.tick())

    def _decide(self, action_ids: Sequence[str], reapply: bool) -> Sequence[Any]:
        for action_id in action_ids:
            self.submitted(self.triage.decide(action_id, reapply=reapply))
        return self.triage.conflicts

    def action_next_unacknowledged(self) -> None:
        """Jump to the most urgent new SEV0/SEV1 nobody has acknowledged; again: the next."""
        queue = self.query_one(QueueView)
        on_one = self.store.needs_acknowledging(self.store.get(queue.selected_id or ""))
        index = self.store.next_unacknowledged(queue.cursor if on_one else -1)
        if index is None:
            self.refuse("Nothing urgent waits for an acknowledgement in this view.")
        else:
            queue.select(self.store.row(index).id)

    def action_clocks(self) -> None:
        """`L`: start or step a legal clock of the selected incident (`ClockKeys`)."""
        self.clocks.open()

    def action_protocols(self) -> None:
        """`K`: activate a protocol on the selected incident, or tick its steps."""
        self.protocols.open()

    def action_toggle_reveal(self) -> None:
        """Reveal or mask the selected incident's sensitive text."""
        selected = self.query_one(QueueView).selected_id
        if selected is None:
            return
        self.revealed = self.revealed ^ {selected}
        self.care.toggled(self.store.get(selected), self.revealed)
        self.query_one(QueueView).revealed = self.revealed
        self.query_one(IncidentDetail).revealed = self.revealed

    def commands(self) -> Iterable[SystemCommand]:
        """Palette entries: every titled key, then one per saved view."""
        run = partial(self.app.run_action, default_namespace=self)
        return palette(run, self.show_view, self.options.views)
