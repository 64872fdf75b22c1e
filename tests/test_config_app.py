"""The configuration in the running dashboard: keymap, saved views, theme and columns (Pilot).

Each test writes a config file, loads it as `rr-tui` does, and drives the real app
against the reference server on loopback.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from rr_tui.app import RrApp
from rr_tui.cli import ui_names
from rr_tui.config import load
from rr_tui.models import IncidentPatch, Role, Severity
from rr_tui.options import HIGH_CONTRAST_THEME, DashboardOptions
from rr_tui.present.columns import COLUMN_KEYS, columns_for
from rr_tui.server.store import Actor
from rr_tui.widgets.queue import QueueView
from tests.conftest import (
    DashboardFactory,
    FakeClock,
    RunningServer,
    poll_now,
    screen_text,
    settle,
    until,
)

LEAD = Actor("lee.lead", Role.LEAD)


def options_from(tmp_path: Path, text: str) -> DashboardOptions:
    """Dashboard options from a config file, checked as the command line checks them."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    themes, binding_ids = ui_names()
    return load(path, themes=themes, binding_ids=binding_ids).settings.dashboard_options(
        title="RR · test"
    )


def shown_ids(app: RrApp) -> list[str]:
    return [incident.id for incident in app.store]


async def test_keymap_rebinds_keys_by_binding_id(
    demo_server: RunningServer, clock: FakeClock, tmp_path: Path, dashboard: DashboardFactory
) -> None:
    options = options_from(tmp_path, '[keymap]\nqueue.cursor_down = "f7"\n"app.quit" = "f10"\n')
    async with dashboard(options=options) as d:
        app, pilot = d.app, d.pilot
        queue = app.query_one(QueueView)
        assert queue.cursor == 0
        await pilot.press("f7")
        assert queue.cursor == 1
        # The keymap replaces the binding's keys: j and down no longer move down.
        await pilot.press("j", "down")
        assert queue.cursor == 1
        await pilot.press("k")
        assert queue.cursor == 0
        await pilot.press("q")
        assert app.is_running
        await pilot.press("f10")
    assert not app.is_running


async def test_saved_views_switch_by_key_and_show_their_name(
    demo_server: RunningServer, clock: FakeClock, tmp_path: Path, dashboard: DashboardFactory
) -> None:
    options = options_from(
        tmp_path,
        '[views.apac]\nkey = "Z"\nregions = ["ID", "TH", "PH"]\nseverities = ["SEV0", "SEV1", '
        '"SEV2"]\n',
    )
    async with dashboard(options=options) as d:
        app, pilot = d.app, d.pilot
        everything = shown_ids(app)
        assert app.dashboard.view is not None
        assert app.dashboard.view.name == "open"
        assert "RR · test   view open" in screen_text(app)

        await pilot.press("Z")
        await settle(app, pilot)
        assert app.dashboard.view.name == "apac"
        shown = list(app.store)
        assert shown
        assert len(shown) < len(everything)
        assert all(i.region in {"ID", "TH", "PH"} for i in shown)
        assert all(i.severity.rank <= 2 for i in shown)
        queue = app.query_one(QueueView)
        assert queue.selected_id == shown[0].id
        assert "view apac" in screen_text(app)
        # A poll keeps the view's filter.
        await poll_now(app, pilot)
        assert shown_ids(app) == [i.id for i in shown]

        await pilot.press("U")
        await settle(app, pilot)
        assert app.dashboard.view.name == "urgent"
        assert {i.severity for i in app.store} <= {Severity.SEV0, Severity.SEV1}

        # ] and [ step through the views in order: open, urgent, mine, new, resolved, apac.
        await pilot.press(*["right_square_bracket"] * 4)
        await settle(app, pilot)
        assert app.dashboard.view.name == "apac"
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert app.dashboard.view.name == "open"
        assert shown_ids(app) == everything
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        assert app.dashboard.view.name == "apac"


async def test_mine_asks_the_backend_who_i_am(
    demo_server: RunningServer, clock: FakeClock, tmp_path: Path, dashboard: DashboardFactory
) -> None:
    target = demo_server.store.open_incidents()[0]
    with demo_server.store.write() as tx:
        tx.patch(target.id, IncidentPatch(assignee="lee.lead"), LEAD, target.version)
    options = options_from(tmp_path, 'default_view = "mine"\n')
    async with dashboard(options=options) as d:
        app = d.app
        assert app.dashboard.view is not None
        assert app.dashboard.view.name == "mine"
        assert shown_ids(app) == [target.id]
        assert app.store.filter.assignee == "lee.lead"


async def test_views_from_the_command_palette(
    demo_server: RunningServer, clock: FakeClock, tmp_path: Path, dashboard: DashboardFactory
) -> None:
    options = options_from(tmp_path, '[views.thai]\nregions = ["TH"]\n')
    async with dashboard(options=options) as d:
        app, pilot = d.app, d.pilot
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"View: open", "View: urgent", "View: mine", "View: thai"} <= set(titles)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"View: thai")
        await until(lambda: app.screen.query_one(OptionList).option_count > 0, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.dashboard.view is not None
        assert app.dashboard.view.name == "thai"
        assert {i.region for i in app.store} == {"TH"}


async def test_theme_and_columns(
    demo_server: RunningServer, clock: FakeClock, tmp_path: Path, dashboard: DashboardFactory
) -> None:
    options = options_from(
        tmp_path, f'theme = "{HIGH_CONTRAST_THEME}"\ncolumns = ["id", "sev", "assignee", "title"]\n'
    )
    async with dashboard(size=(100, 30), options=options) as d:
        app = d.app
        assert app.theme == HIGH_CONTRAST_THEME
        header = screen_text(app).splitlines()[1]
        positions = [header.index(name) for name in ("ID", "SEV", "OWNER", "TITLE")]
        assert positions == sorted(positions)
        assert "AGE" not in header


async def test_no_views_configured_changes_nothing(
    demo_server: RunningServer, clock: FakeClock, dashboard: DashboardFactory
) -> None:
    async with dashboard() as d:
        app, pilot = d.app, d.pilot
        assert app.dashboard.view is None
        assert "view" not in screen_text(app).splitlines()[0]
        before = shown_ids(app)
        await pilot.press("right_square_bracket", "U")
        await settle(app, pilot)
        assert shown_ids(app) == before


async def test_every_binding_id_in_the_app_is_known_to_check_config(
    demo_server: RunningServer, clock: FakeClock, tmp_path: Path, dashboard: DashboardFactory
) -> None:
    """So that a keymap naming any real binding is accepted, and a typo is not."""
    _themes, known = ui_names()
    options = options_from(tmp_path, "")
    async with dashboard(options=options) as d:
        app = d.app
        seen: set[str] = set()
        keys: dict[str, set[str]] = {}
        for node in [app, app.screen, *app.screen.walk_children()]:
            for key, bindings in node._bindings.key_to_bindings.items():  # Textual's own map
                for binding in bindings:
                    if binding.id:
                        seen.add(binding.id)
                        keys.setdefault(key, set()).add(binding.id)
        view_ids = {f"views.{view.name}" for view in options.views}
        assert seen - view_ids <= known
        assert {"app.quit", "queue.cursor_down", "views.next"} <= known
        # The default views' keys take no key from another binding.
        for view in options.views:
            assert keys[view.key] == {f"views.{view.name}"}, keys[view.key]


def test_columns_for_follows_the_chosen_order() -> None:
    assert [c.key for c in columns_for(80, ("title", "sev"))] == ["mark", "title", "sev"]
    assert [c.key for c in columns_for(80)] == [c.key for c in columns_for(80, ())]
    all_keys = {c.key for c in columns_for(10_000, clocks=True)} - {"mark"}
    assert all_keys == set(COLUMN_KEYS)


def test_every_key_has_an_id_and_the_registry_knows_it() -> None:
    from rr_tui.screens.keys import APP_KEYS, SCREEN_KEYS, TRIAGE_KEYS, binding_ids

    keys = (*APP_KEYS, *SCREEN_KEYS, *TRIAGE_KEYS)
    assert all(key.id for key in keys)
    assert len({key.id for key in keys}) == len(keys)
    assert {key.id for key in keys} <= binding_ids()
    assert {"views.next", "views.previous", "conflicts.reapply"} <= binding_ids()
