# bordersim: `make main` runs the scenario comparison and its report, `make test` the test suite.
# Both set up the virtual environment first (Python >= 3.12, found by scripts/find_python.sh).
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup main test lint bench clean

$(VENV)/.installed: pyproject.toml
	bash scripts/setup.sh $(VENV)
	touch $@

setup: $(VENV)/.installed

main: setup
	bash scripts/main.sh

test: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/pytest

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) outputs multirun
