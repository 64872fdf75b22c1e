"""The queue's ID column is as wide as the longest id held: RR-101001 is never cut to RR-10100."""

from __future__ import annotations

from textual.app import App, ComposeResult

from rr_tui.models import Severity, Status
from rr_tui.options import DashboardOptions
from rr_tui.present.columns import BY_KEY
from rr_tui.sync.store import IncidentStore, StoreChange
from rr_tui.widgets.queue import QueueView
from tests.test_widget_snapshots import NOW, incident


class IdsApp(App[None]):
    """A queue over a store of normal ids; `add` brings in a long one."""

    def __init__(self) -> None:
        super().__init__()
        self.store = IncidentStore()
        self.store.apply([incident(1, Severity.SEV1, Status.NEW)])

    def compose(self) -> ComposeResult:
        yield QueueView(self.store, DashboardOptions(flash_seconds=0), lambda: NOW, id="queue")

    def on_mount(self) -> None:
        self.query_one(QueueView).store_changed(StoreChange(reset=True))


def lines(queue: QueueView) -> list[str]:
    return [queue.render_line(y).text for y in range(len(queue.store) + 1)]


async def test_an_id_of_nine_or_more_characters_shows_whole() -> None:
    app = IdsApp()
    async with app.run_test(size=(80, 8)) as pilot:
        queue = app.query_one(QueueView)
        assert queue.rows.columns[2].width == BY_KEY["id"].width == 8  # RR-2001: as before
        change = app.store.apply(
            [
                incident(2, Severity.SEV0, Status.NEW, id="RR-101001"),
                incident(3, Severity.SEV0, Status.NEW, id="RR-101002"),
            ]
        )
        queue.store_changed(change)
        await pilot.pause()
        shown = lines(queue)
        assert any("RR-101001 " in line for line in shown), shown
        assert any("RR-101002 " in line for line in shown), shown
        assert shown[0].split()[1:3] == ["ID", "AGE"]
        # A reset to a store of short ids gives the width back to the titles.
        app.store.apply([incident(1, Severity.SEV1, Status.NEW)], reset=True)
        queue.store_changed(StoreChange(reset=True, removed=frozenset({"RR-101001"})))
        await pilot.pause()
        assert queue.rows.columns[2].width == 8


def test_the_id_width_is_bounded() -> None:
    from rr_tui.present.columns import ID_MAX, id_cells

    assert id_cells(0) == id_cells(8) == 8
    assert id_cells(9) == 9
    assert id_cells(500) == ID_MAX == 20  # `cell_text` cuts an id at 20 characters
