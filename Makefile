# Recommendation Tracker. `make help` lists the targets.
SHELL := /bin/bash
PY := .venv/bin/python
PORT ?= 8000
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tracker
REDIS_URL ?= redis://127.0.0.1:6379/0
# The suite runs in two processes (pytest-xdist, ADR 0018), one per core of the machine
# it was sized on; `make test PYTEST_WORKERS=0` runs it in one.
PYTEST_WORKERS ?= 2

.PHONY: help setup run test lint format worker bench services-check audit

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

.venv/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/application.css: node_modules/.installed static/scss/application.scss $(wildcard static/scss/_*.scss)
	npm run --silent build:css

# accessible-autocomplete's own build and the source map it names (collectstatic needs
# both), copied from node_modules; build:css copies them too (npm's postbuild:css), so
# the Dockerfile's `npm run build:css` has them.
static/build/accessible-autocomplete.min.js: node_modules/.installed
	npm run --silent build:js

# The Welsh catalogue's compiled form (Django reads .mo), in Python: no GNU gettext needed,
# nothing binary committed (docs/translating.md).
locale/cy/LC_MESSAGES/django.mo: .venv/.installed locale/cy/LC_MESSAGES/django.po
	$(PY) manage.py compile_catalogue

setup: .venv/.installed node_modules/.installed static/build/application.css static/build/accessible-autocomplete.min.js locale/cy/LC_MESSAGES/django.mo ## Install Python and npm dependencies and build the assets (quick when nothing changed)

run: setup ## Set up, migrate, load reference and demo data, serve on 127.0.0.1:$(PORT) (SQLite)
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py load_reference_data
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

services-check: setup
	@DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) $(PY) tracker/services_check.py

test: setup services-check ## Lint, type-check, check migrations, then the test suite on PostgreSQL and Redis
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .
	.venv/bin/djlint templates --lint
	DATABASE_URL=$(DATABASE_URL) $(PY) manage.py makemigrations --check --dry-run --settings=tracker.settings.test
	DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) .venv/bin/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: setup ## ruff lint and format check, mypy, djlint on the templates
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .
	.venv/bin/djlint templates --lint

format: setup ## Format the code with ruff
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

worker: setup ## Celery worker with beat (needs REDIS_URL and DATABASE_URL)
	$(PY) -m celery -A tracker worker --beat --loglevel=INFO

SCALE ?= 100000

bench: setup services-check ## Seed PostgreSQL to SCALE items (default 100000) and measure every page (docs/performance.md)
	BENCH_ITEMS=$(SCALE) BENCH_DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tracker_bench_$(SCALE)} $(PY) benchmarks/run.py

audit: setup ## pip-audit and npm audit (known advisories), bandit over the code; not in `make test`
	@status=0; \
	.venv/bin/pip-audit --progress-spinner off --skip-editable || status=1; \
	npm audit --omit=dev || status=1; \
	.venv/bin/bandit -q -c pyproject.toml -r api evidence forces monitoring recommendations \
		responses savedsearches tracker devdata || status=1; \
	exit $$status
