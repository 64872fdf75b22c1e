"""What each triage key does on the dashboard: pick the targets, ask what is needed, submit.

The keys are thin: which incidents (the marked ones, else the selected one),
which prompt (a reason, a note, an assignee, stakeholders), and which actions
to hand to the `TriageService`. A key that has nothing to act on says so and
opens no prompt. Everything after the prompt (checks, the outbox, sending,
answers) is the service's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from textual.screen import Screen

from rr_tui.models import Incident, IncidentPatch, Severity, Status
from rr_tui.options import DashboardOptions
from rr_tui.present.format import severity_label
from rr_tui.sanitize import clean
from rr_tui.screens.dialogs import AssignDialog, TextPrompt
from rr_tui.screens.escalate import EscalateDialog
from rr_tui.sync.contacts import ContactDirectory
from rr_tui.sync.outbox import Action, ActionKind
from rr_tui.sync.outcomes import Submitted
from rr_tui.sync.triage import TriageService, patch_action


class TriageHost(Protocol):
    """What the triage keys need from the screen they run on."""

    options: DashboardOptions
    triage: TriageService
    directory: ContactDirectory
    clock: Callable[[], datetime]

    def targets(self) -> list[Incident]:
        """The marked incidents, else the selected one."""

    def refuse(self, message: str) -> None:
        """Say why nothing happened (a toast: for keys that take no text after them)."""

    def cannot(self, title: str, reason: str) -> None:
        """Say why a key that asks for text cannot act, and swallow the text typed after it."""

    def submitted(self, result: Submitted) -> None:
        """Show what a submission did."""

    def ask(self, dialog: Screen[Any], answered: Callable[[Any], None]) -> None:
        """Open a dialog; `answered` gets its result."""


class TriageKeys:
    """The triage actions of one dashboard screen."""

    def __init__(self, host: TriageHost) -> None:
        self.host = host

    @property
    def actions(self) -> dict[str, Callable[..., None]]:
        """The actions by the name the bindings use (`triage('acknowledge')`)."""
        return {
            "raise_severity": self.raise_severity,
            "lower_severity": self.lower_severity,
            "set_severity": self.set_severity,
            "acknowledge": self.acknowledge,
            "escalate": self.escalate,
            "assign_me": self.assign_me,
            "assign_other": self.assign_other,
            "note": self.note,
            "resolve": self.resolve,
            "reopen": self.reopen,
            "mitigate": self.mitigate,
            "undo": self.undo,
        }

    def _label(self, severity: Severity) -> str:
        return severity_label(self.host.options.severity_labels, severity)

    def _submit(self, actions: list[Action]) -> None:
        self.host.submitted(self.host.triage.submit(actions))

    # --- severity ----------------------------------------------------------------------

    def raise_severity(self) -> None:
        """Raise severity one level (more urgent)."""
        self._severity(lambda i: Severity.from_rank(i.severity.rank - 1), "Raise severity")

    def lower_severity(self) -> None:
        """Lower severity one level (less urgent)."""
        self._severity(lambda i: Severity.from_rank(i.severity.rank + 1), "Lower severity")

    def set_severity(self, rank: int) -> None:
        """Set severity directly."""
        target = Severity.from_rank(rank)
        self._severity(lambda _: target, f"Set {self._label(target)}")

    def _severity(self, to: Callable[[Incident], Severity], verb: str) -> None:
        changes = [(i, to(i)) for i in self.host.targets() if to(i) is not i.severity]
        if not changes:
            self.host.cannot(verb, "Nothing to change: the severity is already there.")
            return
        permitted = self._permitted(
            verb, [(i, IncidentPatch(severity=severity, reason="-")) for i, severity in changes]
        )
        if not permitted:
            return
        allowed = {i.id for i in permitted}
        changes = [(i, severity) for i, severity in changes if i.id in allowed]
        if len(changes) == 1 and verb.endswith("severity"):
            verb = f"{verb} to {self._label(changes[0][1])}"  # "Raise severity to SEV1"

        def build(reason: str) -> list[Action]:
            return [
                patch_action(
                    incident,
                    IncidentPatch(severity=severity, reason=reason),
                    f"{self._label(incident.severity)}→{self._label(severity)}",
                )
                for incident, severity in changes
            ]

        required = self.host.options.require_reason
        self._ask_then_send(f"{verb}: why?", [i for i, _ in changes], build, required=required)

    # --- status and owner ----------------------------------------------------------------

    def acknowledge(self) -> None:
        """Acknowledge (new → acknowledged)."""
        fresh = [i for i in self.host.targets() if i.status is Status.NEW]
        if not fresh:
            self.host.refuse("Nothing to acknowledge: only new incidents can be.")
            return
        patch = IncidentPatch(status=Status.ACKNOWLEDGED)
        self._submit([patch_action(i, patch, "acknowledge") for i in fresh])

    def assign_me(self) -> None:
        """Assign to me."""
        me = self.host.triage.me
        if me is None:
            self.host.refuse("Not signed in yet: the backend has not said who you are.")
            return
        self._assign(me.name)

    def assign_other(self) -> None:
        """Assign to someone, with completion over known names."""
        targets = self.host.targets()
        if not targets:
            self.host.cannot("Assign", "Nothing selected: the queue is empty.")
            return

        def answered(name: str | None) -> None:
            if name:
                self._assign(name)

        people = self.host.triage.people
        dialog = AssignDialog(targets, people.names(self.host.triage.me), known=people.accounts)
        self.host.ask(dialog, answered)

    def _assign(self, name: str) -> None:
        targets = [i for i in self.host.targets() if i.assignee != name]
        if not targets:
            self.host.refuse(f"Already assigned to {clean(name, 64)}.")
            return
        patch = IncidentPatch(assignee=name)
        self._submit([patch_action(i, patch, f"assign to {name}") for i in targets])

    def note(self) -> None:
        """Add a note to the timeline."""
        targets = self.host.targets()
        if not targets:
            self.host.cannot("Add a note", "Nothing selected: the queue is empty.")
            return

        def build(text: str) -> list[Action]:
            return [
                Action(ActionKind.NOTE, i.id, {"text": text}, label=f"note: {text[:40]}")
                for i in targets
            ]

        self._ask_then_send("Add a note", targets, build, required=True, max_length=10_000)

    def resolve(self) -> None:
        """Resolve, with a resolution note."""
        targets = [i for i in self.host.targets() if i.status is not Status.RESOLVED]
        if not targets:
            self.host.cannot("Resolve", "Nothing to resolve: it is resolved already.")
            return

        def build(reason: str) -> list[Action]:
            patch = IncidentPatch(status=Status.RESOLVED, reason=reason)
            return [patch_action(i, patch, "resolve") for i in targets]

        self._ask_then_send("Resolve: resolution note", targets, build, required=True)

    def mitigate(self) -> None:
        """Mark mitigated (the harm is contained: the SLA clock stops), with what was done."""
        active = (Status.NEW, Status.ACKNOWLEDGED, Status.ESCALATED)
        targets = [i for i in self.host.targets() if i.status in active]
        if not targets:
            reason = "Nothing to mitigate: only new, acknowledged or escalated incidents."
            self.host.cannot("Mitigate", reason)
            return
        probe = IncidentPatch(status=Status.MITIGATED, reason="-")
        targets = self._permitted("Mitigate", [(i, probe) for i in targets])
        if not targets:
            return

        def build(reason: str) -> list[Action]:
            done = IncidentPatch(status=Status.MITIGATED, reason=reason)
            return [patch_action(i, done, "mitigate") for i in targets]

        prompt = "Mitigated: what was done?"
        self._ask_then_send(prompt, targets, build, required=self.host.options.require_reason)

    def reopen(self) -> None:
        """Reopen resolved incidents (back to acknowledged)."""
        targets = [i for i in self.host.targets() if i.status is Status.RESOLVED]
        if not targets:
            self.host.cannot("Reopen", "Nothing to reopen: only resolved incidents can be.")
            return

        def build(reason: str) -> list[Action]:
            patch = IncidentPatch(status=Status.ACKNOWLEDGED, reason=reason)
            return [patch_action(i, patch, "reopen") for i in targets]

        required = self.host.options.require_reason
        self._ask_then_send("Reopen: why?", targets, build, required=required)

    def escalate(self) -> None:
        """Escalate to stakeholders: those covering the incident are proposed first."""
        targets = [i for i in self.host.targets() if i.status is not Status.RESOLVED]
        if not targets:
            reason = "Nothing to escalate (resolved incidents are reopened first)."
            self.host.cannot("Escalate", reason)
            return
        directory = self.host.directory
        if not directory.contacts:
            self.host.cannot("Escalate", "The stakeholder directory has not loaded yet.")
            return
        now = self.host.clock()
        ranked = directory.ranked(targets[0], now)

        def chosen(body: Any) -> None:
            if body is None:
                return
            payload = body.model_dump(mode="json")
            label = f"escalate to {', '.join(body.targets)}"
            self._submit([Action(ActionKind.ESCALATE, i.id, payload, label=label) for i in targets])

        self.host.ask(EscalateDialog(targets, ranked, now), chosen)

    def undo(self) -> None:
        """Undo the last severity or assignment change, within the undo window."""
        result = self.host.triage.undo()
        if isinstance(result, str):
            self.host.refuse(result)
        else:
            self.host.submitted(result)

    # --- prompts -------------------------------------------------------------------------

    def _permitted(
        self, title: str, changes: list[tuple[Incident, IncidentPatch]]
    ) -> list[Incident]:
        """The incidents this user may change so, asked before any reason is typed.

        The others are named in a toast; if none is left, the key says why and takes
        what is typed after it.
        """
        allowed: list[Incident] = []
        refused: list[str] = []
        for incident, patch in changes:
            why = self.host.triage.why_not(patch_action(incident, patch, ""))
            if why:
                refused.append(f"{clean(incident.id, 20)}: {why}")
            else:
                allowed.append(incident)
        if not allowed:
            self.host.cannot(title, "\n".join(refused[:5]))
            return []
        for line in refused:
            self.host.refuse(line)
        return allowed

    def _ask_then_send(
        self,
        title: str,
        incidents: list[Incident],
        build: Callable[[str], list[Action]],
        *,
        required: bool,
        max_length: int = 1000,
    ) -> None:
        def answered(text: str | None) -> None:
            if text is not None:
                self._submit(build(text))

        prompt = TextPrompt(title, incidents, required=required, max_length=max_length)
        self.host.ask(prompt, answered)
