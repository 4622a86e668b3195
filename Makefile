VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: test demo lint bench clean setup

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,dask,playground]"
	command -v dot >/dev/null || (command -v apt-get >/dev/null && (apt-get install -y graphviz || (apt-get update && apt-get install -y graphviz))) || true
	command -v chromium >/dev/null || (command -v apt-get >/dev/null && (apt-get install -y chromium chromium-driver || (apt-get update && apt-get install -y chromium chromium-driver))) || true
	touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench $(wildcard examples)

test: $(STAMP) lint
	$(PY) -m pytest

demo: $(STAMP)
	$(PY) -m steepest demo

bench: $(STAMP)
	$(PY) bench/engine.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache
