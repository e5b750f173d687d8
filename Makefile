# The two commands a newcomer needs: `make demo` and `make test`.
# Both build their own virtual environment from nothing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make demo` ends by serving the demo case in the browser (Ctrl-C stops it); `make demo SERVE=0` skips that.
SERVE ?= 1

demo: $(STAMP)
	$(BIN)/loupe demo
	@if [ "$(SERVE)" != "0" ]; then $(BIN)/loupe serve --case demo-case; fi

test: $(STAMP) lint typecheck
	./tools/install-test-deps.sh
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check loupe tests bench
	$(BIN)/ruff format --check loupe tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/ingest_bench.py

clean:
	rm -rf $(VENV) demo-case demo-archive loupe-case
