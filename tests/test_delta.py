"""Delta polling is exact: every change reaches a poller once, under concurrent writers too."""

from __future__ import annotations

import random
import threading
import time

import httpx

from rr_tui.models import Incident, IncidentPage, Status
from rr_tui.server.seed import seed_demo
from rr_tui.server.simulator import Simulator
from tests.conftest import ANALYST, RunningServer


class Poller:
    """A minimal client of the delta protocol that records everything it is sent."""

    def __init__(self, client: httpx.Client, limit: int) -> None:
        self.client = client
        self.limit = limit
        self.cursor: str | None = None
        self.etag: str | None = None
        self.state: dict[str, Incident] = {}
        self.delivered: list[tuple[str, int]] = []
        self.not_modified = 0

    def poll(self) -> None:
        """Poll until the server says there is no more."""
        while self.poll_page():
            pass

    def poll_page(self) -> bool:
        """One request; True if the server has more waiting."""
        params: dict[str, str | int] = {"limit": self.limit}
        if self.cursor:
            params["since"] = self.cursor
        headers = {"If-None-Match": self.etag} if self.etag else {}
        response = self.client.get("/incidents", params=params, headers=headers)
        if response.status_code == 304:
            self.not_modified += 1
            return False
        assert response.status_code == 200, response.text
        page = IncidentPage.model_validate_json(response.content)
        if page.reset:
            self.state.clear()
        for incident in page.items:
            self.delivered.append((incident.id, incident.version))
            before = self.state.get(incident.id)
            assert before is None or before.version < incident.version, (
                f"{incident.id} went from v{before.version} to v{incident.version}"
            )
            self.state[incident.id] = incident
        self.cursor = page.cursor
        self.etag = response.headers["ETag"]
        return page.more

    def open_incidents(self) -> dict[str, Incident]:
        return {k: v for k, v in self.state.items() if v.status is not Status.RESOLVED}


def server_open(server: RunningServer) -> dict[str, Incident]:
    return {i.id: i for i in server.store.open_incidents()}


def test_each_write_is_seen_exactly_once_in_lockstep(server: RunningServer) -> None:
    seed_demo(server.store, random.Random(1))
    simulator = Simulator(server.store, rate=60, rng=random.Random(2))
    with server.client() as client:
        poller = Poller(client, limit=10)
        poller.poll()
        for _ in range(60):
            head_before = server.store.head()
            simulator.step()
            delivered_before = len(poller.delivered)
            poller.poll()
            new = poller.delivered[delivered_before:]
            if server.store.head() == head_before:
                assert new == []  # the step was skipped: nothing changed, nothing sent
            else:
                assert len(new) == 1
                incident_id, version = new[0]
                assert server.store.get(incident_id).version == version
        assert poller.open_incidents() == server_open(server)


def test_concurrent_writers_lose_and_repeat_nothing(server: RunningServer) -> None:
    seed_demo(server.store, random.Random(3))
    stop = threading.Event()
    errors: list[BaseException] = []

    def simulate(seed: int) -> None:
        simulator = Simulator(server.store, rate=60, rng=random.Random(seed))
        try:
            while not stop.wait(0.002):
                simulator.step()
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    def annotate() -> None:
        rng = random.Random(9)
        with server.client(ANALYST) as client:
            while not stop.is_set():
                target = rng.choice(server.store.open_incidents())
                response = client.post(f"/incidents/{target.id}/notes", json={"text": "seen"})
                if response.status_code != 201:
                    errors.append(AssertionError(response.text))

    writers = [threading.Thread(target=simulate, args=(seed,)) for seed in (4, 5)]
    writers.append(threading.Thread(target=annotate))
    with server.client() as client:
        poller = Poller(client, limit=7)
        for thread in writers:
            thread.start()
        deadline = time.monotonic() + 3.0
        polls = 0
        try:
            while time.monotonic() < deadline:
                poller.poll_page()
                polls += 1
        finally:
            # A failed poll must stop the writers too, or they outlive the test and
            # pytest never exits.
            stop.set()
            for thread in writers:
                thread.join()
        poller.poll()
    assert not errors, errors
    assert len(poller.delivered) == len(set(poller.delivered)), "a version was delivered twice"
    assert polls > 10
    assert poller.open_incidents() == server_open(server)


def test_idle_polls_are_not_modified(server: RunningServer) -> None:
    seed_demo(server.store, random.Random(6))
    with server.client() as client:
        poller = Poller(client, limit=1000)
        poller.poll()
        for _ in range(5):
            poller.poll()
        assert poller.not_modified == 5
