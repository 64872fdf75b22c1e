"""The Textual app: wires the backend, the sync layer and the dashboard screen; runs the workers.

The app holds the services (store, poller, directory, triage, timelines) and
runs each piece of work that talks to the backend as a thin worker. Workers
post their results to the dashboard screen as messages (`screens/messages.py`)
and never touch a widget, so a result that arrives while the app shuts down is
simply not shown. The screen asks for what it needs (a timeline, a view) by
message, too. Every worker failure goes through one handler: logged with its
traceback, shown as a toast, and, for polling, shown in the link state.

Polling follows one rule: one poll at a time. `poll` runs in one exclusive,
long-lived worker that loops: a poll, then a sleep of the poller's delay (the
interval when live, a jittered backoff when not, none when the backend
pushes). One worker for the whole run, not one per poll: a push heartbeat
every few seconds would otherwise cost a worker's start, its state messages
and a timer each time. The poller tells the app when the poll under way has gone
unanswered too long (`Poller.on_stall`: then the link says stalled, not live), and the
retry key (`app.retry`) polls and sends the outbox at once, whatever the wait.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import SystemCommand
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from rr_tui.backends.base import Backend, BackendError
from rr_tui.models import utcnow
from rr_tui.options import DashboardOptions, SavedView
from rr_tui.screens.dashboard import DashboardScreen
from rr_tui.screens.keys import APP_KEYS, bindings
from rr_tui.screens.messages import (
    ContactsLoaded,
    PollArrived,
    TimelineLoaded,
    TimelineWanted,
    TriageReported,
    ViewApplied,
    ViewWanted,
)
from rr_tui.screens.notices import NoticedApp
from rr_tui.screens.typeahead import TypeAheadApp
from rr_tui.sync.actions import Drainer
from rr_tui.sync.clock_desk import ClockDesk
from rr_tui.sync.connection import FIX_TOKEN, Connection, LinkState
from rr_tui.sync.contacts import ContactDirectory
from rr_tui.sync.handover_desk import HandoverDesk
from rr_tui.sync.outbox import Outbox
from rr_tui.sync.outcomes import TriageEvent
from rr_tui.sync.poller import Poller, recovery_backoff
from rr_tui.sync.protocol_desk import ProtocolDesk
from rr_tui.sync.store import IncidentStore, StoreChange
from rr_tui.sync.timelines import TimelineCache
from rr_tui.sync.triage import TriageService
from rr_tui.widgets.theme import high_contrast_theme

log = logging.getLogger(__name__)

CONTACTS_REFRESH = 300.0
"""Seconds between directory refreshes (it changes rarely; the cache covers outages)."""

QUIT_CONFIRM_SECONDS = 10.0
"""A second `q` within this many seconds of the warning quits with actions waiting."""


OUTBOX_RETRY_AFTER_FAULT = 30.0
"""Seconds before the outbox is tried again after the sender itself failed (a bug, logged)."""


class RrApp(NoticedApp, TypeAheadApp):
    """rr-tui: the live queue, timeline and stakeholders of a Rapid Response shift."""

    TITLE = "rr-tui"
    BINDINGS = bindings(APP_KEYS)

    def __init__(
        self,
        backend: Backend,
        options: DashboardOptions | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        contacts_cache: Path | None = None,
        outbox: Path | None = None,
        rng: random.Random | None = None,
        auto_poll: bool = True,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.options = options or DashboardOptions()
        self.store = IncidentStore(alert_at=self.options.alert_rank)
        self.poller = Poller(
            backend,
            self.store,
            interval=self.options.poll_interval,
            clock=clock,
            backoff=recovery_backoff(self.options.poll_interval, rng),
            on_stall=self._stalled,
        )
        self.clock: Callable[[], datetime] = self.poller.now
        """The backend's time (the local `clock` corrected by `server_time`): SLAs use it."""
        self.directory = ContactDirectory(contacts_cache)
        self.outbox = Outbox(outbox)
        self.triage = TriageService(
            self.store,
            self.outbox,
            unsupported=backend.unsupported_reason,
            undo_seconds=self.options.undo_seconds,
        )
        self.triage.wake = self._wake_outbox
        self.drainer = Drainer(backend, self.triage)
        self.timelines = TimelineCache()
        self.auto_poll = auto_poll
        self._quit_warned_at = -QUIT_CONFIRM_SECONDS
        self._next_poll: Timer | None = None
        self._told: tuple[Connection, int] | None = None
        """The link and skipped count the screen was last told (`_post_poll`)."""
        self._outbox_retry: Timer | None = None
        self.first_poll = asyncio.Event()
        """Set when the first poll has finished, well or not (tests wait on it)."""
        self.dashboard = DashboardScreen(
            self.store,
            self.directory,
            self.options,
            self.clock,
            self.triage,
            backend_name=backend.name,
            clock_desk=ClockDesk(backend, self.triage, failures=(BackendError,)),
            protocol_desk=ProtocolDesk(backend, self.triage, failures=(BackendError,)),
        )
        """The base screen; dialogs go on top of it."""
        self.handover_desk = self.dashboard.handovers = HandoverDesk(backend, self.clock)
        self.register_theme(high_contrast_theme())
        self.theme = self.options.theme
        self.set_keymap(dict(self.options.keymap))

    # --- start and stop -------------------------------------------------------------

    def get_default_screen(self) -> DashboardScreen:
        """The dashboard is the base screen."""
        return self.dashboard

    def on_mount(self) -> None:
        """Read the cached directory before the first paint: lookup works even offline."""
        self.directory.load_cache()

    @on(DashboardScreen.Ready)
    def _start(self) -> None:
        """The dashboard is on screen: start polling, loading and sending."""
        self.set_interval(CONTACTS_REFRESH, self.load_contacts)
        self.load_contacts()
        self.load_me()
        if self.options.views:
            self.dashboard.show_view(self.options.default_view)
        self.poll()
        if self.outbox.recovered:
            self.notify(self.outbox.recovered, title="Outbox", severity="error", markup=False)
        left = self.triage.resume()
        if left:
            self.notify(f"Sending {left} actions left from the last session.", markup=False)

    async def action_quit(self) -> None:
        """Quit; with actions still waiting, first say so (a second `q` within a while quits)."""
        waiting = self.triage.waiting
        now = time.monotonic()
        if waiting and now - self._quit_warned_at > QUIT_CONFIRM_SECONDS:
            self._quit_warned_at = now
            self.notify(
                f"{waiting} actions still wait for the backend. They are kept on disk and sent "
                "at the next start. Press q again to quit now.",
                title="Quit with actions waiting?",
                severity="warning",
                timeout=QUIT_CONFIRM_SECONDS,
            )
            return
        self.exit()

    async def on_unmount(self) -> None:
        """Close the backend's connections and the outbox."""
        await self.backend.aclose()
        self.outbox.close()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """Every worker's failure: logged with its traceback, shown, and reflected in the link."""
        worker: Worker[Any] = event.worker
        if event.state is not WorkerState.ERROR:
            return
        error = worker.error
        log.error("the %s worker failed", worker.group, exc_info=error)
        self.notify(
            f"Something went wrong ({worker.group}): {error!r:.200}. The details are in the log.",
            title="Internal error",
            severity="error",
            timeout=15,
            markup=False,
        )
        if worker.group == "poll":
            self.poller.fault(f"internal error: {error!r:.120}")
            self._post_poll(StoreChange())
            self._restart_polling()
        elif worker.group == "outbox":
            self._retry_outbox(OUTBOX_RETRY_AFTER_FAULT)

    # --- polling ----------------------------------------------------------------------

    @work(exclusive=True, group="poll", exit_on_error=False)
    async def poll(self) -> None:
        """Poll now and, with `auto_poll`, keep polling until replaced or the app stops.

        Each poll's result goes to the screen; between polls the worker sleeps the
        poller's delay. A newer call (the retry key) cancels this one, in its
        request or its sleep, and starts over at once.
        """
        if self._next_poll is not None:
            self._next_poll.stop()  # a restart armed after a failure: this poll is it
            self._next_poll = None
        while True:
            await self._poll_once()
            if not self.auto_poll:
                return
            if self.poller.delay > 0:
                await asyncio.sleep(self.poller.delay)

    async def _poll_once(self) -> None:
        before = self.poller.connection.state
        try:
            result = await self.poller.poll()
            self._tell_refusal(before)
            for line in result.skipped:
                log.warning("skipped a record that breaks the schema: %s", line)
            self._post_poll(result.change or StoreChange())
        finally:
            self.first_poll.set()

    def _restart_polling(self) -> None:
        """After the poll worker failed (a bug, reported): poll again after the poller's delay."""
        if self.auto_poll:
            self._next_poll = self.set_timer(self.poller.delay, self.poll, name="next-poll")

    def _tell_refusal(self, before: LinkState) -> None:
        """A refused token needs the user, not a wait: say so once, when it starts."""
        link = self.poller.connection
        if link.state is LinkState.REFUSED and before is not LinkState.REFUSED:
            wait = f"Polling again in {self.poller.delay / 60:.0f} min; ctrl+r retries now."
            self.notify(f"{link.problem}: {FIX_TOKEN}. {wait}", severity="warning", markup=False)

    def check_stall(self) -> None:
        """Tell the screen if the poll under way stalled (the poller's own watch does, in time)."""
        if self.poller.check_stall():
            self._stalled()

    def _stalled(self) -> None:
        log.warning("poll stalled: %s", self.poller.connection.error)
        self._post_poll(StoreChange())

    def action_retry(self) -> None:
        """Poll and send the outbox now, whatever the backoff or a refused token's wait."""
        for timer in (self._next_poll, self._outbox_retry):
            if timer is not None:
                timer.stop()
        self._next_poll = self._outbox_retry = None
        self.notify("Polling and sending now.", timeout=3)
        self.poll()
        self.drain_outbox()

    def _post_poll(self, change: StoreChange) -> None:
        connection, skipped = self.poller.connection, self.poller.skipped_total
        told = self._told
        if not change and told and told[1] == skipped and connection.tells_nothing_after(told[0]):
            return  # a push heartbeat that moved nothing on screen: no message, no wake
        self._told = (connection, skipped)
        self.dashboard.post_message(PollArrived(change, connection, skipped))

    @work(group="me", exit_on_error=False)
    async def load_me(self) -> None:
        """Ask who we are, so actions this role may not take are refused before sending."""
        try:
            self.triage.me = await self.backend.me()
        except BackendError as error:
            log.info("could not ask the backend who we are: %s", error.message)

    # --- timelines ----------------------------------------------------------------------

    @on(TimelineWanted)
    def _timeline_wanted(self, message: TimelineWanted) -> None:
        held = self.timelines.get(message.incident_id)
        if held is not None and held.events:
            self.dashboard.post_message(TimelineLoaded(message.incident_id, held.events))
        if self.timelines.wants(message.incident_id, message.version):
            self.load_timeline(message.incident_id, message.version)

    @work(group="timeline", exit_on_error=False)
    async def load_timeline(self, incident_id: str, version: int) -> None:
        """Fetch the events the cache lacks, then hand the whole timeline to the screen.

        Not exclusive: a fetch under way finishes into the cache even when the cursor
        moved on, so coming back asks for nothing (the cache keeps one fetch per incident).
        """
        after = self.timelines.started(incident_id, version)
        try:
            newer = await self.backend.timeline(incident_id, after)
        except BackendError as error:
            self.timelines.failed(incident_id)
            log.info("timeline of %s not fetched: %s", incident_id, error.message)
            return
        except asyncio.CancelledError:
            # The app is closing; should it not be, the next showing asks again.
            self.timelines.failed(incident_id)
            raise
        held = self.timelines.merge(incident_id, version, newer)
        self.triage.people.remember(event.actor for event in newer)
        self.dashboard.post_message(TimelineLoaded(incident_id, held.events))

    # --- contacts ------------------------------------------------------------------------

    @work(exclusive=True, group="contacts", exit_on_error=False)
    async def load_contacts(self) -> None:
        """Refresh the directory, who can be assigned and the handover notes waiting from the
        backend; on failure the last ones stay."""
        await self.handover_desk.check()
        try:
            self.triage.people.accounts = frozenset(await self.backend.assignable())
        except BackendError as error:
            log.info("assignable users not refreshed: %s", error.message)
        try:
            contacts = await self.backend.contacts()
        except BackendError as error:
            log.info("contact directory not refreshed: %s", error.message)
            return
        if contacts is not None:
            self.directory.update(contacts, self.clock())
            self.dashboard.post_message(ContactsLoaded())

    # --- the outbox ------------------------------------------------------------------------

    def _wake_outbox(self) -> None:
        self.drain_outbox()

    @work(group="outbox", exit_on_error=False)
    async def drain_outbox(self) -> None:
        """Send what the outbox holds; on no answer, try again after the backoff."""
        delay = await self.drainer.run(self._report)
        if delay is not None:
            self._retry_outbox(delay)

    def _retry_outbox(self, delay: float) -> None:
        if self._outbox_retry is not None:
            self._outbox_retry.stop()
        self._outbox_retry = self.set_timer(delay, self.drain_outbox, name="outbox-retry")

    def _report(self, event: TriageEvent) -> None:
        self.dashboard.post_message(TriageReported(event))

    # --- saved views ----------------------------------------------------------------------

    @on(ViewWanted)
    def _view_wanted(self, message: ViewWanted) -> None:
        self.apply_view(message.view)

    @work(exclusive=True, group="view", exit_on_error=False)
    async def apply_view(self, view: SavedView) -> None:
        """Filter the queue; a view of "my" incidents first asks the backend who we are."""
        selection = view.filter
        if view.mine:
            if self.triage.me is None:
                try:
                    self.triage.me = await self.backend.me()
                except BackendError as error:
                    self.notify(
                        f"View {view.name} shows nobody's incidents: the backend did not say "
                        f"who you are ({error.message}). Switch to it again once it answers.",
                        severity="warning",
                        markup=False,
                    )
            me = self.triage.me
            selection = replace(selection, assignee=me.name if me else "")
        change = self.store.set_filter(selection)
        self.dashboard.post_message(ViewApplied(view, change))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands, the dashboard's, then the app's (from the same keys as bindings)."""
        yield from super().get_system_commands(screen)
        yield from self.dashboard.commands()
        for key in APP_KEYS:
            if key.title:
                yield SystemCommand(key.title, key.help, partial(self.run_action, key.action))
