"""The README's keystroke table, re-counted and pressed key for key (issue 12).

The table is read from README.md: each row's keys are counted against its count
column, then pressed exactly as written on a dashboard over the demo data, and
the outcome is checked on the server. A row edited in the README without the
keys doing it (or a key changed without the README) fails here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from rr_tui.models import IncidentCreate, IncidentPatch, Role, Severity, Status, Team
from rr_tui.screens.escalate import EscalateDialog
from rr_tui.screens.workload import WorkloadScreen
from rr_tui.server.store import Actor
from tests.conftest import Dashboard, DashboardFactory, FakeClock, RunningServer

README = Path(__file__).parent.parent / "README.md"
LEAD = Actor("lee.lead", Role.LEAD)
KEY_NAMES = {"!": "exclamation_mark", "/": "slash", "*": "asterisk", "+": "plus", "-": "minus"}
NAMED = {"enter", "space", "tab", "escape", "ctrl+s"}
VIEW_KEYS = {"N": "new", "R": "resolved", "A": "open"}
FREE_TEXT = "checked with the partner"
"""What the tests type where the README says `reason`, `note` or `what was done`."""


@dataclass(frozen=True)
class Row:
    """One task of the table: the keys to press (typed text as characters), and counts."""

    task: str
    keys: tuple[str, ...]
    counted: int
    letters: int
    free_text: bool

    @property
    def key_count(self) -> int:
        """Keys pressed, not counting typed text."""
        return sum(1 for key in self.keys if key != "typed")


def _parse(task: str, cell: str, count: str) -> Row:
    keys: list[str] = []
    letters = 0
    free = False
    for backticked, plain in re.findall(r"`([^`]+)`|([^`]+)", cell):
        if plain.strip():
            free = True
            keys.append("free")
        elif len(backticked) == 1 or backticked in NAMED:
            keys.append(KEY_NAMES.get(backticked, backticked))
        else:
            letters += len(backticked)
            keys.extend(f"typed:{c}" for c in backticked)
    found = re.fullmatch(r"(\d+)(?: \+ (\d+) letters| \+ the [a-z ]+)?", count)
    assert found, f"count {count!r} of {task!r} is not `N`, `N + M letters`, `N + the …`"
    return Row(task, tuple(keys), int(found[1]), int(found[2] or 0), free)


def readme_rows() -> dict[str, Row]:
    """The keystroke table, by task."""
    text = README.read_text()
    table = text.split("re-counts this table):", 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in table.splitlines()[2:]:
        task, keys, count = (cell.strip() for cell in line.strip("|").split("|"))
        rows[task] = _parse(task, keys, count)
    return rows


def test_the_readme_keystroke_counts_add_up() -> None:
    for row in readme_rows().values():
        pressed = sum(1 for key in row.keys if not key.startswith(("typed:", "free")))
        assert (pressed, sum(k.startswith("typed:") for k in row.keys)) == (
            row.counted,
            row.letters,
        ), row.task


def _pilot_keys(row: Row) -> list[str]:
    keys: list[str] = []
    for key in row.keys:
        if key == "free":
            keys.extend(c if c != " " else "space" for c in FREE_TEXT)
        elif key.startswith("typed:"):
            c = key.removeprefix("typed:")
            keys.append("space" if c == " " else c)
        else:
            keys.append(key)
    return keys


Check = Callable[[Dashboard, RunningServer, Callable[[], Awaitable[None]]], Awaitable[None]]


async def test_the_readme_keystrokes_do_what_they_say(
    demo_server: RunningServer, dashboard: DashboardFactory, clock: FakeClock, tmp_path: Path
) -> None:
    from rr_tui.config import load

    rows = readme_rows()
    (tmp_path / "config.toml").write_text("")  # the built-in views and keys
    options = load(tmp_path / "config.toml").settings.dashboard_options()
    store = demo_server.store
    body = IncidentCreate.model_validate(
        {
            "title": "Regulator order: remove posts naming a witness",
            "severity": "SEV0",
            "category": "legal_request",
            "region": "ID",
            "source": "regulator",
            "due_at": (clock.now - timedelta(days=3)).isoformat(),  # long breached: on top
        }
    )
    with store.write() as tx:
        top = tx.create(body, LEAD).id
        sev2 = tx.create(
            body.model_copy(update={"severity": Severity.SEV2, "due_at": None}), LEAD
        ).id
        closed = tx.create(
            body.model_copy(update={"severity": Severity.SEV3, "due_at": None}), LEAD
        )
        tx.patch(closed.id, IncidentPatch(status=Status.RESOLVED, reason="done"), LEAD, 1)
    done: set[str] = set()

    async with dashboard(options=options) as d:

        def showing(name: str) -> bool:
            view = d.app.dashboard.view
            return view is not None and view.name == name

        async def run(task: str, *setup: str) -> None:
            await d.press("escape", *setup)  # not counted: where the task starts from
            await d.settle()
            for key in _pilot_keys(rows[task]):
                await d.press(key)
                if key in VIEW_KEYS:  # the view is applied by a worker: let it land
                    await d.until(partial(showing, VIEW_KEYS[key]))
                    await d.settle()
            await d.drained()
            done.add(task)

        await run("acknowledge the top incident", "A", "G")
        assert store.get(top).status is Status.ACKNOWLEDGED
        await run("take it")
        assert store.get(top).assignee == "lee.lead"

        await d.press("escape", "g", "e")
        assert isinstance(d.screen, EscalateDialog)
        legal = d.screen.ranked[0].contact
        assert (legal.team, legal.on_call, legal.regions) == (Team.LEGAL, True, ["ID"])
        await run(
            "escalate the top actionable incident (an ID legal request) to the on-call Legal "
            "contact for its market"
        )
        assert store.get(top).escalated_to == [legal.id]

        await d.select(sev2)
        await run("raise an incident to SEV0")
        assert store.get(sev2).severity is Severity.SEV0
        await run("undo a severity change")
        assert store.get(sev2).severity is Severity.SEV2
        await run("mark the selected incident mitigated")
        assert store.get(sev2).status is Status.MITIGATED

        urgent_new = [i for i in d.app.store if d.app.store.needs_acknowledging(i)]
        await run("acknowledge the most urgent new incident, from anywhere in the queue", "G")
        assert store.get(urgent_new[0].id).status is Status.ACKNOWLEDGED

        fresh = {i.id for i in store.open_incidents() if i.status is Status.NEW}
        await run("acknowledge five new incidents, marked one by one")
        acked = {i for i in fresh if store.get(i).status is Status.ACKNOWLEDGED}
        assert len(acked) == 5
        await run("acknowledge every new incident on screen", "A")
        assert not [i for i in store.open_incidents() if i.status is Status.NEW]

        await run("copy the phone number of the Legal contact for PH")
        assert d.app.clipboard == "+63 2 5550 0104"
        await run("copy the phone number of the ID Public Policy contact")
        assert d.app.clipboard == "+62 21 5550 0112"

        await d.press("escape", "R", "g")
        await d.until(
            lambda: d.app.dashboard.view is not None and d.app.dashboard.view.name == "resolved"
        )
        await d.settle()
        first_resolved = d.queue.selected_id
        assert first_resolved is not None
        await run("reopen the top resolved incident")
        assert store.get(first_resolved).status is Status.ACKNOWLEDGED

        await d.press("escape", "A")
        await d.until(partial(showing, "open"))
        await d.settle()
        held = [i for i in d.app.dashboard.store.all() if i.status.is_open]
        owners = {i.assignee for i in held if i.assignee}
        await run("see the open incidents per owner, with their severity mix")
        assert isinstance(d.screen, WorkloadScreen)
        await d.until(lambda: f"WORKLOAD · {len(held)} open · {len(owners)} owners" in d.text())
        assert all(owner in d.text() for owner in owners)

        care = d.app.dashboard.care
        clock.advance(40 * 60)
        assert care.wellbeing.since_break() >= timedelta(minutes=40)
        await run("say you are back from a break (the break timer starts again)")
        assert d.on_dashboard()
        assert care.wellbeing.since_break() == timedelta(0)
        assert any("the break timer starts again" in toast for toast in d.toasts())
    assert done == set(rows), f"README rows no test pressed: {set(rows) - done}"
