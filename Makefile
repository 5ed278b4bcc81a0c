# One task runner for kbtool. `make help` lists the targets.
PY ?= .venv/bin/python
BIN := $(dir $(PY))

.PHONY: help venv test lint fmt bench repro generate ci

help:
	@echo "venv      create .venv with the dev extras"
	@echo "test      run the test suite"
	@echo "lint      ruff check, ruff format --check, mypy"
	@echo "fmt       ruff format + ruff check --fix"
	@echo "bench     run every benchmark in tests/benchmarks (QUICK=1 for a short run)"
	@echo "repro     the bundled entries' reproductions in a pinned env (part of bench; not CI)"
	@echo "generate  regenerate derived files (JSON Schema, CLI reference)"
	@echo "ci        run .ci/run exactly as CI does"

venv:
	python3 -m venv .venv && .venv/bin/pip install -e '.[dev]'

test:
	$(BIN)pytest -q

lint:
	$(BIN)ruff check .
	$(BIN)ruff format --check .
	$(BIN)mypy

fmt:
	$(BIN)ruff format .
	$(BIN)ruff check --fix .

bench: repro
	@for b in tests/benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b $(if $(QUICK),--quick,) || exit 1; done

# The reproductions need a dozen pinned libraries (and PostgreSQL for the [server] cases), so
# they run in the benchmark job, not in CI: every stored error text must appear in their output.
repro:
	bash scripts/repro_env.sh .repro-venv
	KBTOOL_REPRO_PYTHON=.repro-venv/bin/python $(BIN)pytest -q -p no:cacheprovider tests/test_repro_symptoms.py

generate:
	$(PY) scripts/generate.py all

ci:
	bash .ci/run
