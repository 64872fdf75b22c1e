"""Every key binding of the dashboard, defined once: the footer, `?`, the palette and the keymap.

A `Key` is one action a person can take: its binding id (what a user's keymap
rebinds), its default keys, the short word the footer shows, and the title and
help line the command palette shows. The screen's `BINDINGS` and its palette
entries are both made from the same `Key`s, so they cannot drift apart.
`binding_ids()` is the one registry of binding ids the config is checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.app import SystemCommand
from textual.binding import Binding, BindingsMap, BindingType

from rr_tui.options import SavedView
from rr_tui.screens.clock_dialog import ClockDialog
from rr_tui.screens.confirm import ConfirmBulk
from rr_tui.screens.conflicts import ConflictsDialog
from rr_tui.screens.dialogs import AssignDialog, CannotAct, TextPrompt
from rr_tui.screens.escalate import EscalateDialog, PickList
from rr_tui.screens.protocol_dialog import ProtocolDialog
from rr_tui.screens.writing import LongTextPrompt
from rr_tui.widgets.contacts import StakeholderPane
from rr_tui.widgets.queue import QueueView


@dataclass(frozen=True)
class Key:
    """One dashboard action: binding and palette entry from a single definition."""

    id: str
    keys: str
    action: str
    footer: str
    title: str = ""
    """The palette's title ("": not in the palette)."""
    help: str = ""
    show: bool = True

    def binding(self) -> Binding:
        """The Textual binding, with its id for the keymap."""
        return Binding(self.keys, self.action, self.footer, show=self.show, id=self.id)


def _severity(rank: int) -> Key:
    return Key(
        f"triage.sev{rank}", str(rank), f"triage('set_severity', {rank})", f"SEV{rank}", show=False
    )


TRIAGE_KEYS: tuple[Key, ...] = (
    Key(
        "triage.raise",
        "plus",
        "triage('raise_severity')",
        "Raise",
        "Raise severity",
        "Raise the selected or marked incidents by one level",
    ),
    Key(
        "triage.lower",
        "minus",
        "triage('lower_severity')",
        "Lower",
        "Lower severity",
        "Lower the selected or marked incidents by one level",
    ),
    *(_severity(rank) for rank in range(5)),
    Key(
        "triage.ack",
        "a",
        "triage('acknowledge')",
        "Ack",
        "Acknowledge",
        "Acknowledge the selected or marked incidents",
    ),
    Key(
        "triage.escalate",
        "e",
        "triage('escalate')",
        "Escalate",
        "Escalate",
        "Escalate to stakeholders covering the incident",
    ),
    Key(
        "triage.assign_me",
        "i",
        "triage('assign_me')",
        "Take",
        "Assign to me",
        "Take the selected or marked incidents",
    ),
    Key(
        "triage.assign_other",
        "I",
        "triage('assign_other')",
        "Assign…",
        "Assign to…",
        "Assign the selected or marked incidents to someone",
        show=False,
    ),
    Key("triage.note", "n", "triage('note')", "Note", "Add note", "Add a note to the timeline"),
    Key(
        "triage.resolve",
        "r",
        "triage('resolve')",
        "Resolve",
        "Resolve",
        "Resolve with a resolution note",
    ),
    Key(
        "triage.mitigate",
        "m",
        "triage('mitigate')",
        "Mitigate",
        "Mitigate",
        "Mark mitigated: the harm is contained (stops the SLA clock)",
        show=False,
    ),
    Key(
        "triage.reopen",
        "o",
        "triage('reopen')",
        "Reopen",
        "Reopen",
        "Reopen resolved incidents",
        show=False,
    ),
    Key(
        "triage.mark",
        "space",
        "toggle_mark",
        "Mark",
        "Mark / unmark",
        "Mark the selected row for a bulk action",
    ),
    Key(
        "triage.mark_all",
        "asterisk",
        "mark_all",
        "Mark all",
        "Mark all visible",
        "Mark every row the queue shows (again: clear)",
        show=False,
    ),
    Key(
        "triage.undo",
        "u",
        "triage('undo')",
        "Undo",
        "Undo",
        "Undo the last severity or assignment change",
        show=False,
    ),
    Key(
        "triage.conflicts",
        "C",
        "review_conflicts",
        "Conflicts",
        "Review conflicts",
        "Settle the actions someone else's change got in the way of",
        show=False,
    ),
)
"""Keys that change incidents (through the triage service and the outbox)."""

PANE_KEYS: tuple[Key, ...] = (
    Key("dashboard.toggle_side", "p", "toggle_side", "Detail pane"),
    Key("dashboard.back", "escape", "back", "Back", show=False),
)
"""Keys that move between the panes (first in the footer: at 80 columns they are the way
to the detail pane)."""

SCREEN_KEYS: tuple[Key, ...] = (
    Key(
        "app.search_contacts",
        "/",
        "search_contacts",
        "Find",
        "Find an incident or a contact",
        "Search incidents (id, title, owner) and the directory",
    ),
    Key(
        "app.toggle_reveal",
        "v",
        "toggle_reveal",
        "Reveal/mask",
        "Reveal / mask",
        "Show or hide the selected sensitive incident's text",
    ),
    Key(
        "incident.postmortem",
        "P",
        "postmortem",
        "Post-mortem",
        "Write post-mortem draft",
        "Write the selected incident's post-mortem draft to a file",
        show=False,
    ),
    Key(
        "shift.handover",
        "H",
        "handover",
        "Handover",
        "Shift handover",
        "What the outgoing lead hands over; acknowledge their note",
        show=False,
    ),
    Key(
        "shift.trends",
        "T",
        "trends",
        "Trends",
        "Trends",
        "Trends: opened per hour, median times, SLA attainment",
        show=False,
    ),
    Key(
        "shift.workload",
        "W",
        "workload",
        "Workload",
        "Workload",
        "Workload per owner; your reveals this shift, break timer",
        show=False,
    ),
    Key(
        "wellbeing.took_break",
        "B",
        "took_break",
        "Break taken",
        "I took a break",
        "Start the break timer again (and the reminder's wait)",
        show=False,
    ),
    Key("app.help", "question_mark", "help", "Keys"),
    Key(
        "queue.next_unacknowledged",
        "exclamation_mark",
        "next_unacknowledged",
        "Next to ack",
        "Next to acknowledge",
        "Jump to the next new SEV0/SEV1 nobody has acknowledged",
        show=False,
    ),
    Key(
        "clocks.open",
        "L",
        "clocks",
        "Clocks",
        "Legal clocks",
        "Legal clocks: start, pause, resume, extend, meet or cancel",
        show=False,
    ),
    Key(
        "protocols.open",
        "K",
        "protocols",
        "Protocols",
        "Protocols",
        "Protocols (playbooks): activate one, tick its steps",
        show=False,
    ),
    Key("views.next", "right_square_bracket", "step_view(1)", "Next view", show=False),
    Key("views.previous", "left_square_bracket", "step_view(-1)", "Previous view", show=False),
)
"""Keys of the dashboard itself: search, masking, help, clocks, protocols, views."""

APP_KEYS: tuple[Key, ...] = (
    Key("app.quit", "q", "quit", "Quit"),
    Key(
        "app.retry",
        "ctrl+r",
        "retry",
        "Retry",
        "Retry now",
        "Poll and send waiting actions now, whatever the backoff",
        show=False,
    ),
)
"""Keys the app answers wherever the focus is."""


def bindings(keys: Iterable[Key]) -> list[BindingType]:
    """The bindings of some keys, for a `BINDINGS` list."""
    return [key.binding() for key in keys]


def view_binding_id(name: str) -> str:
    """The binding id of a saved view's own key (`views.NAME`)."""
    return f"views.{name}"


def palette(
    run: Callable[[str], Any], show_view: Callable[[str], None], views: Iterable[SavedView]
) -> Iterable[SystemCommand]:
    """The command palette's entries: every titled key (run as its binding's action), then
    one per saved view."""
    for key in (*TRIAGE_KEYS, *SCREEN_KEYS):
        if key.title:
            yield SystemCommand(key.title, key.help, partial(run, key.action))
    for view in views:
        yield SystemCommand(
            f"View: {view.name}", "Show this saved view in the queue", partial(show_view, view.name)
        )


def view_bindings(views: Iterable[SavedView]) -> BindingsMap:
    """The keys of saved views that have one: `switch_view(NAME)`, id `views.NAME`."""
    return BindingsMap(
        Binding(
            view.key,
            f"switch_view({view.name!r})",
            f"View {view.name}",
            show=False,
            id=view_binding_id(view.name),
        )
        for view in views
        if view.key
    )


def binding_ids() -> set[str]:
    """Every binding id the dashboard knows, to check a user's keymap against.

    The dashboard's own keys, and those of the widgets and dialogs that define their own.
    """
    ids = {key.id for key in (*PANE_KEYS, *TRIAGE_KEYS, *SCREEN_KEYS, *APP_KEYS)}
    owners = (
        QueueView,
        StakeholderPane,
        TextPrompt,
        LongTextPrompt,
        CannotAct,
        AssignDialog,
        EscalateDialog,
        PickList,
        ConflictsDialog,
        ConfirmBulk,
        ClockDialog,
        ProtocolDialog,
    )
    for owner in owners:
        ids.update(b.id for b in owner.BINDINGS if isinstance(b, Binding) and b.id)
    return ids
