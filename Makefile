# Lehuo: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/lehuo
# make run is the real thing on one machine (scripts/run.sh: gunicorn, DEBUG off, keys in var/).
# make dev is the reloading development server: DEBUG on, public development keys (never real
# data), its own database var/dev.sqlite3.
# The suite runs in one process per core (pytest-xdist; each has its own test database). Tests
# are handed out one by one (a big file such as the security matrix no longer runs in one
# process while the others wait; its module fixtures are built once per process). The fault
# scripts (tests/faults: one restarts PostgreSQL, all start servers) run beside it in a pytest of
# their own, one after another; their report follows the suite's. (xdist's loadgroup would keep
# them in one process, but it does not group under pytest 9.) XDIST= runs serially.
XDIST ?= -n auto --dist load
DEV_ENV := DEBUG=1 ALLOWED_HOSTS=127.0.0.1,localhost DATABASE_URL=sqlite:///var/dev.sqlite3

.PHONY: install run dev codes demo test test-sqlite test-postgres lint audit bench deploy-check clean

$(VENV)/.installed: pyproject.toml package.json
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@command -v npm >/dev/null || { echo "npm is needed to install front-end assets (Debian: apt-get install npm)"; exit 1; }
	npm install --no-audit --no-fund --silent
	./scripts/system-deps.sh
	touch $@

install: $(VENV)/.installed

run: install
	HOST=$(HOST) PORT=$(PORT) ./scripts/run.sh

# The demo's second-factor codes for the server `make run` started (same keys in var/).
codes: install
	DEBUG=0 SECRET_KEY_FILE=var/secret_key LEHUO_FIELD_KEYS_FILE=var/field_keys LEHUO_HASH_KEY_FILE=var/hash_key \
	  LEHUO_DEMO_SECOND_FACTOR=1 ALLOWED_HOSTS=127.0.0.1 $(PY) -m lehuo demo_codes --codes-only

dev: install
	mkdir -p var
	$(DEV_ENV) $(PY) -m lehuo migrate --noinput -v0
	$(DEV_ENV) $(PY) -m lehuo demo
	@echo ""
	@echo "Lehuo (development server, DEBUG on) at http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/v1/docs)"
	@echo "Stop with Ctrl-C."
	@$(DEV_ENV) $(PY) -m lehuo db_worker --interval 1 >var/worker.log 2>&1 & \
	  WORKER=$$!; trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
	  $(DEV_ENV) $(PY) -m lehuo runserver $(HOST):$(PORT)

demo: install
	$(DEV_ENV) $(PY) -m lehuo migrate --noinput -v0
	$(DEV_ENV) $(PY) -m lehuo demo

test: install
	mkdir -p var
	$(DEV_ENV) $(PY) -m lehuo makemigrations --check --dry-run >/dev/null || { echo "models changed without a migration"; exit 1; }
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ] || $(PY) scripts/pg_ready.py "$(PG_URL)"; then \
	  $(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL not reachable on 127.0.0.1:5432 and TEST_DATABASE_URL unset: PostgreSQL run skipped"; fi

test-sqlite: install
	@mkdir -p var; rm -f var/faults.log; faults=""; \
	if [ -z "$(PYTEST_ARGS)" ]; then \
	  env -u TEST_DATABASE_URL -u DATABASE_URL $(PY) -m pytest -q -p no:xdist tests/faults >var/faults.log 2>&1 & faults=$$!; \
	fi; \
	env -u TEST_DATABASE_URL -u DATABASE_URL $(PY) -m pytest -q $(XDIST) --ignore=tests/faults $(PYTEST_ARGS); suite=$$?; \
	rc=0; if [ -n "$$faults" ]; then \
	  wait $$faults; rc=$$?; echo "== tests/faults (the fault scripts, run beside the suite in a pytest of their own)"; cat var/faults.log; \
	fi; \
	[ $$suite -eq 0 ] && [ $$rc -eq 0 ]

test-postgres: install
	TEST_DATABASE_URL="$${TEST_DATABASE_URL:-$(PG_URL)}" $(PY) -m pytest -q $(XDIST) -m "not browser" --ignore=tests/faults $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy lehuo/*/services.py lehuo/*/services/ lehuo/*/views*.py lehuo/*/views/ lehuo/*/api.py lehuo/*/api/

# Known vulnerabilities in the installed Python and npm packages (pip-audit, npm audit); says so
# when the vulnerability services cannot be reached from this machine.
audit: install
	$(PY) scripts/audit.py

bench: install
	@for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# Production-like run on this machine (PostgreSQL, DEBUG=0, gunicorn, worker), checked and stopped again.
deploy-check: install
	./scripts/deploy-check.sh

clean:
	rm -rf $(VENV) node_modules staticfiles var
