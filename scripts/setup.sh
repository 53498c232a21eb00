#!/usr/bin/env bash
# Set up kgraph in this checkout: a virtual environment with the package, and the
# front-end assets (YASGUI, Cytoscape.js) from the npm registry, served by the app itself.
#
#   scripts/setup.sh          for running kgraph
#   scripts/setup.sh --test   also the test tools, and Debian's chromium for the browser test
#
# Idempotent: a second run only installs what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[[ "${1:-}" == "--test" ]] && with_tests=1

python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if (( with_tests )); then
    .venv/bin/python -m pip install --quiet -e ".[test]"
else
    .venv/bin/python -m pip install --quiet -e .
fi

if [[ -f package-lock.json ]]; then
    if ! command -v npm >/dev/null; then
        echo "setup: npm is needed for the query UI's assets (apt-get install npm)" >&2
        exit 1
    fi
    npm ci --no-audit --no-fund --loglevel=error
fi

if (( with_tests )) && [[ ! -x /usr/bin/chromium ]]; then
    # The browser test drives Debian's chromium through Playwright; Playwright's own
    # browser download does not work without internet.
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "setup: install Debian's chromium (sudo apt-get install chromium) for the browser test" >&2
    fi
fi
echo "setup: done (.venv ready)"
