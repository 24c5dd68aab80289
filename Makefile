# logipool — the two commands of the README are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
DEMO_TOKEN_EMAIL := gestion@coordination-aubagne.example
DEMO_PASSWORD    := logipool-demo

.PHONY: run test bench lint install clean

# The virtual environment is (re)installed when setup.cfg or the pinned versions change.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,bench]'
	touch $@

install: $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/logipool db upgrade
	$(BIN)/logipool demo
	@echo
	@echo "logipool is starting on http://$(HOST):$(PORT)"
	@echo "  Sign in at http://localhost:$(PORT)/signin with password '$(DEMO_PASSWORD)' as any demo user:"
	@echo "    escale.benevole@ (association representative), escale.tresorerie@, marmite.tresorerie@ (treasurers),"
	@echo "    gestion@, admin@, audit@  -- all @coordination-aubagne.example"
	@echo "  API documentation: http://$(HOST):$(PORT)/api/v1/docs"
	@echo "  A demo token (platform manager), in another terminal:"
	@echo "    $(BIN)/logipool tokens create --email $(DEMO_TOKEN_EMAIL)"
	@echo "  then: curl -H 'Authorization: Bearer <token>' http://$(HOST):$(PORT)/api/v1/members/"
	@echo "  Background jobs (route solves, billing-run issues, scheduled work): one worker beside the server."
	@echo
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/logipool worker & worker=$$!; \
	$(BIN)/logipool serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-bench
	@command -v wrk >/dev/null || echo "note: wrk (Debian package) is not installed; the booking benchmark falls back to a Python load generator"
	$(BIN)/python -m bench $(BENCH)

lint: $(VENV)/.installed
	$(BIN)/ruff check logipool purchasing routing invoices tests bench

clean:
	rm -rf $(VENV) build *.egg-info
