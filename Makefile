# microfab: the single entry points. Needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test test-fast lint bench clean install install-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's metadata changes.
# Each install also fills the Numba cache, so the first quote after it pays no JIT time.
WARM_UP := $(BIN)/python -c "from geometry.kernels import warm_up; warm_up()"

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(WARM_UP)
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(WARM_UP)
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## serve: the HTTP API on $(HOST):$(PORT), SQLite in ./var, demo workshops seeded, anonymous quoting on
serve: install
	MICROFAB_ALLOW_ANONYMOUS=$${MICROFAB_ALLOW_ANONYMOUS:-true} $(BIN)/microfab serve --host $(HOST) --port $(PORT)

## test: the whole test suite (slow suites included)
test: install-dev
	$(BIN)/python -m pytest -q

## test-fast: unit tests only
test-fast: install-dev
	$(BIN)/python -m pytest -q -m "not slow"

lint: install-dev
	$(BIN)/ruff check geometry quoting models api tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
