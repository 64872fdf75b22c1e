"""Keys typed fast reach what they were typed for (issue 12), in a real terminal under tmux.

A fast typist or a paste sends the key that opens a dialog and the text meant for
it in one terminal write. Each case here is one `tmux send-keys -l` write, so the
dashboard reads them all at once, as it does in use.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rr_tui.models import IncidentCreate, IncidentPatch, Role, Severity, Status
from rr_tui.server.store import Actor
from tests.conftest import LEAD, RunningServer
from tests.test_terminal import Tmux, pytestmark  # noqa: F401  (skipped without tmux)


class Terminal(Tmux):
    """A tmux session that can also type a whole string in one write."""

    def write(self, text: str) -> None:
        """Send `text` as one write, literally (control characters included)."""
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)


@pytest.fixture
def incident(server: RunningServer) -> str:
    """One new SEV2 incident on an otherwise empty server."""
    body = IncidentCreate.model_validate(
        {
            "title": "Coordinated harassment of a journalist",
            "severity": "SEV2",
            "category": "harassment",
            "region": "ID",
            "source": "user_report",
        }
    )
    with server.store.write() as tx:
        return tx.create(body, Actor("lee.lead", Role.LEAD)).id


@pytest.fixture
def terminal(server: RunningServer, incident: str, tmp_path: Path) -> Iterator[Terminal]:
    """The dashboard on `server` in a 120x36 terminal, its queue shown."""
    command = (
        "unset COLUMNS LINES; "
        f"RR_TUI_HOME={shlex.quote(str(tmp_path / 'home'))} {shlex.quote(sys.executable)}"
        f" -m rr_tui --url {shlex.quote(server.url)} --token {LEAD}; sleep 30"
    )
    session = Terminal(command, 120, 36)
    session.wait_for(lambda s: incident in "\n".join(s) and "live" in s[0])
    yield session
    session.kill()


def typed(lines: list[str]) -> str:
    """What the contact search box holds (the line inside its border, under the title)."""
    below = [i for i, line in enumerate(lines) if "SEARCH" in line]
    if not below:
        return ""
    box = lines[below[0] + 2]  # under the box's top border
    return box.split("▏", 1)[-1].strip(" ▊▎")


def test_text_typed_in_the_same_write_as_its_key_reaches_the_dialog(
    server: RunningServer, incident: str, terminal: Terminal
) -> None:
    """`+` and its reason in one write opened an empty prompt ("A reason is required"); `/`
    `legal` ran `e` and `a` on the queue; "abcdef", two Backspaces and "xy" left "abcdef"."""
    terminal.write("+spreading to a second market\r")
    terminal.wait_for(lambda _: server.store.get(incident).severity is Severity.SEV1)
    assert server.store.timeline(incident)[-1].data.get("reason") == (
        "spreading to a second market"
    )

    terminal.write("1raise it, quickly")  # already SEV1: the text goes to the refusal's box
    terminal.wait_for(lambda s: "Nothing to change" in "\n".join(s) and "quickly" in "\n".join(s))
    terminal.keys("Escape")

    terminal.write("/legal")
    terminal.wait_for(lambda s: any("SEARCH" in line for line in s) and typed(s) == "legal")
    terminal.keys("Escape")
    terminal.wait_for(lambda s: not any("SEARCH" in line for line in s))

    terminal.write("/abcdef\x7f\x7fxy")
    terminal.wait_for(lambda s: typed(s) == "abcdxy")
    terminal.keys("Escape")

    # Nothing typed reached the queue's keys: no acknowledgement, escalation or resolve.
    after = server.store.get(incident)
    assert (after.status, after.version) == (Status.NEW, 2)


@pytest.mark.parametrize("view", ["N", "M"])
def test_a_key_typed_right_after_a_view_key_acts_on_the_new_view(
    server: RunningServer, tmp_path: Path, view: str
) -> None:
    """`N` (new incidents) or `M` (mine: the first time, it asks the server who we are) and
    `a` in one write: the acknowledgement is for the top of the new view, never for the row
    the cursor was on in the old one."""
    lead = Actor("lee.lead", Role.LEAD)

    def created(title: str, severity: str) -> str:
        body = IncidentCreate.model_validate(
            {
                "title": title,
                "severity": severity,
                "category": "harassment",
                "region": "ID",
                "source": "user_report",
                "assignee": "lee.lead" if severity == "SEV3" else None,
            }
        )
        with server.store.write() as tx:
            return tx.create(body, lead).id

    worked = created("Already acknowledged, top of the open view", "SEV1")
    fresh = created("New and mine, the only row of the new view", "SEV3")
    with server.store.write() as tx:
        tx.patch(worked, IncidentPatch(status=Status.ACKNOWLEDGED), lead, 1)
    command = (
        "unset COLUMNS LINES; "
        f"RR_TUI_HOME={shlex.quote(str(tmp_path / 'home'))} {shlex.quote(sys.executable)}"
        f" -m rr_tui --url {shlex.quote(server.url)} --token {LEAD}; sleep 30"
    )
    terminal = Terminal(command, 120, 36)
    try:
        terminal.wait_for(lambda s: fresh in "\n".join(s) and "live" in s[0])
        before = server.store.get(worked).version
        terminal.write(f"{view}a")
        terminal.wait_for(lambda _: server.store.get(fresh).status is Status.ACKNOWLEDGED)
        assert server.store.get(worked).version == before
    finally:
        terminal.kill()
