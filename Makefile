# qframe: the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/qframe validate frameworks/qof_2014
	$(BIN)/qframe evaluate frameworks/qof_2014 --data data/sample --out out/demo
	@echo
	@echo "Demo outputs are in out/demo/ (indicators.csv, units.csv, checks.csv, manifest.json)"

lint: $(STAMP)
	$(BIN)/ruff check qframe tests benchmarks
	$(BIN)/ruff format --check qframe tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy qframe

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_evaluate.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
