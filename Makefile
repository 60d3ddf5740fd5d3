# Two commands: `make run` serves the portal with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
# Tests create their own database on this server (and drop it after).
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres install install-dev chromium migrate seed clean bench soak

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo --if-empty

run: seed
	@echo ""
	@echo "  Cổng xử lý phản ánh, kiến nghị: http://127.0.0.1:5000/login"
	@echo "  Tài khoản mẫu (mật khẩu demo-portal): demo.handler, demo.lead, demo.chair, demo.office,"
	@echo "  demo.inspector, demo.hotline, demo.admin · Khóa Open311 mẫu: demo-open311-key"
	@echo ""
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# Debian's Chromium for the browser tests; Playwright never downloads a browser here.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; \
	fi

test: install-dev chromium
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install-dev
	@echo "== Test suite on SQLite"
	TEST_DATABASE_URL= $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install-dev
	@if $(BIN)/python -c "import sys, psycopg; from sqlalchemy.engine import make_url; \
		u = make_url('$(TEST_DATABASE_URL)'); \
		psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname=u.database, connect_timeout=3).close()" 2>/dev/null; then \
		echo "== Test suite on PostgreSQL"; \
		TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is not reachable at $(TEST_DATABASE_URL); CI requires the PostgreSQL run."; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $(TEST_DATABASE_URL): PostgreSQL run skipped (required in CI)"; \
	fi

# Benchmark: PostgreSQL and 1,000,000 cases by default; `make bench DB=sqlite SCALE=200000`.
DB ?= postgresql
SCALE ?= 1000000
bench: install-dev
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq wrk; else sudo apt-get install -y -qq wrk; fi; }
	$(BIN)/python -m bench.run --db $(DB) --scale $(SCALE)

# Soak: CLIENTS staff working cases for SOAK_SECONDS under gunicorn on PostgreSQL (database portal_soak),
# PostgreSQL restarted and a worker killed on the way. It restarts the local PostgreSQL (after waiting for
# other runs' databases to be idle), so it is not part of `make test`. SOAK_FAULTS=0: load only.
SOAK_SECONDS ?= 60
CLIENTS ?= 50
SOAK_FAULTS ?= 1
soak: install-dev
	$(BIN)/python -m soak.run --seconds $(SOAK_SECONDS) --clients $(CLIENTS) $(if $(filter 0,$(SOAK_FAULTS)),--no-faults)

clean:
	rm -rf $(VENV) .pytest_cache
