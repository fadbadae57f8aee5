#!/usr/bin/env bash
# Regenerate the pins of the Airflow 3.1 and 3.2 legs: what PyPI offered the day after each Airflow release
# (`uv pip compile --exclude-newer`), which is what Airflow's own constraint files (on GitHub, not reachable
# from here) describe. Then run `make matrix` to prove them. airflow-3.3.2.txt is different: the
# `uv pip freeze` of the main venv in which `make test` passed (it also pins the dev tools).
#
#   bash ci/constraints/compile.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
uv=.venv/bin/uv

compile() { # AIRFLOW PYTHON RELEASE-DAY+1
    local out=ci/constraints/airflow-$1.txt
    {
        echo "# Airflow $1 on Python $2: PyPI as of $3 (the day after Airflow $1), resolved by ci/constraints/compile.sh."
        echo "# Stands in for Airflow's own constraint file; make matrix-${1%.*} proves it."
        printf 'apache-airflow==%s\npytest-timeout\n' "$1" |
            "$uv" pip compile -q --no-header --no-annotate --python-version "$2" --exclude-newer "$3" \
                pyproject.toml --extra testing -
    } >"$out"
    echo "wrote $out"
}

compile 3.1.8 3.13 2026-03-12
compile 3.2.2 3.12 2026-05-30
