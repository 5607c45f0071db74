# Two set-up commands work on a fresh clone with nothing but Python >= 3.11:
#   make demo   creates .venv, installs the CLI alone, generates the synthetic fixtures, prints the demo
#               month's chargeback (about a minute on a warm package cache)
#   make test   also installs the test tools (the `test` extra) and runs the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TESTS_STAMP := $(VENV)/.installed-test
DEMO   := out/demo
MONTH  := 2026-10

.PHONY: install install-test demo test lint fmt bench focus clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("cur-analyzer needs Python >= 3.11 (set PYTHON=...)" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)

# The CLI's own dependencies only: what `demo` needs. --no-compile leaves byte-compiling to the first
# import of each module, so the many modules the demo never imports cost nothing now.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-compile -e .
	@touch $(STAMP)

# The test tools on top (pytest, hypothesis, moto, python-hcl2, ruff): for test, lint and fmt.
$(TESTS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(TESTS_STAMP)

install: $(STAMP)

install-test: $(TESTS_STAMP)

demo: install
	$(BIN)/cur-analyzer --quiet fixtures --out $(DEMO) --month $(MONTH)
	$(BIN)/cur-analyzer chargeback --month $(MONTH) --cur $(DEMO)/cur2-bedrock --by principal
	$(BIN)/cur-analyzer chargeback --month $(MONTH) --cur $(DEMO)/cur2-bedrock --by iamPrincipal/team --by tag/team

# checkov lives in its own venv: it clashes with python-hcl2 (same hcl2/ package folder)
.venv-checkov/bin/checkov:
	PYTHON=$(PYTHON) scripts/checkov.sh --install

# focus-validator needs Python >= 3.12 and pins numpy<2: it gets its own venv too
.venv-focus/bin/focus-validator:
	scripts/focus-validator.sh --install

# the HTML report is tested in a real headless Chromium (Debian's package)
/usr/bin/chromium:
	scripts/install-chromium.sh

test: install-test .venv-checkov/bin/checkov .venv-focus/bin/focus-validator /usr/bin/chromium
	$(BIN)/pytest -q

lint: install-test
	$(BIN)/ruff check cur_analyzer tests benchmarks
	$(BIN)/ruff format --check cur_analyzer tests benchmarks
	@if command -v terraform >/dev/null 2>&1; then terraform fmt -check -recursive terraform; \
	 else echo "terraform not installed: skipping terraform fmt"; fi

fmt: install-test
	$(BIN)/ruff format cur_analyzer tests benchmarks
	$(BIN)/ruff check --fix cur_analyzer tests benchmarks

# generates 2M/10M-line months and 5M log records under bench-data/ (reused), then times the library calls
# (bench-data/results.md) and the CLI as typed against the hand-typed DuckDB queries (bench-data/whole.md);
# ~45 minutes on 2 cores. Only the whole-process table: python -m benchmarks.run --whole --sizes 2000000
bench: install
	$(BIN)/python -m benchmarks.run --out bench-data

focus: install .venv-focus/bin/focus-validator
	@mkdir -p out
	$(BIN)/cur-analyzer --quiet export-focus --month $(MONTH) --cur fixtures/demo/cur2-bedrock -o out/focus.parquet
	scripts/focus-validator.sh out/focus.parquet

clean:
	rm -rf $(VENV) .venv-checkov .venv-focus out dist build .pytest_cache .ruff_cache
