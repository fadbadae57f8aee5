#!/usr/bin/env bash
# The UI check (`make ui-test`): the Airflow UI with this provider in headless Chromium.
# Debian's Chromium is installed when missing (apt, non-interactive); Playwright never downloads a browser.
set -euo pipefail
cd "$(dirname "$0")/../.."

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [ ! -x "$CHROMIUM" ]; then
    if [ "$CHROMIUM" != /usr/bin/chromium ]; then
        echo "ui tests: CHROMIUM=$CHROMIUM is not an executable" >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null; then
        sudo=(sudo -n)
    else
        echo "ui tests: $CHROMIUM is missing and neither root nor sudo is available to install it" >&2
        exit 1
    fi
    echo "ui tests: installing Debian's chromium (apt-get)"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    test -x "$CHROMIUM"
fi

PYTHON=.venv/bin/python
if [ ! -x "$PYTHON" ]; then
    echo "ui tests: $PYTHON is missing: run 'make setup' first" >&2
    exit 1
fi
exec "$PYTHON" tests/ui/ui_check.py "$@"
