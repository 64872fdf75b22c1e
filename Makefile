# Every target creates .venv itself, so a fresh machine needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve test lint typecheck contracts pytest pytest-pg pg pg-stop bench clean tools soak

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rr-tui demo

serve: $(STAMP)
	$(BIN)/rr-tui serve --seed --simulate 12

lint: $(STAMP)
	$(BIN)/ruff check rr_tui tests bench
	$(BIN)/ruff format --check rr_tui tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports --no-cache

# The end-to-end tests drive the dashboard in a real terminal under tmux.
tools:
	@command -v tmux >/dev/null 2>&1 || { \
	  echo "installing tmux for the terminal tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq tmux >/dev/null; }

# One worker per core (CI has two): the tests share nothing but the tmux server, and
# each server, outbox and home directory is a test's own. A module whose tests must
# share one process is marked `xdist_group` (loadgroup keeps a group on one worker).
PYTEST_WORKERS ?= auto

pytest: $(STAMP) tools
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup

# The store tests that must hold on every store run again on a real PostgreSQL:
# scripts/pg.sh installs Debian's postgresql if pg_ctl/initdb are missing, keeps a
# throw-away cluster in .pg/ (as the postgres user when run as root), starts it on a
# free 127.0.0.1 port and stops it when pytest ends, passed or not.
# Which modules run on both (RR_TEST_STORE_URL switches the `store` fixture, so every
# test on `server`/`lead`/`analyst` follows it): what the store decides -- stored values
# and text, the API's versions, keys and deltas (test_api, test_delta), and writers in
# two processes (test_pg_writers, test_multiprocess: PostgreSQL only, skipped on SQLite).
# Not test_server_hardening: its generated requests run on a SQLite store of their own
# whatever the URL, and its hostile strings are test_stored_text's. Not
# test_reliability: its faults are the client's and its restart reopens a SQLite file.
# Their store paths are covered above, so a second run would add time and nothing new.
# Also the migrations and the database settings (test_migrations, test_db_config), and
# the kept head of the no-change poll and bulk seeding (test_recent_head: PostgreSQL is
# where a head is kept; test_bulk), ~3 s together. And the writes of the job around the
# queue: clocks, protocols, handovers and the analytics queries (~20 s).
STORE_TESTS := tests/test_stored_text.py tests/test_stored_values.py tests/test_api.py \
  tests/test_delta.py tests/test_pg_writers.py tests/test_multiprocess.py \
  tests/test_migrations.py tests/test_db_config.py tests/test_recent_head.py tests/test_bulk.py \
  tests/test_clocks_api.py tests/test_protocols_api.py tests/test_handover_api.py \
  tests/test_trends_api.py tests/test_trends_clocks.py

# On both cores (each test has a schema of its own); the one test that restarts the
# cluster (marked pg_restart) runs alone after them, since it cuts every connection.
pytest-pg: $(STAMP)
	scripts/pg.sh run sh -c '$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup \
	  -m "not pg_restart" $(STORE_TESTS) && $(BIN)/python -m pytest -q -m pg_restart $(STORE_TESTS)'

# Start the test PostgreSQL and leave it running: its URL is in .pg/url, e.g.
#   RR_TEST_STORE_URL=$$(cat .pg/url) .venv/bin/pytest tests/test_stored_values.py
pg:
	@scripts/pg.sh start

pg-stop:
	@scripts/pg.sh stop

test: lint typecheck contracts pytest-pg pytest

# The long version of the reliability suite: more actions, more generated requests,
# a fresh seed each run; figures land in .soak/ for RELIABILITY.md.
soak: $(STAMP) tools
	mkdir -p .soak
	RR_SOAK_ACTIONS=$${RR_SOAK_ACTIONS:-1000} RR_SOAK_SEED=$${RR_SOAK_SEED:-$$(date +%s)} \
	RR_SOAK_REPORT=.soak/faults.json RR_SOAK_EXAMPLES=$${RR_SOAK_EXAMPLES:-300} RR_REPORT_DIR=.soak \
	$(BIN)/python -m pytest -q -s tests/test_reliability.py \
	  tests/test_server_hardening.py tests/test_hostile_text.py tests/test_crash_safety.py \
	  tests/test_triage_faults.py

# The throw-away PostgreSQL runs for the whole of it: bench/pg_polls.py compares it with SQLite.
bench: $(STAMP)
	scripts/pg.sh run $(BIN)/python -m bench

clean:
	[ ! -d .pg ] || scripts/pg.sh clean
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
