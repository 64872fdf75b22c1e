"""Legal clocks kept on this machine for a PagerDuty profile: start, steps, intake, deadlines.

The same catalogue and engine as the rr server (`rr_tui.deadlines`), over the
profile's SQLite file (`clock_file`), keyed by PagerDuty incident id. No HTTP
here: the PagerDuty side (a note per step) is `pd_clocks`'s, which reads the
notes to post from `claim_notes` and says how each went in `noted` (the notes
waiting in the file: `clock_notes`).

Decisions, and why:

- **Conflicts.** A PagerDuty incident's version is derived by each adapter
  (each terminal) on its own, so it cannot say whether two terminals saw the
  same clock. What decides is the file: every step is one `BEGIN IMMEDIATE`
  transaction that reads the clock as stored and applies the step with the
  engine, so of two terminals meeting and cancelling one clock the second is
  told "the clock is met: it cannot be cancelled", and a second start of a
  rule already open on the incident is refused. Nothing is overwritten.
- **Retries.** A step's `key` is unique in the file: the same key again
  answers with the clock as that step left it and changes nothing.
- **Intake.** PagerDuty has no intake source; the profile's `service_sources`
  says which services receive what (an `eSafety notices` service is
  `regulator`), mapped like the market and category. The first sight of an
  incident whose market, category and source a rule's intake covers starts
  that rule's clock with the incident's creation as trigger time, once, in
  the transaction that marks it seen: two terminals never both start it, and
  a cancelled intake clock is not started again. Only incidents created after
  the file was made (less `INTAKE_GRACE`) count as new: opening a profile on
  a queue of old incidents does not start, and post to PagerDuty, a clock for
  each; those are started by hand (`L`), with their trigger time.
- **Missed** is derived at reading (`Clock.state_at`), like the server's.
- **Who.** Steps are taken as the profile's PagerDuty user, as a lead (as
  the adapter's `me()` says: PagerDuty enforces its own permissions).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import ValidationError

from rr_tui import deadlines
from rr_tui.backends.pagerduty.clock_file import open_clock_file, stamp, unstamp
from rr_tui.backends.pagerduty.clock_notes import NoteQueue
from rr_tui.deadlines import Catalogue, Clock, ClockError, ClockRule, ClockState
from rr_tui.deadlines.steps import take
from rr_tui.deadlines.wire import ClockStart, ClockStep
from rr_tui.models import Incident, Role

log = logging.getLogger(__name__)

INTAKE_GRACE = timedelta(minutes=10)
"""An incident created this long before the file was made still counts as new at intake."""
NOTE_PREFIX = "Legal clock · "
"""Starts every note this keeper writes to PagerDuty, so a reader there knows what it is."""


@dataclass(frozen=True)
class Recorded:
    """A step stored in the file: the clock as it left it, and its note for PagerDuty."""

    clock: Clock
    seq: int
    note: str
    replayed: bool = False
    """The key was used before: nothing changed now (its note is not posted again)."""


def note_text(clock: Clock, step: str, text: str) -> str:
    """The PagerDuty note for a step: rule, what happened, due time, and why."""
    due = f"due {clock.due_at:%Y-%m-%d %H:%M} UTC"
    head = f"{NOTE_PREFIX}{clock.rule.id} {step}: {due} ({clock.rule.instrument})"
    return f"{head} — {text}" if text.strip() else head


class LocalClocks(NoteQueue):
    """The clocks of one PagerDuty profile, in its file (None: in memory, for one adapter).

    Raises `ClockFileError` when the file cannot be used. Steps raise `ClockError`
    with words for the user when the engine, the rule or the file refuses them.
    """

    def __init__(self, path: Path | None, catalogue: Catalogue, now: datetime) -> None:
        self.path = path
        self.catalogue = catalogue
        self._db = open_clock_file(path, now)
        self._lock = threading.Lock()
        opened = self._db.execute("SELECT value FROM meta WHERE key = 'opened_at'").fetchone()
        self.opened_at = unstamp(opened[0])
        """When the file was made: incidents created before it are not new at intake."""
        self._judged: set[str] = set()
        self._soonest: dict[str, tuple[datetime, str]] | None = None
        self._data_version = -1
        self._mark = self._last_seq()
        self._own: set[int] = set()
        self.generation = 0
        """Moves at every write of this keeper and every write another terminal made (as seen
        by `refresh`): what `local_protocols` keys its cache on."""

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    # --- reading ---------------------------------------------------------------------

    def rules(self) -> list[ClockRule]:
        """Every rule of the catalogue, shortest first."""
        return sorted(self.catalogue.rules.values(), key=lambda rule: (rule.duration, rule.id))

    def clocks(self, incident_id: str, now: datetime) -> list[Clock]:
        """The incident's clocks, oldest first, each in its state at `now` (missed by itself)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT doc FROM clocks WHERE incident_id = ? ORDER BY id", (incident_id,)
            ).fetchall()
        found = []
        for (doc,) in rows:
            try:
                clock = Clock.model_validate_json(doc)
            except ValidationError as error:
                # A row another (newer) rr-tui wrote in a shape this one cannot read: kept
                # in the file for it, and said in the log rather than dropped in silence.
                log.warning(
                    "clock file %s: a clock of %s is unreadable: %s",
                    self.path,
                    incident_id,
                    error.errors()[0]["msg"],
                )
                continue
            found.append(clock.model_copy(update={"state": clock.state_at(now)}))
        return found

    def refresh(self) -> None:
        """Read the deadlines again at the next `deadline` if another terminal wrote since.

        Once per poll, not per incident: asking the file costs more than the mapping.
        """
        with self._lock:
            version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
            if version != self._data_version:
                self._soonest, self._data_version = None, version
                self.generation += 1

    def deadline(self, incident_id: str) -> tuple[datetime, str] | None:
        """The soonest running clock's due time and rule (stored state: a missed one heads).

        As of the last `refresh` or write of this keeper.
        """
        with self._lock:
            if self._soonest is None:
                soonest: dict[str, tuple[datetime, str]] = {}
                for incident, due, rule in self._db.execute(
                    "SELECT incident_id, due_at, rule_id FROM clocks WHERE state = ?"
                    " ORDER BY due_at DESC",
                    (ClockState.RUNNING.value,),
                ):
                    soonest[incident] = (unstamp(due), rule)
                self._soonest = soonest
            return self._soonest.get(incident_id)

    def changed_elsewhere(self) -> set[str]:
        """Incidents another terminal took a step on since this was last asked."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, incident_id FROM steps WHERE seq > ? ORDER BY seq", (self._mark,)
            ).fetchall()
        if rows:
            self._mark = rows[-1][0]
        return {incident for seq, incident in rows if seq not in self._own}

    # --- writing ---------------------------------------------------------------------

    def start(
        self, incident: Incident, body: ClockStart, *, by: str, now: datetime, key: str
    ) -> Recorded:
        """Start a rule's clock by hand on `incident` (the rule must cover it)."""
        rule = self.catalogue.get(body.rule)
        if rule is None:
            raise ClockError(f"no clock rule {body.rule!r} in this profile's catalogue")
        if not rule.applies_to(incident.region, incident.category):
            raise ClockError(f"{rule.id} does not apply to {incident.region} · {incident.category}")
        clock = deadlines.start(
            rule, incident.id, trigger_at=body.trigger_at or now, now=now, by=by
        )
        with self._writing() as db:
            replay = self._replay(db, key)
            if replay is not None:
                return replay
            self._refuse_second(db, incident.id, rule)
            return self._record(db, clock, "started", body.note, by, now, key)

    def step(
        self,
        incident_id: str,
        clock_id: int,
        body: ClockStep,
        *,
        by: str,
        role: Role,
        now: datetime,
        key: str,
    ) -> Recorded:
        """Pause, resume, extend, meet or cancel a clock, as it is stored now."""
        with self._writing() as db:
            replay = self._replay(db, key)
            if replay is not None:
                return replay
            row = db.execute(
                "SELECT doc FROM clocks WHERE id = ? AND incident_id = ?", (clock_id, incident_id)
            ).fetchone()
            if row is None:
                raise ClockError(f"no clock {clock_id} on {incident_id}")
            clock = Clock.model_validate_json(row[0])
            changed, word = take(clock, body, now=now, by=by, role=role)
            text = body.evidence if body.step == "met" else body.reason
            return self._record(db, changed, word, text, by, now, key)

    def intake(self, incidents: Iterable[Incident], *, by: str, now: datetime) -> list[Recorded]:
        """Start the intake clocks of incidents seen for the first time (see the module)."""
        started: list[Recorded] = []
        for incident in incidents:
            if incident.id in self._judged:
                continue
            self._judged.add(incident.id)
            rules = self.catalogue.at_intake(
                incident.region, incident.category, incident.source.value
            )
            if not rules or incident.created_at < self.opened_at - INTAKE_GRACE:
                continue
            with self._writing() as db:
                fresh = db.execute(
                    "INSERT OR IGNORE INTO seen (incident_id, at) VALUES (?, ?)",
                    (incident.id, stamp(now)),
                ).rowcount
                if not fresh:
                    continue  # judged before, here or by another terminal
                for rule in rules:
                    trigger = min(incident.created_at, now)
                    clock = deadlines.start(
                        rule, incident.id, trigger_at=trigger, now=now, by=by, via="intake"
                    )
                    why = f"at intake from {incident.source.value}"
                    started.append(self._record(db, clock, "started", why, by, now, None))
        return started

    # --- inside a write --------------------------------------------------------------

    def _writing(self) -> _Write:
        return _Write(self)

    def _last_seq(self) -> int:
        row = self._db.execute("SELECT coalesce(max(seq), 0) FROM steps").fetchone()
        return int(row[0])

    def _replay(self, db: sqlite3.Connection, key: str) -> Recorded | None:
        row = db.execute(
            "SELECT steps.seq, steps.note, clocks.doc FROM steps JOIN clocks"
            " ON clocks.id = steps.clock_id WHERE steps.key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        return Recorded(Clock.model_validate_json(row[2]), int(row[0]), str(row[1]), replayed=True)

    @staticmethod
    def _refuse_second(db: sqlite3.Connection, incident_id: str, rule: ClockRule) -> None:
        for (doc,) in db.execute(
            "SELECT doc FROM clocks WHERE incident_id = ? AND rule_id = ? AND state IN (?, ?)",
            (incident_id, rule.id, ClockState.RUNNING.value, ClockState.PAUSED.value),
        ):
            other = Clock.model_validate_json(doc)
            raise ClockError(
                f"{rule.id} already runs on {incident_id} (started by {other.started_by}, "
                f"due {other.due_at:%Y-%m-%d %H:%M} UTC)"
            )

    def _record(
        self,
        db: sqlite3.Connection,
        clock: Clock,
        step: str,
        text: str,
        by: str,
        now: datetime,
        key: str | None,
    ) -> Recorded:
        values = (clock.incident_id, clock.rule.id, clock.state.value, stamp(clock.due_at))
        if clock.id == 0:
            cursor = db.execute(
                "INSERT INTO clocks (incident_id, rule_id, state, due_at, doc)"
                " VALUES (?, ?, ?, ?, '{}')",
                values,
            )
            assert cursor.lastrowid is not None
            clock = clock.model_copy(update={"id": cursor.lastrowid})
        db.execute(
            "UPDATE clocks SET incident_id = ?, rule_id = ?, state = ?, due_at = ?, doc = ?"
            " WHERE id = ?",
            (*values, clock.model_dump_json(), clock.id),
        )
        note = note_text(clock, step, text)
        cursor = db.execute(
            "INSERT INTO steps (key, incident_id, clock_id, step, at, by, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, clock.incident_id, clock.id, step, stamp(now), by, note),
        )
        assert cursor.lastrowid is not None
        self._own.add(cursor.lastrowid)
        return Recorded(clock, cursor.lastrowid, note)


class _Write:
    """One `BEGIN IMMEDIATE` transaction: committed on success, rolled back on any error."""

    def __init__(self, keeper: LocalClocks) -> None:
        self.keeper = keeper

    def __enter__(self) -> sqlite3.Connection:
        self.keeper._lock.acquire()
        try:
            self.keeper._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.keeper._lock.release()
            raise
        return self.keeper._db

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            self.keeper._db.execute("COMMIT" if kind is None else "ROLLBACK")
        finally:
            self.keeper._soonest = None  # our own commit does not move our data_version
            self.keeper.generation += 1
            self.keeper._lock.release()
