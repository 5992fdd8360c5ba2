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
	$(BIN)/qframe compare frameworks/qof_2014 frameworks/somerset_pqs frameworks/improving_together --data data/sample --out out/demo
	@echo
	@echo "Open the report in a browser: out/demo/report.html (tables: out/demo/*.csv and out/demo/comparison.xlsx)"

# Debian's chromium, for tests/test_report.py (report.html checked in a real headless browser)
.PHONY: report-browser
report-browser:
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check qframe tests benchmarks
	$(BIN)/ruff format --check qframe tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy qframe

# the tests in tests/ and the examples in qframe's docstrings (--doctest-modules, see pyproject.toml)
unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
