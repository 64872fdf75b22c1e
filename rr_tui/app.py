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
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingsMap
from textual.screen import Screen
from textual.theme import Theme

from rr_tui.backends.base import Backend, BackendError
from rr_tui.models import Incident, Me, TimelineEvent, utcnow
from rr_tui.options import HIGH_CONTRAST_THEME, DashboardOptions, SavedView
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
        self._configure()

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
        self.show_view(self.options.default_view)
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
        if not self.widgets_ready:
            return
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
        if change and self.widgets_ready:
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
        if self.widgets_ready:
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
            if self.widgets_ready:
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

    # --- configuration: views, keymap, theme (issue 5) ---

    VIEW_BINDINGS: ClassVar[list[Binding]] = [
        Binding("right_square_bracket", "next_view", "Next view", show=False, id="views.next"),
        Binding(
            "left_square_bracket", "previous_view", "Previous view", show=False, id="views.previous"
        ),
    ]
    """Bound when the options have saved views; each view with a key adds `views.NAME`."""

    def _configure(self) -> None:
        """Apply the options' theme, keymap and saved views (called once, by `__init__`)."""
        self.register_theme(self.high_contrast_theme())
        self.theme = self.options.theme
        self.view: SavedView | None = None
        """The saved view the queue shows (None: no views configured)."""
        self._base_title = self.options.title
        views = self.options.views
        if views:
            extra = BindingsMap(
                [
                    *self.VIEW_BINDINGS,
                    *(
                        Binding(
                            view.key,
                            f"switch_view({view.name!r})",
                            f"View {view.name}",
                            show=False,
                            id=f"views.{view.name}",
                        )
                        for view in views
                        if view.key
                    ),
                ]
            )
            for key, bindings in extra.key_to_bindings.items():
                self._bindings.key_to_bindings.setdefault(key, []).extend(bindings)
        self.set_keymap(dict(self.options.keymap))

    @staticmethod
    def high_contrast_theme() -> Theme:
        """White on black with saturated, distinct severity colours."""
        return Theme(
            name=HIGH_CONTRAST_THEME,
            primary="#00D7FF",
            secondary="#FFFFFF",
            accent="#FF5FFF",
            foreground="#FFFFFF",
            background="#000000",
            surface="#000000",
            panel="#262626",
            warning="#FFD700",
            error="#FF2020",
            success="#00FF5F",
            dark=True,
        )

    def show_view(self, name: str) -> None:
        """Switch the queue to a saved view by name ("" or an unknown name: the first view)."""
        views = self.options.views
        view = next((view for view in views if view.name == name), views[0] if views else None)
        if view is not None:
            self._apply_view(view)

    @work(exclusive=True, group="view", exit_on_error=False)
    async def _apply_view(self, view: SavedView) -> None:
        """Filter the queue; a view of "my" incidents first asks the backend who we are."""
        filter = view.filter
        if view.mine:
            if self.me is None:
                try:
                    self.me = await self.backend.me()
                except BackendError as error:
                    self.notify(
                        f"View {view.name} shows nobody's incidents: the backend did not say "
                        f"who you are ({error.message}). Switch to it again once it answers.",
                        severity="warning",
                        markup=False,
                    )
            filter = replace(filter, assignee=self.me.name if self.me else "")
        self.store.set_filter(filter)
        self.view = view
        # Marks on rows the view hides go: a bulk action never touches what is not shown.
        self.marked.difference_update([i for i in self.marked if self.store.index_of(i) is None])
        self.options = replace(self.options, title=f"{self._base_title} · view {view.name}")
        self.queue.store_changed(StoreChange(reset=True))
        self.refresh_status()

    def action_switch_view(self, name: str) -> None:
        """Show the saved view `name`."""
        self.show_view(name)

    def _step_view(self, step: int) -> None:
        views = self.options.views
        if not views:
            return
        index = views.index(self.view) if self.view in views else -step
        self._apply_view(views[(index + step) % len(views)])

    def action_next_view(self) -> None:
        """Show the next saved view."""
        self._step_view(1)

    def action_previous_view(self) -> None:
        """Show the previous saved view."""
        self._step_view(-1)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Everything else, plus one command per saved view."""
        yield from super().get_system_commands(screen)
        for view in self.options.views:
            yield SystemCommand(
                f"View: {view.name}",
                "Show this saved view in the queue",
                lambda name=view.name: self.show_view(name),
            )
