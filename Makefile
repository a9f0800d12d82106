# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Links in notification emails start with the address the demo serves on, port included.
SITE_URL ?= http://127.0.0.1:$(PORT)
export SITE_URL
MANAGE := $(BIN)/python manage.py
# make test: pytest-xdist workers, one per core (`nproc`: the cores this process may use);
# PYTEST_WORKERS=0 runs the suite in a single process. loadgroup keeps the tests of a module
# that share an expensive module- or package-scoped fixture on one worker (tests/conftest.py).
PYTEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
PYTEST_XDIST := -n $(PYTEST_WORKERS) --dist loadgroup

.PHONY: run test bench install install-dev system-packages runtime-packages lint serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
## Debian packages for the browser, document and PostgreSQL/Redis tests (scripts/system-packages.sh).
system-packages:
	./scripts/system-packages.sh
## What the application itself needs: LibreOffice (signed PDFs), poppler-utils, fonts.
runtime-packages:
	./scripts/system-packages.sh --runtime

## make run: the runtime Debian packages (LibreOffice for the signed PDFs), install, migrate,
## load the demo data (with its demo signing certificate), collect static files, serve with daphne.
## DEBUG stays off (Spanish error pages, collected static files); `DEBUG=1 make run` turns it on.
run: install runtime-packages
	mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) collectstatic --noinput --verbosity 0
	@echo "Sirviendo en http://127.0.0.1:$(PORT)/  (Ctrl+C para detener)"
	$(BIN)/daphne -b 127.0.0.1 -p $(PORT) config.asgi:application

## make test: lint (ruff, the import layers) and the whole suite (browser, PostgreSQL and Redis tests included where installed),
## then the whole suite again on a throwaway PostgreSQL and redis-server (tests/scaleout.py).
test: install-dev system-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/pytest $(PYTEST_XDIST)
	$(BIN)/python -m tests.scaleout $(PYTEST_XDIST)

## make bench: the benchmark (bench/): medians, 95th percentiles and ratios, SQLite and PostgreSQL.
bench: install-dev system-packages
	$(BIN)/python -m bench

## make lint: ruff, and import-linter's layers contract (pyproject.toml; "Layers" in docs/ARCHITECTURE.md).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean:
	rm -rf var/test-artifacts .pytest_cache
