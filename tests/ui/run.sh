#!/usr/bin/env bash
# The UI check (`make ui-test`): the Airflow UI with this provider in headless Chromium.
# Debian's Chromium is installed only when missing: quietly (the installer's output goes to
# .artifacts/ui/apt.log), without recommended packages, and only when that upgrades no installed
# package (checked with `apt-get -s` first, verified with dpkg afterwards). Playwright never downloads a browser.
set -euo pipefail
cd "$(dirname "$0")/../.."

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
APT_LOG=.artifacts/ui/apt.log

installed_versions() {
    dpkg-query -W -f '${db:Status-Abbrev} ${Package}:${Architecture} ${Version}\n' | awk '$1 == "ii" {print $2, $3}' | sort
}

install_chromium() {
    local sudo=() apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null; then
            echo "ui tests: $CHROMIUM is missing and neither root nor sudo is available to install it" >&2
            return 1
        fi
        sudo=(sudo -n)
    fi
    mkdir -p "$(dirname "$APT_LOG")"
    : >"$APT_LOG"
    # package lists only when they do not know chromium yet (a fresh image has none)
    if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        echo "ui tests: apt-get update (log: $APT_LOG)"
        "${sudo[@]}" "${apt[@]}" update -qq >>"$APT_LOG" 2>&1 || { tail -n 20 "$APT_LOG" >&2; return 1; }
    fi
    # Recommends (udev, avahi, ...) would drag systemd and perl upgrades in: never install them. `--no-upgrade`
    # would not help: it only holds back the packages named on the command line, not their dependencies.
    # So ask apt what it would do, and refuse when that upgrades (or removes) anything already installed.
    local plan changes
    plan=$("${apt[@]}" -s install --no-install-recommends chromium 2>>"$APT_LOG")
    printf '%s\n' "$plan" >>"$APT_LOG"
    changes=$(printf '%s\n' "$plan" | awk '/^Inst [^ ]+ \[/ || /^Remv / {print $2}' | tr '\n' ' ')
    if [ -n "$changes" ]; then
        echo "ui tests: installing chromium would upgrade or remove installed packages: $changes" >&2
        echo "ui tests: not done; install a browser yourself and point CHROMIUM at it (plan in $APT_LOG)" >&2
        return 1
    fi
    local before
    before=$(installed_versions)
    echo "ui tests: installing Debian's chromium: $(printf '%s\n' "$plan" | grep -c '^Inst ') new packages, no upgrades (log: $APT_LOG)"
    "${sudo[@]}" "${apt[@]}" install -y -qq --no-install-recommends chromium >>"$APT_LOG" 2>&1 ||
        { echo "ui tests: apt-get install chromium failed:" >&2; tail -n 20 "$APT_LOG" >&2; return 1; }
    # what actually changed among the packages installed before (the plan said nothing)
    changes=$(comm -23 <(printf '%s\n' "$before") <(installed_versions) | awk '{print $1}' | tr '\n' ' ')
    if [ -n "$changes" ]; then
        echo "ui tests: WARNING: apt changed installed packages: $changes" >&2
    fi
    test -x "$CHROMIUM"
}

if [ ! -x "$CHROMIUM" ]; then
    if [ "$CHROMIUM" != /usr/bin/chromium ]; then
        echo "ui tests: CHROMIUM=$CHROMIUM is not an executable" >&2
        exit 1
    fi
    install_chromium
fi

PYTHON=.venv/bin/python
if [ ! -x "$PYTHON" ]; then
    echo "ui tests: $PYTHON is missing: run 'make setup' first" >&2
    exit 1
fi
# The provider's pages and forms, then the AIGC video DAG with a real triggerer (deferred, triggerer restarted).
status=0
"$PYTHON" tests/ui/ui_check.py "$@" || status=1
"$PYTHON" tests/ui/aigc_video_check.py || status=1
exit $status
