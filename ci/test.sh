#!/usr/bin/env bash
# `make test` (and so `.ci/run`): every check, then a table of versions x results.
#
# Airflow 3.3.2 (.venv, `make setup`): lint, types, the whole test suite, the browser UI check, the demo,
# the docs (when the Makefile has a `docs` target), the built wheel and sdist (`twine check`).
# Airflow 3.1 and 3.2 at their latest patch, each in its own venv: the unit suite and one `airflow dags test`.
# The lowest-direct run: every declared floor, the unit suite and one `airflow dags test`.
# A step that fails does not stop the others; the exit status is 1 when any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

mkdir -p .artifacts
results=.artifacts/results.tsv
: >"$results"
started=$SECONDS

# step NAME VERSIONS COMMAND...: run it, record pass/fail and its duration.
step() {
    local name=$1 versions=$2
    shift 2
    local t0=$SECONDS status
    echo "==== $name ($versions): $*"
    "$@"
    status=$?
    if [ "$status" -eq 0 ]; then result=pass; else result="FAIL (exit $status)"; fi
    printf '%s\t%s\t%s\t%ss\n' "$name" "$versions" "$result" "$((SECONDS - t0))" >>"$results"
    echo "==== $name: $result in $((SECONDS - t0)) s"
}

# Nothing below works without the main venv: stop here when it cannot be built.
make -s setup || exit 1
main="Airflow $(.venv/bin/python -c 'import airflow; print(airflow.__version__)'), $(.venv/bin/python -V)"

step lint "$main" make -s lint
step typecheck "$main" make -s typecheck
step pytest "$main" make -s pytest
step ui-test "$main" make -s ui-test
step demo "$main" make -s demo
step cluster "$main, CeleryExecutor" make -s cluster
if grep -qE '^docs:' Makefile; then
    step docs "$main" make -s docs
fi
step dist "$main" make -s dist
step matrix-3.1 "Airflow 3.1.8, Python 3.13" make -s matrix-3.1
step matrix-3.2 "Airflow 3.2.2, Python 3.12" make -s matrix-3.2
step lowest "floors (Airflow 3.1.3), Python 3.10" make -s lowest

passed=$(grep -c $'\tpass\t' "$results")
failed=$(grep -vc $'\tpass\t' "$results")
echo
echo "Versions x results (total $((SECONDS - started)) s):"
{
    printf 'step\tversions\tresult\ttime\n'
    cat "$results"
} | column -t -s $'\t'
echo "steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
