#!/usr/bin/env bash
# One leg of the version matrix: its own virtualenv, then the unit suite and one `airflow dags test` end to end.
#
#   bash ci/leg.sh NAME PYTHON AIRFLOW
#
# NAME     the venv is .venv-NAME (kept between runs; rebuilt when pyproject.toml, ci/constraints or this file change)
# PYTHON   Python version to build it with (3.13, ...): pythonX.Y on PATH, else pyenv's installation of it
# AIRFLOW  an Airflow release (3.1.8): installed with ci/constraints/airflow-AIRFLOW.txt, the pins its tests
#          passed with (Airflow's own constraint files cannot be fetched from here); or `lowest`: every direct
#          dependency at its declared floor (uv --resolution lowest-direct, ci/constraints/lowest.txt), the rest
#          as PyPI offered it the day after Airflow 3.1.3 (the floor), so that a floor that does not work fails.
set -euo pipefail
cd "$(dirname "$0")/.."

name=$1 python=$2 airflow=$3
venv=.venv-$name
uv=.venv/bin/uv # from `make setup`
e2e_test=tests/integration/test_dags_e2e.py::test_single_operators_dag_pushes_results_through_xcom

interpreter=
for candidate in "$(command -v "python$python" || true)" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$python".*/bin/python"$python"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c pass 2>/dev/null; then
        interpreter=$candidate
        break
    fi
done
if [ -z "$interpreter" ]; then
    echo "matrix $name: no Python $python on this machine (PATH, pyenv)" >&2
    exit 1
fi

stamp=$venv/.installed-$(cat pyproject.toml ci/constraints/*.txt ci/leg.sh | cksum | cut -d' ' -f1)
if [ ! -f "$stamp" ]; then
    rm -rf "$venv"
    mkdir -p .artifacts/matrix
    "$uv" venv -q --python "$interpreter" "$venv"
    if [ "$airflow" = lowest ]; then
        install=(--resolution lowest-direct --exclude-newer 2025-11-15 -c ci/constraints/lowest.txt)
        install+=(-e '.[testing]' 'pytest-timeout>=2.3')
    else
        install=(-c "ci/constraints/airflow-$airflow.txt" -e '.[testing]' pytest-timeout "apache-airflow==$airflow")
    fi
    "$uv" pip install -q --compile-bytecode --python "$venv/bin/python" "${install[@]}" \
        >".artifacts/matrix/install-$name.log" 2>&1 || {
        tail -30 ".artifacts/matrix/install-$name.log" >&2
        exit 1
    }
    touch "$stamp"
fi

"$uv" pip list --python "$venv/bin/python" 2>/dev/null |
    grep -iE '^(apache-airflow|tencentcloud-sdk-python-common|s3fs|moto|tenacity|pillow|pytest) ' |
    tr -s ' ' | tr '\n' ';' | sed "s/^/matrix $name: $("$venv/bin/python" -V) /; s/;$/\n/"

export AIRFLOW__CORE__LOAD_EXAMPLES=False
# The unit suite: everything but the tests that need the newest Airflow or the whole toolchain (`-m` below).
"$venv/bin/pytest" -q -m "not e2e and not dist" -p no:cacheprovider
# One `airflow dags test` end to end (emulator + local S3, real SDK signing, SQLite metadata database).
"$venv/bin/pytest" -q -m e2e -p no:cacheprovider "$e2e_test"
