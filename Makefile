# Two commands for a newcomer (see README): `make demo` and `make test`.
# Both do all set-up themselves: a virtualenv in .venv with the package and its dev tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
AIRFLOW_VERSION ?= 3.3.2
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | cksum | cut -d' ' -f1)
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False

.PHONY: setup test lint typecheck pytest demo bench ui-test clean

setup: $(STAMP)

# Tested on the Airflow release named here (the floor pyproject declares). Bytecode is compiled at install,
# as pip does, so that every `airflow` process (dags test, the UI check) starts at its real speed.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -e '.[dev]' 'apache-airflow==$(AIRFLOW_VERSION)'
	rm -f $(VENV)/.installed-*
	touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest -q

## The test command: lint, types, the whole test suite (emulator + local S3 + airflow dags test), UI in a browser.
test: lint typecheck pytest ui-test

## The demo: emulator + local S3 on loopback, both example DAGs with `airflow dags test`.
demo: setup
	$(BIN)/python -m dev.demo

bench: setup
	$(BIN)/python benchmarks/run.py

ui-test: setup
	bash tests/ui/run.sh

clean:
	rm -rf $(VENV) .demo .artifacts
