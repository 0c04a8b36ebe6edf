# Tandem: `make demo` serves a synthetic practice; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON := $(shell scripts/find-python)
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)

PG_URL ?= postgres://postgres@127.0.0.1:5432/tandem
DEMO_PATIENTS ?= 5000
DEMO_SEED ?= 42
DEMO_ADDRESS ?= 127.0.0.1:8000
MAILSINK_PORT ?= 1025
PYTEST_WORKERS ?= 2

.PHONY: help install system python assets demo demo-data serve test lint test-sqlite test-postgres clean

help:
	@echo "make demo   install, migrate, load a synthetic practice, print logins, serve on http://$(DEMO_ADDRESS)"
	@echo "make serve  serve what is already loaded, as make demo does (gunicorn, no DEBUG)"
	@echo "make test   the whole suite (set TANDEM_TEST_POSTGRES=1 for the PostgreSQL leg too)"

install: system python assets

system:
	@scripts/setup-system

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

python: $(UV)
	$(UV) sync --frozen --quiet

assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: install demo-data serve

# The demo profile here too: links in the demo's messages are made with the key the served demo checks them with.
demo-data:
	TANDEM_PROFILE=demo $(BIN)/tandem migrate --verbosity 0
	TANDEM_PROFILE=demo $(BIN)/tandem demo_setup --patients $(DEMO_PATIENTS) --seed $(DEMO_SEED)

# The production server (gunicorn) with the demo profile, the mail sink and the worker: ADR 12.
serve:
	TANDEM_BIN=$(BIN) scripts/serve-demo $(DEMO_ADDRESS) $(MAILSINK_PORT)

lint: install
	$(BIN)/ruff check tandem tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/tandem makemigrations --check --dry-run --verbosity 1

test: lint test-sqlite
	@if [ "$$TANDEM_TEST_POSTGRES" = "1" ]; then $(MAKE) --no-print-directory test-postgres; \
	 else echo "PostgreSQL leg not run (set TANDEM_TEST_POSTGRES=1 to run it)."; fi

# --dist loadgroup: tests in xdist_group("spark") share one worker, so one SparkSession starts per leg.
test-sqlite: install
	@echo "== Tests on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q

test-postgres: install
	@echo "== Tests on PostgreSQL ($(PG_URL)) =="
	@rm -f var/postgres-leg.ok
	DATABASE_URL=$(PG_URL) TANDEM_EXPECT_DB=postgresql $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q -m "not browser"
	@mkdir -p var && touch var/postgres-leg.ok

clean:
	rm -rf .venv .tools node_modules var
