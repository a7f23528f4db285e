# The two commands of a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

# Where `make run` serves.
ADDRPORT ?= 127.0.0.1:8000
# pytest-xdist processes for `make test` (the suite is xdist-safe: tests/settings.py).
PYTEST_WORKERS ?= 2

.PHONY: help run test install worker beat collectstatic

## List the targets and what they do.
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z][a-z_-]*:/{if (doc) printf "  make %-14s %s\n", substr($$1,1,length($$1)-1), doc} {doc=""}' $(MAKEFILE_LIST)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## Create .venv and install requirements.txt (again only when it changed).
install: $(STAMP)

## Set up, migrate, seed the demo company, serve http://127.0.0.1:8000 with a Celery worker and beat (Ctrl-C stops all).
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py serve_embedded $(ADDRPORT)

## Lint, check migrations and run the whole suite (PYTEST_WORKERS=2 processes) against whatever the environment names.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=tests.settings
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## A Celery worker alone (production-like: with REDIS_URL set).
worker: $(STAMP)
	$(BIN)/celery -A smarketing worker --loglevel=INFO

## Celery beat alone (its schedule file goes to the state dir, var/ by default).
beat: $(STAMP)
	$(BIN)/celery -A smarketing beat --loglevel=INFO

## Collect the static files for whitenoise (production).
collectstatic: $(STAMP)
	$(BIN)/python manage.py collectstatic --noinput
