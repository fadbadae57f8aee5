# Two commands for a newcomer (see README): `make demo` and `make test`.
# Both do all set-up themselves: a virtualenv in .venv with the package and its dev tools.
# While editing: `make quick` (lint + `make unit`, well under a minute); see CONTRIBUTING.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
AIRFLOW_VERSION ?= 3.3.2
CONSTRAINTS := ci/constraints/airflow-$(AIRFLOW_VERSION).txt
# The API metadata oracle (tccli's api.json files, test-only), pinned once there and installed without dependencies.
ORACLE_REQUIREMENTS := ci/oracle-requirements.txt
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml Makefile $(CONSTRAINTS) $(ORACLE_REQUIREMENTS) | cksum | cut -d' ' -f1)
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False

.PHONY: setup test lint typecheck unit quick pytest demo bench ui-test cluster docs clean dist matrix matrix-3.1 matrix-3.2 lowest

setup: $(STAMP)

# Airflow 3.3.2 with the pins its tests passed with (ci/constraints: Airflow's own constraint files cannot be
# fetched from here). Bytecode is compiled at install, as pip does, so that every `airflow` process
# (dags test, the UI check) starts at its real speed.
$(STAMP): pyproject.toml Makefile $(CONSTRAINTS) $(ORACLE_REQUIREMENTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -c $(CONSTRAINTS) -e '.[testing]' --group dev 'apache-airflow==$(AIRFLOW_VERSION)'
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -r $(ORACLE_REQUIREMENTS)
	rm -f $(VENV)/.installed-*
	touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

## The in-process tests: no emulator, no local S3, no child Python process (tests/conftest.py marks the
## others `server`). Serial: pytest-xdist's two workers each import Airflow, which costs more than they save.
unit: setup
	$(BIN)/pytest -q -m "not server"

## The inner loop while editing: lint, then the in-process tests.
quick: lint unit

## Every test (what `make test` runs on Airflow 3.3.2), with both oracles required.
pytest: setup
	TENCENT_ORACLE_REQUIRED=1 $(BIN)/pytest -q

## The test command (and CI's): on Airflow 3.3.2 lint, types, the whole test suite (emulator + local S3 + airflow
## dags test), the UI in a browser, the demo, the docs, the wheel and sdist; then Airflow 3.1 and 3.2 and the
## declared floors (`matrix`); ends with a table of versions x results (ci/test.sh).
test:
	bash ci/test.sh

## Airflow 3.1 / 3.2 at their latest patch and the lowest-direct run, each in its own venv (ci/leg.sh).
matrix: matrix-3.1 matrix-3.2 lowest

matrix-3.1: setup
	bash ci/leg.sh af31 3.13 3.1.8

matrix-3.2: setup
	bash ci/leg.sh af32 3.12 3.2.2

lowest: setup
	bash ci/leg.sh lowest 3.10 lowest

## The wheel and sdist (dist/), checked with twine.
dist: setup
	rm -rf dist
	$(BIN)/uv build -q --out-dir dist
	$(BIN)/twine check --strict dist/*

## The demo: emulator + local S3 on loopback, both example DAGs with `airflow dags test`.
demo: setup
	$(BIN)/python -m dev.demo

bench: setup
	$(BIN)/python benchmarks/run.py

ui-test: setup
	bash tests/ui/run.sh

## The provider on a CeleryExecutor cluster on this machine (PostgreSQL, Redis, two workers, two triggerers):
## installs what is missing, runs tests/cluster/cluster_check.py, stops everything it started (ci/cluster/run.sh).
cluster: setup
	bash ci/cluster/run.sh

## The docs site (Sphinx) in docs/_build/html: no network needed, any warning fails the build.
docs: setup
	$(BIN)/sphinx-build -W --keep-going -q -b html -d docs/_build/doctrees docs docs/_build/html

clean:
	rm -rf $(VENV) .venv-cluster .venv-af31 .venv-af32 .venv-lowest .demo .artifacts dist docs/_build docs/_generated
