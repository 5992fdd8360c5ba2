# qframe: the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean fuzz test-spark

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
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

# the long fuzzing run (issue 15): 100,000 generated expressions, 10,000 mutated definitions,
# hostile datasets and YAML files; 0 crashes, 0 hangs and no infinite payment expected.
# Counts: QFRAME_FUZZ_EXPRESSIONS, QFRAME_FUZZ_DEFINITIONS, QFRAME_FUZZ_DATASETS, QFRAME_FUZZ_YAML
fuzz: $(STAMP)
	$(BIN)/pytest -q -s -m fuzz tests/test_fuzz.py

# the larger cross-engine run (issue 12): more generated populations and rule variants, and a
# bigger synthetic population through the whole QOF, on DuckDB and Spark (needs Java);
# QFRAME_SPARK_EXAMPLES sets the number of generated examples (default 40)
test-spark: $(STAMP)
	$(BIN)/pytest -q -m spark_long tests/test_spark.py tests/test_spark_generative.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
