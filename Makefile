# The two commands of a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: run test install serve lint worker beat collectstatic

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Set up, migrate, seed the demo company, serve http://127.0.0.1:8000 with a Celery worker and beat (Ctrl-C stops all).
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py serve_embedded 127.0.0.1:8000

## Lint, check migrations and run the whole suite against whatever the environment names.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=tests.settings
	$(BIN)/pytest $(PYTEST_ARGS)

worker: $(STAMP)
	$(BIN)/celery -A smarketing worker --loglevel=INFO

beat: $(STAMP)
	$(BIN)/celery -A smarketing beat --loglevel=INFO

collectstatic: $(STAMP)
	$(BIN)/python manage.py collectstatic --noinput
