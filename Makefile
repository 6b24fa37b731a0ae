# Two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format peers

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

## Set up (first time) and run the web server and the worker on http://127.0.0.1:8000
run: $(STAMP)
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py run

## Set up (first time) and run the whole test suite against PostgreSQL
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Real local servers for the opt-in peer tests (a Nostr relay), each in its own virtualenv
peers:
	test -x .peers/nostr/bin/python || $(PYTHON) -m venv .peers/nostr
	test -x .peers/nostr/bin/nostr-relay || .peers/nostr/bin/python -m pip install --quiet --disable-pip-version-check "nostr-relay>=1.14,<2"
