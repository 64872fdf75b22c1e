"""Two real `rr-tui serve` processes on one PostgreSQL database keep the API's promises (issue 13).

Writers on both servers at once, pollers following the delta cursor on each:

- a pair of PATCHes with one `If-Match`, one to each server at once: exactly
  one 200, the other a 409 (never both applied);
- a pair of keyed POSTs (one `Idempotency-Key`, one body), one to each server
  at once: both 201 with one answer, one of them replayed, one note written;
- no answer is a 5xx;
- every change reaches the poller on either server once: no (incident,
  version) twice, versions only rising, and both pollers end on exactly the
  store's open incidents.

The figures are printed (`-s`) and written to `$RR_REPORT_DIR/multiprocess.json`
when set; RELIABILITY.md quotes them. Runs in `make pytest-pg`, skipped on SQLite.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from rr_tui.models import API_PREFIX, IncidentCreate, Role, Severity
from rr_tui.server import seed_data
from rr_tui.server.head import RECENT
from rr_tui.server.store import Actor, Store
from tests.conftest import LEAD, STORE_URL, store_url
from tests.test_delta import Poller

pytestmark = pytest.mark.skipif(
    not STORE_URL or make_url(STORE_URL).get_backend_name() != "postgresql",
    reason="two server processes on one PostgreSQL database: make pytest-pg",
)

INCIDENTS = 6
PAIRS = 40
"""Conflicting PATCH pairs, and keyed POST pairs, each driver sends (two drivers)."""

_URL = re.compile(r"at (http://127\.0\.0\.1:\d+)/api/v1")


@dataclass
class Process:
    """One `rr-tui serve` process and where it listens."""

    popen: subprocess.Popen[bytes]
    log: Path
    url: str = ""

    def client(self) -> httpx.Client:
        """A lead's keep-alive client for this process."""
        return httpx.Client(
            base_url=self.url + API_PREFIX,
            headers={"Authorization": f"Bearer {LEAD}"},
            timeout=15,
        )


def start(url: str, log: Path) -> Process:
    """`rr-tui serve` on a free loopback port, the lead's token fixed, its output in `log`."""
    command = [sys.executable, "-m", "rr_tui", "serve", "--db", url, "--port", "0"]
    command += ["--token", LEAD, "--quiet"]
    with log.open("wb") as out:
        popen = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    return Process(popen, log)


def wait_listening(process: Process) -> None:
    """Wait (with a deadline) for the banner naming the URL, then for a healthy answer."""
    deadline = time.monotonic() + 30
    while not process.url:
        assert process.popen.poll() is None, process.log.read_text()
        assert time.monotonic() < deadline, process.log.read_text()
        if found := _URL.search(process.log.read_text()):
            process.url = found[1]
        else:
            time.sleep(0.02)
    with process.client() as client:
        assert client.get("/healthz").status_code == 200


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[Process, Process]]:
    """Two server processes on one database holding the directory and a few incidents."""
    with store_url(tmp_path) as url:
        store = Store.open(url)
        store.replace_contacts(seed_data.demo_contacts())
        lead = Actor("demo-lead", Role.LEAD)
        with store.write() as tx:
            for n in range(INCIDENTS):
                body = {"title": f"race {n}", "severity": "SEV3", "category": "harassment"}
                body |= {"region": "TH", "source": "user_report"}
                tx.create(IncidentCreate.model_validate(body), lead)
        store.close()
        processes = [start(url, tmp_path / f"serve-{n}.log") for n in (1, 2)]
        try:
            for process in processes:
                wait_listening(process)
            yield processes[0], processes[1]
        finally:
            for process in processes:
                process.popen.terminate()
            for process in processes:
                try:
                    process.popen.wait(10)
                except subprocess.TimeoutExpired:
                    process.popen.kill()
                    process.popen.wait()


class Figures:
    """What the drivers saw, counted under a lock (two drivers write it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()

    def add(self, name: str, *responses: httpx.Response) -> None:
        with self.lock:
            self.counts[name] += 1
            self.statuses.update(response.status_code for response in responses)


Request = tuple[httpx.Client, str, str, dict[str, object], dict[str, str]]
"""A client, a method, a path, a JSON body and headers."""


def at_once(pool: ThreadPoolExecutor, *requests: Request) -> list[httpx.Response]:
    """Send the requests from threads of `pool` released together by a barrier."""
    barrier = threading.Barrier(len(requests))

    def send(request: Request) -> httpx.Response:
        client, method, path, body, headers = request
        barrier.wait(10)
        return client.request(method, path, json=body, headers=headers)

    return list(pool.map(send, requests))


def drive(servers: tuple[Process, Process], index: int, figures: Figures) -> None:
    """`PAIRS` conflicting patch pairs and `PAIRS` keyed note pairs on this driver's incidents."""
    mine = [f"RR-{1001 + n}" for n in range(INCIDENTS) if n % 2 == index]
    severities = [s.value for s in Severity]
    with servers[0].client() as one, servers[1].client() as two, ThreadPoolExecutor(2) as pool:
        versions = dict.fromkeys(mine, 1)
        current = dict.fromkeys(mine, "SEV3")
        for n in range(PAIRS):
            incident = mine[n % len(mine)]
            a, b = [s for s in severities if s != current[incident]][n % 3 : n % 3 + 2]
            headers = {"If-Match": f'"{versions[incident]}"'}
            first, second = at_once(
                pool,
                (one, "PATCH", f"/incidents/{incident}", {"severity": a, "reason": "1"}, headers),
                (two, "PATCH", f"/incidents/{incident}", {"severity": b, "reason": "2"}, headers),
            )
            codes = sorted((first.status_code, second.status_code))
            figures.add("patch pairs", first, second)
            if codes == [200, 200]:
                figures.add("double applies")
            winner = first if first.status_code == 200 else second
            if winner.status_code == 200:
                versions[incident] = winner.json()["version"]
                current[incident] = winner.json()["severity"]

            key = {"Idempotency-Key": f"note-{index}-{n}"}
            path = f"/incidents/{incident}/notes"
            first, second = at_once(
                pool,
                (one, "POST", path, {"text": f"seen {n}"}, key),
                (two, "POST", path, {"text": f"seen {n}"}, key),
            )
            figures.add("keyed pairs", first, second)
            replayed = [r.headers.get("Idempotent-Replayed") == "true" for r in (first, second)]
            if {first.status_code, second.status_code} != {201} or first.content != second.content:
                figures.add("keyed pairs answered differently")
            elif sorted(replayed) != [False, True]:
                figures.add("keyed pairs not replayed once")
            if first.status_code == 201:
                versions[incident] = first.json()["incident"]["version"]


def follow(process: Process, stop: threading.Event, poller_out: list[Poller]) -> None:
    """Follow the delta cursor on one server until `stop`, then to the end."""
    with process.client() as client:
        poller = Poller(client, limit=5)
        poller_out.append(poller)
        while not stop.is_set():
            poller.poll_page()
        # The last write may have gone through the other process: this one may answer
        # "nothing yet" for up to `RECENT` seconds after it (`HeadReader.recent`), never more.
        time.sleep(RECENT)
        poller.poll()


def test_two_processes_one_database(two_servers: tuple[Process, Process], tmp_path: Path) -> None:
    figures = Figures()
    stop = threading.Event()
    errors: list[BaseException] = []
    pollers: list[Poller] = []

    def guarded(target: Callable[..., None], *args: object) -> threading.Thread:
        def run() -> None:
            try:
                target(*args)
            except BaseException as error:  # surfaced by the assertions below
                errors.append(error)
                stop.set()

        return threading.Thread(target=run)

    follow_threads = [guarded(follow, process, stop, pollers) for process in two_servers]
    drivers = [guarded(drive, two_servers, index, figures) for index in (0, 1)]
    for thread in follow_threads + drivers:
        thread.start()
    for thread in drivers:
        thread.join()
    stop.set()
    for thread in follow_threads:
        thread.join()
    assert not errors, errors

    with two_servers[0].client() as client:
        server_state = {}
        for incident in client.get("/incidents").json()["items"]:
            server_state[incident["id"]] = incident["version"]
        notes = sum(
            1
            for n in range(INCIDENTS)
            for event in client.get(f"/incidents/RR-{1001 + n}/timeline").json()["items"]
            if event["kind"] == "note"
        )
    duplicates = sum(len(p.delivered) - len(set(p.delivered)) for p in pollers)
    report = {
        "patch_pairs": figures.counts["patch pairs"],
        "double_applies": figures.counts["double applies"],
        "keyed_pairs": figures.counts["keyed pairs"],
        "keyed_pairs_wrong": figures.counts["keyed pairs answered differently"]
        + figures.counts["keyed pairs not replayed once"],
        "notes_written": notes,
        "5xx": sum(n for code, n in figures.statuses.items() if code >= 500),
        "statuses": dict(figures.statuses),
        "deliveries": [len(p.delivered) for p in pollers],
        "duplicate_deliveries": duplicates,
        "pollers_off_the_store": sum(
            {i: v.version for i, v in p.state.items()} != server_state for p in pollers
        ),
    }
    print(f"\ntwo processes, one database: {json.dumps(report)}")
    if report_dir := os.environ.get("RR_REPORT_DIR"):
        Path(report_dir, "multiprocess.json").write_text(json.dumps(report, indent=2) + "\n")

    assert report["patch_pairs"] == report["keyed_pairs"] == 2 * PAIRS
    assert report["double_applies"] == 0
    assert figures.statuses[200] == figures.statuses[409] == 2 * PAIRS
    assert report["5xx"] == 0
    assert report["keyed_pairs_wrong"] == 0
    assert notes == 2 * PAIRS
    assert duplicates == 0
    assert report["pollers_off_the_store"] == 0
