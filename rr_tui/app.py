"""The Textual app: wires the backend, the sync layer and the dashboard screen together.

Polling follows one rule: one poll at a time. `poll` runs in an exclusive
worker and, when it ends, arms a one-shot timer for the next one with the
poller's delay (the interval when live, a jittered backoff when not).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from textual import on, work
from textual.binding import Binding

from rr_tui.backends.base import Backend, BackendError
from rr_tui.models import Incident, Me, TimelineEvent
from rr_tui.options import DashboardOptions
from rr_tui.sanitize import clean
from rr_tui.screens.dashboard import DashboardScreen
from rr_tui.sync.contacts import ContactDirectory
from rr_tui.sync.outbox import Outbox
from rr_tui.sync.poller import Backoff, Poller, PollResult
from rr_tui.sync.store import IncidentStore, StoreChange
from rr_tui.triage import TriageMixin
from rr_tui.widgets.queue import QueueView
from rr_tui.widgets.status import StatusBar

log = logging.getLogger(__name__)

CONTACTS_REFRESH = 300.0
"""Seconds between directory refreshes (it changes rarely; the cache covers outages)."""


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class RrApp(TriageMixin):
    """rr-tui: the live queue, timeline and stakeholders of a Rapid Response shift."""

    TITLE = "rr-tui"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("/", "search_contacts", "Find contact", id="app.search_contacts"),
        Binding("v", "toggle_reveal", "Reveal/mask", id="app.toggle_reveal"),
        Binding("question_mark", "help", "Keys", id="app.help"),
    ]

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
        self.outbox = Outbox(outbox)
        self.me: Me | None = None
        self.marked: set[str] = set()
        self.pending: Counter[str] = Counter()
        self._init_triage()
        self.backend = backend
        self.options = options or DashboardOptions()
        self.clock = clock
        self.store = IncidentStore(alert_at=self.options.alert_rank)
        self.poller = Poller(
            backend,
            self.store,
            interval=self.options.poll_interval,
            clock=clock,
            backoff=Backoff(rng=rng),
        )
        self.directory = ContactDirectory(contacts_cache)
        self.revealed: set[str] = set()
        self.auto_poll = auto_poll
        self.first_poll = asyncio.Event()
        """Set when the first poll has finished, well or not (tests wait on it)."""
        self._timelines: dict[str, tuple[int, list[TimelineEvent]]] = {}

    # --- start and stop -------------------------------------------------------------

    def get_default_screen(self) -> DashboardScreen:
        """The dashboard is the base screen; dialogs go on top of it."""
        return DashboardScreen(
            self.store,
            self.directory,
            self.options,
            self.clock,
            self.revealed,
            marked=self.marked,
            pending=self.pending,
        )

    def on_mount(self) -> None:
        """Read the cached directory before the first paint: lookup works even offline."""
        self.directory.load_cache()

    @on(DashboardScreen.Ready)
    def _start(self) -> None:
        """The dashboard is on screen: fill it from the cache, then start polling."""
        self.contacts_pane.show_for(None)
        self.refresh_status()
        self.set_interval(1.0, self.refresh_status)
        self.set_interval(CONTACTS_REFRESH, self.load_contacts)
        self.load_contacts()
        self.load_me()
        self.poll()
        self.resume_outbox()

    async def on_unmount(self) -> None:
        """Close the backend's connections and the outbox."""
        await self.backend.aclose()
        self.outbox.close()

    @work(group="me", exit_on_error=False)
    async def load_me(self) -> None:
        """Ask who we are, so actions this role may not take are refused before sending."""
        try:
            self.me = await self.backend.me()
        except BackendError as error:
            log.info("could not ask the backend who we are: %s", error.message)

    def refresh_status(self) -> None:
        """Redraw the status bar (every second, and after every poll)."""
        self.dashboard.query_one(StatusBar).render_status(
            self.options,
            self.clock(),
            self.poller.connection,
            self.store.open_counts(),
            skipped=self.poller.skipped_total,
            backend=self.backend.name,
            waiting=sum(self.pending.values()),
            marked=len(self.marked),
        )

    # --- polling ----------------------------------------------------------------------

    @work(exclusive=True, group="poll", exit_on_error=False)
    async def poll(self) -> None:
        """Poll once, show the result, and arm the timer for the next poll."""
        try:
            result = await self.poller.poll()
            self.apply_poll(result)
        finally:
            self.first_poll.set()
            if self.auto_poll:
                self.set_timer(self.poller.delay, self.poll, name="next-poll")

    def apply_poll(self, result: PollResult) -> None:
        """Show what a poll brought: rows, alerts, the selected incident, the status."""
        if result.skipped:
            for line in result.skipped:
                log.warning("skipped a record that breaks the schema: %s", line)
        change = result.change
        if change:
            self.queue.store_changed(change)
            self._alert(change)
            self._refresh_selected(change)
        self.refresh_status()

    def _alert(self, change: StoreChange) -> None:
        for incident in change.urgent:
            label = self.options.severity_labels.get(incident.severity, incident.severity.value)
            title = "sensitive incident" if incident.sensitive else clean(incident.title, 120)
            self.notify(
                f"{clean(incident.id, 20)} {label} · {incident.region} · {title}",
                title=f"New {label}",
                severity="error" if incident.severity.rank == 0 else "warning",
                timeout=15,
                markup=False,
            )
        if change.urgent and self.options.bell:
            self.bell()

    def _refresh_selected(self, change: StoreChange) -> None:
        selected = self.queue.selected_id
        if selected is None:
            self.show_incident(None)
        elif selected in change.changed or change.reset:
            self.show_incident(self.store.get(selected))

    # --- the selected incident --------------------------------------------------------

    @on(QueueView.Highlighted)
    def _highlighted(self, message: QueueView.Highlighted) -> None:
        incident = self.store.get(message.incident_id) if message.incident_id else None
        self.show_incident(incident)

    @on(QueueView.Opened)
    def _opened(self) -> None:
        self.dashboard.show_side()

    def show_incident(self, incident: Incident | None) -> None:
        """Show an incident in the side column and bring its timeline up to date."""
        self.detail.show(incident)
        self.contacts_pane.show_for(incident)
        if incident is None:
            return
        cached = self._timelines.get(incident.id)
        if cached is not None:
            self.detail.append_events(incident.id, cached[1])
        if cached is None or cached[0] < incident.version:
            self.load_timeline(incident.id, incident.version)

    @work(exclusive=True, group="timeline", exit_on_error=False)
    async def load_timeline(self, incident_id: str, version: int) -> None:
        """Fetch the events the cache lacks, then show them if the incident is still selected."""
        cached_version, events = self._timelines.get(incident_id, (0, []))
        after = events[-1].seq if events else 0
        try:
            newer = await self.backend.timeline(incident_id, after)
        except BackendError as error:
            log.info("timeline of %s not fetched: %s", incident_id, error.message)
            return
        merged = events + [event for event in newer if event.seq > after]
        self.remember_names(event.actor for event in newer)
        self._timelines[incident_id] = (max(version, cached_version), merged)
        self.detail.append_events(incident_id, merged)

    # --- contacts ------------------------------------------------------------------------

    @work(exclusive=True, group="contacts", exit_on_error=False)
    async def load_contacts(self) -> None:
        """Refresh the directory from the backend; on failure the cached one stays."""
        try:
            contacts = await self.backend.contacts()
        except BackendError as error:
            log.info("contact directory not refreshed: %s", error.message)
            return
        if contacts is not None:
            self.directory.update(contacts, self.clock())
            self.contacts_pane.refresh_list()

    # --- actions ---------------------------------------------------------------------------

    def action_search_contacts(self) -> None:
        """Find a stakeholder from anywhere: open the directory search."""
        self.dashboard.show_side()
        self.contacts_pane.action_search()

    def action_toggle_reveal(self) -> None:
        """Reveal or mask the selected incident's sensitive text."""
        selected = self.queue.selected_id
        if selected is None:
            return
        self.revealed.symmetric_difference_update({selected})
        self.queue.refresh()
        self.detail.show(self.store.get(selected))

    def action_help(self) -> None:
        """Show every key binding."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()
