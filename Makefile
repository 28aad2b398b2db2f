# The two quick-start jobs. Each creates the virtual environment if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SCENARIO ?= syria-2014
OUT    ?= runs/$(SCENARIO)

.PHONY: setup browser run test test-fast bench clean

$(BIN)/desertion: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,calibration]"
	touch $(BIN)/desertion

# the dashboard's browser test drives Debian's chromium (as root, apt installs it; elsewhere
# install it yourself, or the test is skipped outside CI)
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	-command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  (apt-get install -y -qq chromium >/dev/null || \
	   (apt-get update -qq && apt-get install -y -qq chromium >/dev/null))

setup: $(BIN)/desertion
browser: $(CHROMIUM)

run: setup
	$(BIN)/desertion run $(SCENARIO) --out $(OUT)

test: setup browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest -q

# while iterating: everything but the slow tests (the validation suite among them)
test-fast: setup
	$(BIN)/pytest -q -m "not slow"

bench: setup
	$(BIN)/python benchmarks/bench_manpower.py

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
