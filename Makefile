# ledgerbridge — the two commands a new machine needs: `make run` and `make test`.
# Both install what is missing first (uv from PyPI, then the locked workspace).

SHELL := /bin/bash
UV ?= uv
PYTHON ?= python3
PYTEST_ARGS ?=

.PHONY: help uv install run test lint format typecheck unit integration chaos bench clean

help:
	@echo "make run        standalone demo: embedded PostgreSQL, in-process bus, all services"
	@echo "make test       ruff, mypy and every test (unit, integration, chaos)"
	@echo "make unit       unit tests only (milliseconds, no services needed)"
	@echo "make bench      benchmarks in bench/ (needs PostgreSQL and RabbitMQ)"

uv:
	@command -v $(UV) >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv>=0.5"

install: uv
	$(UV) sync --frozen

run: install
	$(UV) run ledgerbridge standalone

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .

format: install
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

typecheck: install
	$(UV) run mypy

test: lint typecheck
	$(UV) run pytest $(PYTEST_ARGS)

unit: install
	$(UV) run pytest tests/unit $(PYTEST_ARGS)

integration: install
	$(UV) run pytest tests/integration $(PYTEST_ARGS)

chaos: install
	$(UV) run pytest tests/chaos $(PYTEST_ARGS)

bench: install
	$(UV) run python bench/bus_throughput.py

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache .hypothesis
