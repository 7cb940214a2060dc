# deptops: `make run` and `make test` are all a fresh machine needs.
# Each target creates the virtual environment on first use (pinned by constraints.txt).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOME_DIR ?= var
REPORT_LANG ?= zh
SCALE ?= small
BENCH_ARGS ?=
INBOX ?=

.PHONY: run test test-fast ui lint format browser test-tools bench bench-bounds bench-hostile clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

## run: load the inbox (default: the demo hospital, built on first use), compute, write reports
run: $(STAMP)
	$(BIN)/deptops run --home $(HOME_DIR) --lang $(REPORT_LANG) $(if $(INBOX),--inbox $(INBOX))

# pytest-xdist: one worker per core. --dist loadgroup is tests/scheduling.py's: a file whose tests
# share a module fixture (a pipeline run) stays on one worker, so the fixture is built once; other
# tests are spread one by one; the longest units first, so that no worker ends alone on one.
PARALLEL := -n auto --dist loadgroup
# The tests run under eatmydata (Debian's libeatmydata: fsync and fdatasync return at once): they
# write hundreds of DuckDB files and Dagster's sqlite history, each commit waiting for the disk
# (one tiny `deptops run` calls fdatasync ~2,500 times, milliseconds each on this machine), and
# no test is about surviving a power cut (a killed process loses nothing the kernel holds).
# Without eatmydata the tests run as they are.
NOSYNC = $$(command -v eatmydata)

## test: the whole test suite (installs Chromium, CJK fonts and eatmydata from Debian when missing)
test: $(STAMP) browser test-tools
	$(NOSYNC) $(BIN)/python -m pytest -q $(PARALLEL) --durations=30

## test-fast: the suite without whole-pipeline runs (marked slow) and browser tests, while working
test-fast: $(STAMP) test-tools
	$(NOSYNC) $(BIN)/python -m pytest -q $(PARALLEL) -m "not slow and not browser"

## ui: the Dagster UI (behind deptops' guard: token, Host check, GraphQL over POST only) and the
## daemon that runs schedules and sensors; DAGSTER_HOME under var/. Open the address it prints.
ui: $(STAMP)
	mkdir -p $(HOME_DIR)/dagster
	cp dagster.yaml $(HOME_DIR)/dagster/dagster.yaml
	export DAGSTER_HOME=$(abspath $(HOME_DIR))/dagster DEPTOPS_HOME=$(abspath $(HOME_DIR)); \
		$(BIN)/dagster-daemon run -m pipelines.definitions & daemon=$$!; \
		trap "kill $$daemon" EXIT INT TERM; \
		$(BIN)/deptops ui --host 127.0.0.1 --port 3000

bench: $(STAMP)
	$(BIN)/python -m bench --scale $(SCALE) $(BENCH_ARGS)

## bench-bounds: what any pipeline that keeps the ledgers pays, beside pandas and the floor
bench-bounds: $(STAMP)
	$(BIN)/python -m bench.bounds --scale $(SCALE)

## bench-hostile: time and memory of loading each hostile ledger file of at most 10 MB
bench-hostile: $(STAMP)
	$(BIN)/python -m bench.hostile

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

# Debian's Chromium for the browser tests; CJK fonts so Chinese does not render as boxes.
browser:
	@command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1 || { \
		echo "installing chromium and fonts-noto-cjk from Debian"; \
		apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# eatmydata for the tests (above); where apt-get cannot install it, the tests run without it.
test-tools:
	@command -v eatmydata >/dev/null 2>&1 || { \
		echo "installing eatmydata from Debian"; \
		apt-get install -y -qq eatmydata >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get install -y -qq eatmydata >/dev/null; } || \
		echo "eatmydata not installed: the tests wait for the disk"; }

clean:
	rm -rf var .pytest_cache
