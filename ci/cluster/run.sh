#!/usr/bin/env bash
# `make cluster`: the provider on a CeleryExecutor cluster on this machine (tests/cluster/cluster_check.py).
#
# Installs what is missing: Debian's redis-server and postgresql (apt-get, without recommended packages; the
# log goes to .artifacts/cluster/apt.log), and .venv-cluster: the main venv's pins (ci/constraints) plus the
# Celery provider, Redis client and PostgreSQL driver pinned in ci/cluster/requirements.txt. Then runs the check,
# which starts PostgreSQL, Redis, the emulator, moto S3, api-server, scheduler, dag-processor, two Celery
# workers and two triggerers on 127.0.0.1, and stops every one of them (by process group) however it ends.
set -euo pipefail
cd "$(dirname "$0")/../.."

mkdir -p .artifacts/cluster
APT_LOG=.artifacts/cluster/apt.log
VENV=.venv-cluster
CONSTRAINTS=ci/constraints/airflow-3.3.2.txt
REQUIREMENTS=ci/cluster/requirements.txt

have_services() {
    command -v redis-server >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

if ! have_services; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "cluster: redis-server or postgresql is missing; install them (Debian: redis-server postgresql)" >&2
        exit 1
    fi
    echo "cluster: installing Debian's redis-server and postgresql (log: $APT_LOG)"
    apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
    if ! apt-cache policy postgresql redis-server 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        "${apt[@]}" update -qq >>"$APT_LOG" 2>&1 || { tail -n 20 "$APT_LOG" >&2; exit 1; }
    fi
    # postgresql's package starts a cluster of its own through invoke-rc.d: refuse that (policy-rc.d 101)
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
    fi
    status=0
    "${apt[@]}" install -y -qq --no-install-recommends redis-server postgresql >>"$APT_LOG" 2>&1 || status=$?
    [ "$created_policy" -eq 1 ] && rm -f "$policy"
    if [ "$status" -ne 0 ]; then
        tail -n 20 "$APT_LOG" >&2
        exit 1
    fi
    have_services
fi

stamp="$VENV/.installed-$(cat pyproject.toml "$CONSTRAINTS" "$REQUIREMENTS" ci/cluster/run.sh | cksum | cut -d' ' -f1)"
if [ ! -e "$stamp" ]; then
    echo "cluster: building $VENV"
    test -x "$VENV/bin/python" || python3 -m venv "$VENV"
    .venv/bin/uv pip install -q --compile-bytecode --python "$VENV/bin/python" -c "$CONSTRAINTS" \
        -e '.[testing]' --group dev 'apache-airflow==3.3.2' -r "$REQUIREMENTS"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
fi

# the shared quota limiter against a real redis-server: it skips in `make test`'s pytest step on a machine
# without redis-server (installed above); here a skip is a failure
echo "cluster: tests/integration/test_shared_quota_redis.py (real redis-server)"
TENCENT_REQUIRE_REDIS=1 .venv/bin/pytest -q -p no:cacheprovider tests/integration/test_shared_quota_redis.py

exec "$VENV/bin/python" tests/cluster/cluster_check.py "$@"
