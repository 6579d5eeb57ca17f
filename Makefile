# Quick start: `make report` builds the demo output, `make test` runs the tests.
# Both create (or reuse) .venv and install what they need themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA := data/demo
OUT := reports

.PHONY: report test test-fast lint simulate bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "dimios-research needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

report: $(VENV)/.installed
	$(BIN)/dimios-research report all --data $(DATA) --out $(OUT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

# Everything but notebook execution, package builds, long simulations and tests over a
# second, on two worker processes (under a minute on two cores).
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m "not slow" -n 2

lint: $(VENV)/.installed-test
	$(BIN)/ruff check dimios_research tests benchmarks
	$(BIN)/ruff format --check dimios_research tests benchmarks

simulate: $(VENV)/.installed
	$(BIN)/dimios-research simulate --out $(DATA)

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_scoring.py

clean:
	rm -rf $(VENV) $(OUT)/[0-9]* $(OUT)/_failed $(OUT)/_cache build *.egg-info
