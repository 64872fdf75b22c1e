"""Protocols (playbooks) kept on this machine for a PagerDuty profile: activate, tick, progress.

The same catalogue and engine as the rr server (`rr_tui.deadlines.protocols`),
in the profile's clock file (`clock_file`, schema 2: `protocol_runs` and
`protocol_steps`), through the clock keeper's connection and lock, so that a
ticked step that starts a clock starts it in the same `BEGIN IMMEDIATE`
transaction as the tick: both are stored, or neither. Every activation and
tick is a row of `protocol_steps` with its note for PagerDuty, posted like a
clock step's (`LocalClocks.claim_notes` claims both kinds).

The decisions are the clocks' (see `local_clocks`): what decides between two
terminals is the file (one run of a protocol per incident; a step ticked by
the other terminal is refused in words), a retried key applies once, and the
profile acts as a lead (PagerDuty enforces its own permissions).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from rr_tui import deadlines
from rr_tui.backends.pagerduty.clock_file import stamp
from rr_tui.backends.pagerduty.local_clocks import LocalClocks
from rr_tui.deadlines import Clock, ClockError, ProtocolError, ProtocolRule, ProtocolRun
from rr_tui.deadlines import protocols as engine
from rr_tui.deadlines.protocol_wire import ProtocolActivate, ProtocolTick
from rr_tui.models import Incident

log = logging.getLogger(__name__)

PROTOCOL_PREFIX = "Protocol · "
"""Starts every protocol note this keeper writes to PagerDuty."""


@dataclass(frozen=True)
class Logged:
    """An activation or tick stored in the file: the run as it left it, a clock it started."""

    run: ProtocolRun
    seq: int
    clock: Clock | None = None
    replayed: bool = False
    """The key was used before: nothing changed now (its note is not posted again)."""


def protocol_note(run: ProtocolRun, what: str, text: str) -> str:
    """The PagerDuty note for an activation or tick: protocol, what, progress, and the note."""
    head = f"{PROTOCOL_PREFIX}{run.protocol.id} {what} ({run.progress})"
    return f"{head} — {text}" if text.strip() else head


class LocalProtocols:
    """The protocol runs of one PagerDuty profile, in the file its clocks are kept in.

    Writes raise `ProtocolError` with words for the user when the engine or the
    catalogue refuses them; `sqlite3.Error` when the file cannot be written.
    """

    def __init__(self, clocks: LocalClocks) -> None:
        self.clocks = clocks
        self.catalogue = clocks.catalogue
        self._progress: dict[str, str | None] = {}
        self._generation = -1
        with clocks._lock:
            row = clocks._db.execute("SELECT coalesce(max(seq), 0) FROM protocol_steps").fetchone()
        self._mark = int(row[0])
        self._own: set[int] = set()

    # --- reading ---------------------------------------------------------------------

    def protocols(self) -> list[ProtocolRule]:
        """Every protocol of the catalogue, as written."""
        return list(self.catalogue.protocols.values())

    def runs(self, incident_id: str) -> list[ProtocolRun]:
        """The protocols activated on the incident, oldest first (unreadable rows left out)."""
        with self.clocks._lock:
            rows = self.clocks._db.execute(
                "SELECT doc FROM protocol_runs WHERE incident_id = ? ORDER BY id", (incident_id,)
            ).fetchall()
        return _parsed(rows)

    def progress(self, incident_id: str) -> str | None:
        """The queue's `CRISIS 2/7` for the incident, as of the last refresh or write."""
        if self._generation != self.clocks.generation:
            self._progress, self._generation = {}, self.clocks.generation
        if incident_id not in self._progress:
            self._progress[incident_id] = engine.progress(self.runs(incident_id))
        return self._progress[incident_id]

    def changed_elsewhere(self) -> set[str]:
        """Incidents another terminal activated or ticked a protocol on since last asked."""
        with self.clocks._lock:
            rows = self.clocks._db.execute(
                "SELECT seq, incident_id FROM protocol_steps WHERE seq > ? ORDER BY seq",
                (self._mark,),
            ).fetchall()
        if rows:
            self._mark = rows[-1][0]
        return {incident for seq, incident in rows if seq not in self._own}

    # --- writing ---------------------------------------------------------------------

    def activate(
        self, incident: Incident, body: ProtocolActivate, *, by: str, now: datetime, key: str
    ) -> Logged:
        """Activate a protocol that covers the incident; one run of each protocol at most."""
        protocol = self.catalogue.protocol(body.protocol)
        if protocol is None:
            raise ProtocolError(f"no protocol {body.protocol!r} in this profile's catalogue")
        if not protocol.applies_to(incident.region, incident.category):
            raise ProtocolError(
                f"{protocol.id} does not apply to {incident.region} · {incident.category}"
            )
        with self.clocks._writing() as db:
            replay = self._replay(db, key)
            if replay is not None:
                return replay
            if db.execute(
                "SELECT 1 FROM protocol_runs WHERE incident_id = ? AND protocol_id = ?",
                (incident.id, protocol.id),
            ).fetchone():
                raise ProtocolError(f"{protocol.id} is already active on {incident.id}")
            run = engine.activate(protocol, incident.id, now=now, by=by)
            return self._record(db, run, "activated", "activated", body.note, by, now, key, None)

    def tick(
        self,
        incident: Incident,
        run_id: int,
        body: ProtocolTick,
        *,
        by: str,
        now: datetime,
        key: str,
    ) -> Logged:
        """Tick (or untick) a step of a run as stored now; a step with `starts` starts its clock."""
        with self.clocks._writing() as db:
            replay = self._replay(db, key)
            if replay is not None:
                return replay
            row = db.execute(
                "SELECT doc FROM protocol_runs WHERE id = ? AND incident_id = ?",
                (run_id, incident.id),
            ).fetchone()
            if row is None:
                raise ProtocolError(f"no protocol run {run_id} on {incident.id}")
            run = ProtocolRun.model_validate_json(row[0])
            if not body.done:
                changed = engine.untick(run, body.step)
                what = f"{body.step} unticked"
                return self._record(db, changed, body.step, what, body.note, by, now, key, None)
            engine.tick(run, body.step, now=now, by=by)  # refused before any clock starts
            step = run.protocol.step(body.step)
            clock, said = None, ""
            if step is not None and step.starts is not None:
                clock, said = self._start_clock(db, incident, step.starts, step.id, by, now)
            changed = engine.tick(
                run,
                body.step,
                now=now,
                by=by,
                note=body.note,
                clock_id=clock.id if clock is not None else None,
            )
            what = f"{body.step} ticked" + (f" — {said}" if said else "")
            return self._record(db, changed, body.step, what, body.note, by, now, key, clock)

    # --- inside a write --------------------------------------------------------------

    def _start_clock(
        self,
        db: sqlite3.Connection,
        incident: Incident,
        rule_id: str,
        step: str,
        by: str,
        now: datetime,
    ) -> tuple[Clock | None, str]:
        """Start the step's clock where its rule covers the incident and none of it is open."""
        rule = self.catalogue.get(rule_id)
        if rule is None or not rule.applies_to(incident.region, incident.category):
            return None, f"{rule_id} does not cover {incident.region}: no clock started"
        try:
            self.clocks._refuse_second(db, incident.id, rule)
        except ClockError:
            return None, f"{rule_id} is already running"
        clock = deadlines.start(rule, incident.id, trigger_at=now, now=now, by=by)
        why = f"protocol step {step}"
        recorded = self.clocks._record(db, clock, "started", why, by, now, None)
        return recorded.clock, f"started {rule_id}"

    def _replay(self, db: sqlite3.Connection, key: str) -> Logged | None:
        row = db.execute(
            "SELECT protocol_steps.seq, protocol_runs.doc, clocks.doc FROM protocol_steps"
            " JOIN protocol_runs ON protocol_runs.id = protocol_steps.run_id"
            " LEFT JOIN clocks ON clocks.id = protocol_steps.clock_id"
            " WHERE protocol_steps.key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        clock = Clock.model_validate_json(row[2]) if row[2] is not None else None
        run = ProtocolRun.model_validate_json(row[1])
        return Logged(run, int(row[0]), clock, replayed=True)

    def _record(
        self,
        db: sqlite3.Connection,
        run: ProtocolRun,
        step: str,
        what: str,
        text: str,
        by: str,
        now: datetime,
        key: str | None,
        clock: Clock | None,
    ) -> Logged:
        if run.id == 0:
            cursor = db.execute(
                "INSERT INTO protocol_runs (incident_id, protocol_id, doc) VALUES (?, ?, '{}')",
                (run.incident_id, run.protocol.id),
            )
            assert cursor.lastrowid is not None
            run = run.model_copy(update={"id": cursor.lastrowid})
        db.execute("UPDATE protocol_runs SET doc = ? WHERE id = ?", (run.model_dump_json(), run.id))
        cursor = db.execute(
            "INSERT INTO protocol_steps (key, incident_id, run_id, step, at, by, note, clock_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                run.incident_id,
                run.id,
                step,
                stamp(now),
                by,
                protocol_note(run, what, text),
                clock.id if clock is not None else None,
            ),
        )
        assert cursor.lastrowid is not None
        self._own.add(cursor.lastrowid)
        return Logged(run, cursor.lastrowid, clock)


def _parsed(rows: list[tuple[str]]) -> list[ProtocolRun]:
    found = []
    for (doc,) in rows:
        try:
            found.append(ProtocolRun.model_validate_json(doc))
        except ValidationError as error:
            # A newer rr-tui's row: kept in the file for it, and said in the log.
            log.warning("clock file: a protocol run is unreadable: %s", error.errors()[0]["msg"])
    return found
