# genkend: `make demo` runs the main job on generated evidence; `make test` is what CI runs.
# Both set up everything they need: a virtual environment in .venv and, for the tests,
# Debian's PostgreSQL server binaries and Chromium (installed with apt-get when missing
# and root; the browser tests launch that Chromium, nothing downloads a browser build).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_HOME ?= demo-workspace

.PHONY: all venv demo serve-demo test lint typecheck pytest system-deps bench clean

all: test

# system-deps first: pip builds vpdq from source against Debian's FFmpeg dev packages.
$(STAMP): pyproject.toml
	@bash scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

demo: venv
	bash scripts/demo.sh $(DEMO_HOME)

# The web application on the demo's workspace (run make demo first), on 127.0.0.1:8000.
serve-demo: venv
	GENKEND_HOME=$(DEMO_HOME)/workspace $(BIN)/genkend --user demo.admin serve

lint: venv
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/lint-imports --no-cache

typecheck: venv
	$(BIN)/mypy

pytest: venv system-deps
	$(BIN)/pytest

test: lint typecheck pytest

bench: venv
	@echo "benchmarks run on demand: see benchmarks/README.md"

clean:
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache .mypy_cache .ruff_cache test-artifacts
