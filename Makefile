# The two commands of the README: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run system test test-sqlite test-postgres lint audit bench install assets messages browser openapi clean

run: install
	$(BIN)/carte init
	$(BIN)/carte serve --host $(HOST) --port $(PORT)

install: system $(VENV)/.installed assets messages

# What WeasyPrint (PDF documents) needs from the system: Pango, HarfBuzz's font subsetting (a PDF in a
# third of the time) and fonts; pdftoppm for the tests.
system:
	@ldconfig -p | grep -q libpango-1.0 && ldconfig -p | grep -q libharfbuzz-subset && fc-list | grep -qi dejavu \
		&& command -v pdftoppm >/dev/null || (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 \
		libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils)

$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Carte needs Python 3.11 or newer" or 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Front-end packages come from the npm registry, pinned by package-lock.json, and are
# copied into the static files: nothing is loaded from a CDN at run time.
assets: carte/static/vendor/.copied

carte/static/vendor/.copied: package-lock.json
	npm ci --silent --no-audit --no-fund
	mkdir -p carte/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js carte/static/vendor/htmx.min.js
	cp node_modules/sortablejs/Sortable.min.js carte/static/vendor/Sortable.min.js
	touch $@

# Compiled translations are built, not committed.
messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	cd carte && CARTE_VAR_DIR=$(CURDIR)/var ../$(BIN)/django-admin compilemessages --settings=carte.settings --verbosity 0

# Debian's Chromium drives the end-to-end tests (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

test: install browser
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

# Tests run in TEST_WORKERS processes (pytest-xdist; "auto" is one per core), each on its own database.
TEST_WORKERS ?= auto

# The embedded database, whatever CARTE_TEST_DATABASE_URL says (the PostgreSQL run uses it).
test-sqlite:
	env -u CARTE_TEST_DATABASE_URL $(BIN)/pytest -q -n $(TEST_WORKERS)

# CI sets CARTE_TEST_DATABASE_URL (see .ci/run) and must not skip this run.
test-postgres:
	@if [ -n "$$CARTE_TEST_DATABASE_URL" ]; then \
		$(BIN)/pytest -q -n $(TEST_WORKERS) -m "not e2e"; \
	elif [ -n "$$CI" ]; then \
		echo "CARTE_TEST_DATABASE_URL is not set: the PostgreSQL run cannot be skipped in CI"; exit 1; \
	else \
		echo "PostgreSQL run skipped: set CARTE_TEST_DATABASE_URL=postgres://user@host:5432/db to run it"; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q -p no:cacheprovider tests/security/test_raw_sql.py
	$(MAKE) --no-print-directory audit
	$(BIN)/mypy carte/core/policy.py carte/core/search.py carte/clients/search.py $(wildcard carte/*/services.py carte/*/services/*.py carte/*/queries.py carte/*/queries/*.py)

# Known vulnerabilities of the locked packages (pip-audit asks PyPI's JSON API, per package and version).
# Skipped, saying so, only when that service cannot be reached; any finding or unaudited package fails.
AUDIT_PROBE := https://pypi.org/pypi/pip/24.0/json
audit: install
	@if $(BIN)/python -c 'import urllib.request; urllib.request.urlopen("$(AUDIT_PROBE)", timeout=15)' 2>/dev/null; then \
		$(BIN)/pip-audit -r requirements.lock --no-deps --disable-pip --strict --progress-spinner off; \
	else \
		echo "pip-audit skipped: the vulnerability service ($(AUDIT_PROBE)) cannot be reached from this machine"; \
	fi

# The API schema is committed (docs/openapi.json); a test fails when the code and it differ.
openapi: install
	$(BIN)/carte export_openapi_schema --api carte.api.api --indent 2 --sorted --output docs/openapi.json

# Benchmarks on their own databases (var/bench/, PostgreSQL carte_bench): see docs/performance.md.
# DB=sqlite or DB=postgres for one; BENCH_ARGS="--rebuild" or "--scenario card" and so on.
bench: install
	$(BIN)/python -m bench $(if $(DB),--db $(DB)) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules carte/static/vendor
