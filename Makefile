# Two set-up commands: `make run` and `make test` (lint, type check, every test). Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run lint test smoke conformance bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The demo trial is built on first use (as `main.py demo` does, in the user data folder) and
# reused afterwards; the workstation opens on it logged in as "Demo Reader" (password "demo").
run: $(STAMP)
	$(PY) main.py --demo

# Lint and static types first (pyproject.toml [tool.ruff], [tool.mypy]): CI runs them through `make test`.
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n 2

smoke: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) main.py --smoke

conformance: $(STAMP)
	$(PY) ../shared/conformance/check.py

bench: $(STAMP)
	$(PY) benchmarks/bench_assess.py
	$(PY) benchmarks/bench_load.py --slices 300   # add 1000 for the full set (about 15 minutes)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_slice_view.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_reformat.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_reading.py
	$(PY) benchmarks/bench_export.py   # builds a 100-subject trial first (about a minute)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
