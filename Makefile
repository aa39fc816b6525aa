# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gistreg demo --out out

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -n 2 -q

# Benchmarks run in their own virtualenv, so the peers (lifelines, statsmodels, scikit-survival, pandas) never
# enter the test environment. `make bench BENCH_ARGS=--quick` for a short run.
BENCH_VENV  ?= .venv-bench
BENCH_STAMP  = $(BENCH_VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
BENCH_ARGS  ?=

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]'
	rm -f $(BENCH_VENV)/.installed-*
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(BENCH_VENV) out build *.egg-info
